"""Courses: importing versions from files, and each employee's reading progress."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from advocacy import clock
from advocacy.errors import NotFound, ValidationFailed
from advocacy.models import Course, CourseVersion, Module, ModuleCompletion, Question, User
from advocacy.services import audit
from training.course_files import CourseSpec


def import_course(
    session: Session, spec: CourseSpec, *, actor: User | None = None
) -> tuple[CourseVersion, bool]:
    """Store a new version of a course and make it current; (version, False) if already there.

    Old versions stay, so attempts and certificates keep pointing at what they were earned on.
    """
    course = session.scalar(select(Course).where(Course.slug == spec.slug))
    if course is None:
        course = Course(slug=spec.slug, title=spec.title)
        session.add(course)
        session.flush()
    same = session.scalar(
        select(CourseVersion).where(
            CourseVersion.course_id == course.id, CourseVersion.version == spec.version
        )
    )
    if same is not None:
        if same.content_hash == spec.content_hash():
            return same, False
        raise ValidationFailed(
            f"Version {spec.version} of {spec.slug} was imported before with different content; "
            "raise the version number in course.yaml."
        )
    current = current_version(session, spec.slug)
    if current is not None and (current.major, current.minor) > (spec.major, spec.minor):
        raise ValidationFailed(
            f"Version {spec.version} is older than the current version {current.version}."
        )
    version = CourseVersion(
        course=course,
        version=spec.version,
        major=spec.major,
        minor=spec.minor,
        title=spec.title,
        summary=spec.summary,
        pass_mark=spec.pass_mark,
        questions_per_attempt=spec.questions_per_attempt,
        attempt_limit=spec.attempt_limit,
        cooldown_minutes=spec.cooldown_minutes,
        certificate_valid_days=spec.certificate_valid_days,
        recertification_grace_days=spec.recertification_grace_days,
        networks=spec.networks,
        content_hash=spec.content_hash(),
        is_current=True,
        modules=[
            Module(position=index, slug=m.slug, title=m.title, body=m.body)
            for index, m in enumerate(spec.modules, start=1)
        ],
        questions=[
            Question(
                key=q.key,
                module_slug=q.module,
                kind=q.kind,
                prompt=q.prompt,
                options=q.options,
                correct=q.correct,
                explanation=q.explanation,
            )
            for q in spec.questions
        ],
    )
    if current is not None:
        current.is_current = False
        if spec.major > current.major:
            grace = timedelta(days=spec.recertification_grace_days)
            version.previous_major = current.major
            version.previous_major_valid_until = clock.now() + grace
        else:
            version.previous_major = current.previous_major
            version.previous_major_valid_until = current.previous_major_valid_until
    course.title = spec.title
    session.add(version)
    session.flush()
    audit.record(
        session,
        "course.imported",
        actor=actor,
        subject=f"{spec.slug} {spec.version}",
        modules=len(spec.modules),
        questions=len(spec.questions),
    )
    return version, True


def current_version(session: Session, slug: str) -> CourseVersion | None:
    return session.scalar(
        select(CourseVersion)
        .join(Course)
        .where(Course.slug == slug, CourseVersion.is_current.is_(True))
        .options(selectinload(CourseVersion.modules), selectinload(CourseVersion.course))
    )


def current_versions(session: Session) -> list[CourseVersion]:
    return list(
        session.scalars(
            select(CourseVersion)
            .where(CourseVersion.is_current.is_(True))
            .options(selectinload(CourseVersion.course))
            .order_by(CourseVersion.course_id)
        )
    )


def course_for(session: Session, slug: str) -> CourseVersion:
    version = current_version(session, slug)
    if version is None:
        raise NotFound("There is no such course.")
    return version


def module_for(version: CourseVersion, position: int) -> Module:
    for module in version.modules:
        if module.position == position:
            return module
    raise NotFound("This course has no such module.")


def completed_slugs(session: Session, user: User, version: CourseVersion) -> set[str]:
    """Modules read, by slug: reading carries over between minor versions of a course."""
    return set(
        session.scalars(
            select(Module.slug)
            .join(ModuleCompletion, ModuleCompletion.module_id == Module.id)
            .join(CourseVersion, Module.version_id == CourseVersion.id)
            .where(
                ModuleCompletion.user_id == user.id,
                CourseVersion.course_id == version.course_id,
                CourseVersion.major == version.major,
            )
        )
    )


def all_modules_read(session: Session, user: User, version: CourseVersion) -> bool:
    return {m.slug for m in version.modules} <= completed_slugs(session, user, version)


def complete_module(session: Session, user: User, module: Module) -> None:
    """Mark a module read (once); the assessment opens when every module is read."""
    if session.get(ModuleCompletion, (user.id, module.id)) is None:
        session.add(ModuleCompletion(user_id=user.id, module_id=module.id))
        session.commit()

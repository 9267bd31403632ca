"""Certificates after they are issued: viewing, verifying, revoking, reminders and reports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased, selectinload

from advocacy import clock
from advocacy.errors import NotFound, ValidationFailed
from advocacy.models import (
    AttemptGrant,
    Certification,
    CourseVersion,
    Department,
    Role,
    User,
)
from advocacy.services import audit
from advocacy.services.mail import MailSettings, send_mail
from training.gating import Reason, certificate_state, current_certificate_clause

STATUS_FILTERS = {
    "certified": "Certified",
    "lapsed": "Expired, revoked or outdated",
    "never": "Never certified",
}


def by_number(session: Session, number: str) -> Certification:
    certification = session.scalar(
        select(Certification)
        .where(Certification.number == number.strip().upper())
        .options(selectinload(Certification.user), selectinload(Certification.version))
    )
    if certification is None:
        raise NotFound("There is no certificate with this number.")
    return certification


def visible_to(session: Session, viewer: User, number: str) -> Certification:
    """The holder, admins and marketers may open a certificate; others get 'not found'."""
    certification = by_number(session, number)
    if certification.user_id != viewer.id and not viewer.has_role("admin", "marketer"):
        raise NotFound("There is no certificate with this number.")
    return certification


def current_of(session: Session, course_id: int) -> CourseVersion:
    return session.scalar(
        select(CourseVersion).where(
            CourseVersion.course_id == course_id, CourseVersion.is_current.is_(True)
        )
    )


def revoke(session: Session, certification: Certification, *, actor: User, reason: str) -> int:
    """Revoke every live certificate the holder has for this course; returns how many."""
    reason = " ".join(reason.split())[:500]
    if not reason:
        raise ValidationFailed("Say why the certificate is revoked; the holder will see it.")
    live = session.scalars(
        select(Certification)
        .join(CourseVersion, Certification.version_id == CourseVersion.id)
        .where(
            Certification.user_id == certification.user_id,
            CourseVersion.course_id == certification.version.course_id,
            Certification.revoked_at.is_(None),
        )
    ).all()
    if not live:
        raise ValidationFailed("This certificate is already revoked.")
    for item in live:
        item.revoked_at = clock.now()
        item.revoked_by_id = actor.id
        item.revoke_reason = reason
        audit.record(
            session,
            "certificate.revoked",
            actor=actor,
            subject=item.number,
            holder=certification.user.email,
            reason=reason,
        )
    session.commit()
    return len(live)


def grant_extra_attempt(
    session: Session, user: User, version: CourseVersion, *, actor: User
) -> None:
    if not user.has_role("employee"):
        raise ValidationFailed(f"{user.name} is not an employee and does not take the course.")
    session.add(AttemptGrant(user_id=user.id, version_id=version.id, granted_by_id=actor.id))
    audit.record(
        session,
        "assessment.attempt_granted",
        actor=actor,
        subject=user.email,
        course=version.course.slug,
        version=version.version,
    )
    session.commit()


def send_expiry_reminders(
    session: Session, config: Mapping, certificate_url_for, *, days: int, at: datetime | None = None
) -> int:
    """Mail each holder whose latest certificate expires within `days`; once per certificate."""
    at = at or clock.now()
    newer = aliased(Certification)
    newer_version = aliased(CourseVersion)
    due_version = aliased(CourseVersion)
    due = session.scalars(
        select(Certification)
        .join(User, Certification.user_id == User.id)
        .join(due_version, Certification.version_id == due_version.id)
        .where(
            User.active.is_(True),
            Certification.revoked_at.is_(None),
            Certification.reminded_at.is_(None),
            Certification.expires_at > at,
            Certification.expires_at <= at + timedelta(days=days),
            # Not if the holder already renewed, on this or a newer version of the course.
            ~select(newer.id)
            .join(newer_version, newer.version_id == newer_version.id)
            .where(
                newer.user_id == Certification.user_id,
                newer_version.course_id == due_version.course_id,
                newer.issued_at > Certification.issued_at,
                newer.revoked_at.is_(None),
            )
            .exists(),
        )
        .options(selectinload(Certification.user), selectinload(Certification.version))
    ).all()
    for certification in due:
        user = certification.user
        send_mail(
            session,
            MailSettings(config),
            user.email,
            "Your Chorus certificate expires soon",
            f"Hello {user.name},\n\nYour certificate {certification.number} for "
            f"“{certification.version.title}” expires on "
            f"{certification.expires_at:%d %B %Y}. After that you cannot share company "
            "content until you pass the assessment again.\n\nRenew it here:\n\n"
            f"{certificate_url_for(certification.version.course.slug)}\n",
        )
        certification.reminded_at = at
        audit.record(
            session, "certificate.reminder_sent", subject=certification.number, holder=user.email
        )
    session.commit()
    return len(due)


@dataclass(frozen=True)
class StatusRow:
    user: User
    reason: Reason
    certification: Certification | None


def _employees(course_id: int, at: datetime, department_id: int | None, status: str):
    latest = (
        select(Certification.id)
        .join(CourseVersion, Certification.version_id == CourseVersion.id)
        .where(Certification.user_id == User.id, CourseVersion.course_id == course_id)
        .order_by(Certification.issued_at.desc(), Certification.id.desc())
        .limit(1)
        .correlate(User)
        .scalar_subquery()
    )
    certified = current_certificate_clause(course_id, at)
    query = select(User, certified.label("certified"), latest.label("latest_id")).where(
        User.active.is_(True), User.roles.any(Role.name == "employee")
    )
    if department_id:
        query = query.where(User.department_id == department_id)
    if status == "certified":
        query = query.where(certified)
    elif status == "lapsed":
        query = query.where(~certified, latest.is_not(None))
    elif status == "never":
        query = query.where(latest.is_(None))
    return query


def status_rows(
    session: Session,
    course_id: int,
    *,
    department_id: int | None = None,
    status: str = "",
    page: int | None = 1,
    per_page: int = 50,
    at: datetime | None = None,
) -> tuple[list[StatusRow], int]:
    """Every active employee's standing for a course (one page, or all when page is None)."""
    at = at or clock.now()
    query = _employees(course_id, at, department_id, status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    query = query.options(selectinload(User.department)).order_by(func.lower(User.name), User.id)
    if page is not None:
        query = query.offset((page - 1) * per_page).limit(per_page)
    rows = session.execute(query).all()
    certificates = {
        c.id: c
        for c in session.scalars(
            select(Certification)
            .where(Certification.id.in_([r.latest_id for r in rows if r.latest_id]))
            .options(selectinload(Certification.version))
        )
    }
    current = current_of(session, course_id)
    result = []
    for user, certified, latest_id in rows:
        certification = certificates.get(latest_id)
        reason = (
            Reason.CERTIFIED
            if certified
            else (
                certificate_state(certification, current, at).reason
                if certification
                else Reason.NOT_CERTIFIED
            )
        )
        result.append(StatusRow(user, reason, certification))
    return result, total


@dataclass(frozen=True)
class Coverage:
    department: str
    employees: int
    certified: int

    @property
    def percent(self) -> int:
        return 100 * self.certified // self.employees if self.employees else 0


def coverage_by_department(
    session: Session, course_id: int, at: datetime | None = None
) -> list[Coverage]:
    """Active employees and how many hold a good certificate, per department and in total."""
    at = at or clock.now()
    certified = current_certificate_clause(course_id, at)
    rows = session.execute(
        select(
            Department.name,
            func.count(User.id),
            func.count(User.id).filter(certified),
        )
        .select_from(User)
        .outerjoin(Department, and_(User.department_id == Department.id))
        .where(User.active.is_(True), User.roles.any(Role.name == "employee"))
        .group_by(Department.name)
        .order_by(Department.name)
    ).all()
    coverage = [Coverage(name or "No department", total, done) for name, total, done in rows]
    if coverage:
        coverage.append(
            Coverage(
                "All employees",
                sum(c.employees for c in coverage),
                sum(c.certified for c in coverage),
            )
        )
    return coverage


def status_csv(rows: list[StatusRow]) -> Iterator[str]:
    """The status table as CSV lines; cells that a spreadsheet would run as formulas are quoted."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: list[str]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_safe_cell(v) for v in values])
        return buffer.getvalue()

    yield line(["name", "email", "department", "status", "certificate", "issued", "expires"])
    for row in rows:
        c = row.certification
        yield line(
            [
                row.user.name,
                row.user.email,
                row.user.department.name if row.user.department else "",
                str(row.reason),
                c.number if c else "",
                f"{c.issued_at:%Y-%m-%d}" if c else "",
                f"{c.expires_at:%Y-%m-%d}" if c else "",
            ]
        )


def _safe_cell(value: str) -> str:
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value

"""Taking the assessment: when an attempt may start, drawing it, grading it, certifying."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from advocacy import clock
from advocacy.errors import NotFound, ValidationFailed
from advocacy.models import Attempt, AttemptGrant, Certification, CourseVersion, Question, User
from advocacy.services import audit
from advocacy.services.courses import all_modules_read
from training import quiz

# Certificates this close to expiry may be renewed by taking the assessment again.
RENEWAL_WINDOW = timedelta(days=30)
_CERTIFICATE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class AssessmentStatus:
    """Whether the employee may take the assessment now, and if not, why and until when."""

    modules_read: bool
    failed_attempts: int
    attempts_allowed: int
    cooldown_until: datetime | None
    open_attempt: Attempt | None
    holding: Certification | None  # a certificate for this version, not due for renewal

    @property
    def attempts_left(self) -> int:
        return max(0, self.attempts_allowed - self.failed_attempts)

    @property
    def can_start(self) -> bool:
        return self.blocked_reason is None

    @property
    def blocked_reason(self) -> str | None:
        if self.open_attempt is not None:
            return None
        if self.holding is not None:
            return "You are certified on this version of the course."
        if not self.modules_read:
            return "Read every module to unlock the assessment."
        if self.attempts_left == 0:
            return (
                "You have used all your attempts. Ask your Chorus admin for another one, "
                "and read the modules again in the meantime."
            )
        if self.cooldown_until is not None:
            return "Take a moment to review the modules before your next attempt."
        return None


def status(
    session: Session, user: User, version: CourseVersion, at: datetime | None = None
) -> AssessmentStatus:
    at = at or clock.now()
    attempts = session.scalars(
        select(Attempt)
        .where(Attempt.user_id == user.id, Attempt.version_id == version.id)
        .order_by(Attempt.id)
    ).all()
    grants = session.scalars(
        select(AttemptGrant.granted_at).where(
            AttemptGrant.user_id == user.id, AttemptGrant.version_id == version.id
        )
    ).all()
    # Failures count against the limit until the next pass.
    passes = [index for index, a in enumerate(attempts) if a.passed]
    since_pass = attempts[passes[-1] + 1 :] if passes else attempts
    failed = [a for a in since_pass if a.passed is False]
    cooldown_until = None
    if failed:
        last = failed[-1].submitted_at
        end = last + timedelta(minutes=version.cooldown_minutes)
        if at < end and not any(granted > last for granted in grants):
            cooldown_until = end
    holding = session.scalar(
        select(Certification)
        .where(
            Certification.user_id == user.id,
            Certification.version_id == version.id,
            Certification.revoked_at.is_(None),
            Certification.expires_at > at + RENEWAL_WINDOW,
        )
        .limit(1)
    )
    return AssessmentStatus(
        modules_read=all_modules_read(session, user, version),
        failed_attempts=len(failed),
        attempts_allowed=version.attempt_limit + len(grants),
        cooldown_until=cooldown_until,
        open_attempt=next((a for a in attempts if a.submitted_at is None), None),
        holding=holding,
    )


def start_attempt(
    session: Session, user: User, version: CourseVersion, rng: random.Random | None = None
) -> Attempt:
    """The open attempt, or a new one with freshly drawn questions when one may start."""
    current = status(session, user, version)
    if current.open_attempt is not None:
        return current.open_attempt
    if not current.can_start:
        raise ValidationFailed(current.blocked_reason)
    bank = dict(
        session.execute(
            select(Question.id, Question.options).where(Question.version_id == version.id)
        ).all()
    )
    drawn = quiz.draw(
        {qid: list(options) for qid, options in bank.items()}, version.questions_per_attempt, rng
    )
    attempt = Attempt(
        user=user,
        version=version,
        drawn=[{"question": d.question_id, "options": d.option_order} for d in drawn],
    )
    session.add(attempt)
    audit.record(
        session,
        "assessment.started",
        actor=user,
        subject=version.course.slug,
        version=version.version,
    )
    session.commit()
    return attempt


def attempt_for(session: Session, user: User, attempt_id: int) -> Attempt:
    """The user's own attempt; anyone else's is 'not found'."""
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != user.id:
        raise NotFound("There is no such attempt.")
    return attempt


def drawn_questions(session: Session, attempt: Attempt) -> list[tuple[Question, list[str]]]:
    """The attempt's questions with their options in the order the employee saw them."""
    ids = [item["question"] for item in attempt.drawn]
    by_id = {q.id: q for q in session.scalars(select(Question).where(Question.id.in_(ids)))}
    return [(by_id[item["question"]], item["options"]) for item in attempt.drawn]


def _drawn(attempt: Attempt) -> list[quiz.Drawn]:
    return [quiz.Drawn(item["question"], item["options"]) for item in attempt.drawn]


def grading(session: Session, attempt: Attempt) -> list[quiz.Graded]:
    """A submitted attempt, graded question by question (for the result page)."""
    correct = dict(
        session.execute(
            select(Question.id, Question.correct).where(
                Question.id.in_([item["question"] for item in attempt.drawn])
            )
        ).all()
    )
    answers = {int(k): v for k, v in (attempt.answers or {}).items()}
    return quiz.grade(_drawn(attempt), answers, correct)


def submit_attempt(
    session: Session, user: User, attempt: Attempt, answers: dict[int, list[str]]
) -> Attempt:
    """Grade on the server; a pass issues a certificate. An attempt is submitted once."""
    if attempt.user_id != user.id:
        raise NotFound("There is no such attempt.")
    session.refresh(attempt, with_for_update=True)  # two submits at once: one waits
    if attempt.submitted_at is not None:
        raise ValidationFailed("This attempt was already submitted.")
    if not attempt.version.is_current:
        raise ValidationFailed(
            "The course has a new version since you started. Start the assessment again."
        )
    unanswered = [item for item in attempt.drawn if not answers.get(item["question"])]
    if unanswered:
        raise ValidationFailed(f"Answer every question before you submit ({len(unanswered)} left).")
    attempt.answers = {str(k): sorted(v) for k, v in answers.items()}
    graded = grading(session, attempt)
    attempt.submitted_at = clock.now()
    attempt.score = quiz.score_percent(graded)
    attempt.passed = quiz.is_pass(graded, attempt.version.pass_mark)
    audit.record(
        session,
        "assessment.passed" if attempt.passed else "assessment.failed",
        actor=user,
        subject=attempt.version.course.slug,
        score=attempt.score,
        version=attempt.version.version,
    )
    if attempt.passed:
        issue_certificate(session, user, attempt.version, attempt=attempt)
    session.commit()
    return attempt


def certificate_of(session: Session, attempt: Attempt) -> Certification | None:
    """The certificate a passed attempt earned."""
    return session.scalar(select(Certification).where(Certification.attempt_id == attempt.id))


def _certificate_number(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(_CERTIFICATE_ALPHABET) for _ in range(8))
        number = f"CH-{code[:4]}-{code[4:]}"
        if not session.scalar(select(func.count()).where(Certification.number == number)):
            return number


def issue_certificate(
    session: Session,
    user: User,
    version: CourseVersion,
    *,
    attempt: Attempt | None = None,
    issued_at: datetime | None = None,
) -> Certification:
    issued_at = issued_at or clock.now()
    certification = Certification(
        number=_certificate_number(session),
        user=user,
        version=version,
        attempt_id=attempt.id if attempt else None,
        issued_at=issued_at,
        expires_at=issued_at + timedelta(days=version.certificate_valid_days),
    )
    session.add(certification)
    session.flush()
    audit.record(
        session,
        "certificate.issued",
        actor=user,
        subject=certification.number,
        course=version.course.slug,
        version=version.version,
    )
    return certification

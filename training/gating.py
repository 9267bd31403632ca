"""The gating policy: may this person share on this network now?

`may_share` is the only place that decides. Everything that shows shareable content or
shares (web, API, CLI, jobs) calls it. `current_certificate_clause` is the same rule as
SQL, for reports over many people; a test keeps the two in agreement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session, aliased, object_session

from advocacy import clock
from advocacy.models import Certification, CourseVersion, User


class Reason(StrEnum):
    CERTIFIED = "certified"
    ACCOUNT_DEACTIVATED = "account deactivated"
    NETWORK_NOT_COVERED = "network not covered"
    NOT_CERTIFIED = "not certified"
    REVOKED = "revoked"
    EXPIRED = "expired"
    VERSION_OUTDATED = "version outdated"


MESSAGES = {
    Reason.CERTIFIED: "You are certified to share.",
    Reason.ACCOUNT_DEACTIVATED: "Your account is deactivated.",
    Reason.NETWORK_NOT_COVERED: "No course unlocks sharing on this network yet; ask your admin.",
    Reason.NOT_CERTIFIED: "Pass the social media course to unlock sharing.",
    Reason.REVOKED: "Your certificate was revoked. Take the course again to unlock sharing.",
    Reason.EXPIRED: "Your certificate has expired. Take the assessment again to share.",
    Reason.VERSION_OUTDATED: "The course has a new version. Take it again to keep sharing.",
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: Reason
    certification: Certification | None = None
    # When the right to share lapses (expiry, or the end of a new version's grace period).
    valid_until: datetime | None = None

    @property
    def message(self) -> str:
        return MESSAGES[self.reason]

    def __bool__(self) -> bool:
        return self.allowed


def certificate_state(
    certification: Certification | None, current: CourseVersion, at: datetime
) -> Decision:
    """What one certificate allows against the course's current version at a moment."""
    if certification is None:
        return Decision(False, Reason.NOT_CERTIFIED)
    if certification.revoked_at is not None:
        return Decision(False, Reason.REVOKED, certification)
    if at >= certification.expires_at:
        return Decision(False, Reason.EXPIRED, certification, certification.expires_at)
    valid_until = certification.expires_at
    if certification.version.major < current.major:
        # Only the major version just replaced has a grace period; older ones are outdated.
        grace_end = current.previous_major_valid_until
        in_grace = certification.version.major == current.previous_major and grace_end
        if not in_grace or at >= grace_end:
            return Decision(False, Reason.VERSION_OUTDATED, certification, grace_end)
        valid_until = min(valid_until, grace_end)
    return Decision(True, Reason.CERTIFIED, certification, valid_until)


def _current_versions(session: Session, network: str | None) -> list[CourseVersion]:
    versions = session.scalars(
        select(CourseVersion)
        .where(CourseVersion.is_current.is_(True))
        .order_by(CourseVersion.course_id)
    )
    return [v for v in versions if network is None or network in v.networks]


def certification_decision(
    session: Session, user: User, current: CourseVersion, at: datetime
) -> Decision:
    """The user's standing for one course: allowed if any of their certificates is good."""
    certifications = session.scalars(
        select(Certification)
        .join(CourseVersion, Certification.version_id == CourseVersion.id)
        .where(Certification.user_id == user.id, CourseVersion.course_id == current.course_id)
        .order_by(Certification.issued_at.desc(), Certification.id.desc())
    ).all()
    decisions = [certificate_state(c, current, at) for c in certifications]
    allowed = [d for d in decisions if d.allowed]
    if allowed:
        return max(allowed, key=lambda d: d.valid_until)
    return decisions[0] if decisions else Decision(False, Reason.NOT_CERTIFIED)


def may_share(user: User, network: str | None = None, at: datetime | None = None) -> Decision:
    """May `user` share on `network` (any network when None) at `at` (now when None)?"""
    at = at or clock.now()
    if not user.active:
        return Decision(False, Reason.ACCOUNT_DEACTIVATED)
    session = object_session(user)
    versions = _current_versions(session, network)
    if not versions:
        return Decision(False, Reason.NETWORK_NOT_COVERED)
    decisions = [certification_decision(session, user, version, at) for version in versions]
    return next((d for d in decisions if d.allowed), decisions[0])


def shareable_networks(user: User, at: datetime | None = None) -> list[str]:
    """The networks `user` may share on now, in a stable order: those of every current
    course version the user holds a good certificate for (may_share's rule, with each
    course's certificates read once instead of once per network)."""
    at = at or clock.now()
    if not user.active:
        return []
    session = object_session(user)
    allowed: set[str] = set()
    for version in _current_versions(session, None):
        if certification_decision(session, user, version, at):
            allowed.update(version.networks)
    return sorted(allowed)


def current_certificate_clause(course_id: int, at: datetime) -> ColumnElement[bool]:
    """SQL: the user (User.id) holds a good certificate for the course at `at`."""
    certified_version = aliased(CourseVersion)
    current = aliased(CourseVersion)
    return exists(
        select(Certification.id)
        .join(certified_version, Certification.version_id == certified_version.id)
        .join(
            current,
            and_(current.course_id == certified_version.course_id, current.is_current.is_(True)),
        )
        .where(
            Certification.user_id == User.id,
            certified_version.course_id == course_id,
            Certification.revoked_at.is_(None),
            Certification.expires_at > at,
            or_(
                certified_version.major >= current.major,
                and_(
                    certified_version.major == current.previous_major,
                    current.previous_major_valid_until > at,
                ),
            ),
        )
    )

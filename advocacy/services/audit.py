"""Writing and reading the append-only audit log."""

from __future__ import annotations

from datetime import datetime

from flask import has_request_context, request
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from advocacy.models import AuditEvent, User


def client_ip() -> str | None:
    """The caller's address, when called inside a request (ProxyFix sets it behind a proxy)."""
    return request.remote_addr if has_request_context() else None


def record(
    session: Session,
    action: str,
    *,
    actor: User | None = None,
    subject: str | None = None,
    **details: object,
) -> AuditEvent:
    """Add an audit event to the session; the caller's commit makes it durable."""
    event = AuditEvent(
        action=action,
        actor=actor,
        subject=subject,
        ip=client_ip(),
        details=details,
    )
    session.add(event)
    return event


def count_since(
    session: Session,
    action: str,
    since: datetime,
    *,
    subject: str | None = None,
    ip: str | None = None,
) -> int:
    query = select(func.count(AuditEvent.id)).where(
        AuditEvent.action == action, AuditEvent.at >= since
    )
    if subject is not None:
        query = query.where(AuditEvent.subject == subject)
    if ip is not None:
        query = query.where(AuditEvent.ip == ip)
    return session.scalar(query) or 0


def oldest_since(session: Session, action: str, since: datetime, subject: str) -> datetime | None:
    return session.scalar(
        select(func.min(AuditEvent.at)).where(
            AuditEvent.action == action, AuditEvent.subject == subject, AuditEvent.at >= since
        )
    )


def recent(
    session: Session, *, action: str | None = None, page: int = 1, per_page: int = 50
) -> tuple[list[AuditEvent], bool]:
    """A page of events, newest first, and whether there is a next page."""
    query = (
        select(AuditEvent).options(selectinload(AuditEvent.actor)).order_by(AuditEvent.id.desc())
    )
    if action:
        query = query.where(AuditEvent.action == action)
    rows = list(session.scalars(query.offset((page - 1) * per_page).limit(per_page + 1)))
    return rows[:per_page], len(rows) > per_page


def actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))

"""Writing and reading the append-only audit log."""

from __future__ import annotations

from flask import has_request_context, request
from sqlalchemy import select
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

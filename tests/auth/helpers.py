"""What the auth tests share: reading the outbox and the audit log, choosing a password."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import func, select

from advocacy import clock
from advocacy.extensions import db
from advocacy.models import AuditEvent, OutboxMessage
from tests.conftest import post_form

NEW_PASSWORD = "a brand new passphrase"


def mailed_links(recipient: str, kind: str) -> list[str]:
    """Paths of the `/reset/...` or `/invite/...` links mailed to `recipient`, oldest first."""
    bodies = db.session.scalars(
        select(OutboxMessage.body)
        .where(OutboxMessage.recipient == recipient)
        .order_by(OutboxMessage.id)
    )
    return [link for body in bodies for link in re.findall(rf"/{kind}/[\w.-]+", body)]


def mailed_link(recipient: str, kind: str) -> str:
    """The path of the one `/reset/...` or `/invite/...` link mailed to `recipient`."""
    links = mailed_links(recipient, kind)
    assert len(links) == 1, links
    return links[0]


def outbox_count() -> int:
    return db.session.scalar(select(func.count(OutboxMessage.id)))


def audit_events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def choose_password(client: FlaskClient, path: str, password: str = NEW_PASSWORD, **fields):
    """Submit a new-password form (reset, invitation or account page)."""
    return post_form(client, path, {"password": password, "confirm": password, **fields})


def is_signed_in(client: FlaskClient) -> bool:
    """True when the start page opens; anonymous visitors are sent to sign in."""
    response = client.get("/")
    assert response.status_code in (200, 302), response.status_code
    return response.status_code == 200


@contextmanager
def links_aged(seconds: int) -> Iterator[None]:
    """Let `seconds` pass on the app clock, which signed links read too."""
    later = clock.now() + timedelta(seconds=seconds)
    clock.set_clock(lambda: later)
    try:
        yield
    finally:
        clock.set_clock(None)

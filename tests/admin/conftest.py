"""Helpers for the admin pages: the signed-in admin, reading pages, counting what was stored."""

from __future__ import annotations

import html
import io
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from advocacy.extensions import db
from advocacy.models import AuditEvent, Department, OutboxMessage, User
from tests.conftest import csrf_token

PERSON_LINK = re.compile(r'<a href="/admin/users/(\d+)">([^<]*)</a>')
PROBLEM_ROW = re.compile(r'<tr><td class="num">(\d+)</td><td>(.*?)</td></tr>', re.S)
FORM_ERRORS = re.compile(r'<div class="form-errors" role="alert"><ul>(.*?)</ul></div>', re.S)
FLASH = re.compile(r'<div class="flash flash-(\w+)" role="status">(.*?)</div>', re.S)


@pytest.fixture
def admin(login_as) -> User:
    """The client signed in as Ada, the only admin."""
    return login_as("admin", email="ada@example.com", name="Ada Admin")


def people_listed(page: str) -> list[str]:
    """The names in the people table, in the order shown."""
    return [html.unescape(name) for _id, name in PERSON_LINK.findall(page)]


def problems(page: str) -> list[tuple[int, str]]:
    """The (line, problem) rows of the import page's error table."""
    return [(int(line), html.unescape(text)) for line, text in PROBLEM_ROW.findall(page)]


def form_errors(page: str) -> str:
    match = FORM_ERRORS.search(page)
    return html.unescape(match.group(1)) if match else ""


def flashes(page: str) -> list[tuple[str, str]]:
    return [(category, html.unescape(text)) for category, text in FLASH.findall(page)]


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def stored_user(email: str) -> User | None:
    """The user with this email as the database holds it now."""
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def department_names() -> list[str]:
    return list(db.session.scalars(select(Department.name).order_by(Department.name)))


def outbox_recipients() -> list[str]:
    return list(db.session.scalars(select(OutboxMessage.recipient).order_by(OutboxMessage.id)))


def audit_events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def upload(
    client: FlaskClient,
    content: bytes,
    *,
    filename: str = "people.csv",
    send_invitations: bool = True,
):
    """POST a file to the import form the way a browser does."""
    data = {"csrf_token": csrf_token(client), "file": (io.BytesIO(content), filename)}
    if send_invitations:
        data["send_invitations"] = "y"
    return client.post("/admin/users/import", data=data, content_type="multipart/form-data")

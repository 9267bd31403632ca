"""Mail goes through SMTP when a server is configured, and waits in the outbox when not."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from advocacy.extensions import db
from advocacy.models import OutboxMessage
from advocacy.services.mail import MailSettings, send_mail
from tests.conftest import post_form


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(
            (envelope.mail_from, envelope.rcpt_tos, envelope.content.decode("utf-8", "replace"))
        )
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def test_reset_mail_is_sent_through_smtp_when_configured(app, client, make_user, smtp_server):
    inbox, port = smtp_server
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port,
        MAIL_USE_TLS=False,
        MAIL_FROM="Chorus <chorus@example.com>",
    )
    user = make_user("ana@example.com")

    post_form(client, "/reset", {"email": user.email})

    [(sender, recipients, content)] = inbox.messages
    assert sender == "chorus@example.com"
    assert recipients == ["ana@example.com"]
    assert "Subject: Reset your Chorus password" in content
    assert "/reset/" in content
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_without_a_server_mail_waits_in_the_outbox(app):
    send_mail(db.session, MailSettings(app.config), "bo@example.com", "Hello", "Body text")
    db.session.commit()
    message = db.session.scalars(select(OutboxMessage)).one()
    assert (message.recipient, message.subject, message.body) == (
        "bo@example.com",
        "Hello",
        "Body text",
    )


def test_a_failing_mail_server_keeps_the_message_and_says_nothing_more(app, client, make_user):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port(), MAIL_USE_TLS=False)
    user = make_user("ana@example.com")

    known = post_form(client, "/reset", {"email": user.email})
    unknown = post_form(client, "/reset", {"email": "nobody@example.com"})

    assert known.status_code == unknown.status_code == 303
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.recipient == "ana@example.com" and "/reset/" in message.body

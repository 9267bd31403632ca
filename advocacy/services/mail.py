"""Sending mail: through SMTP when configured, otherwise into the in-app outbox."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Mapping
from email.message import EmailMessage

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from advocacy.models import OutboxMessage

logger = logging.getLogger(__name__)


class MailSettings:
    """The mail part of the app config."""

    def __init__(self, config: Mapping) -> None:
        self.server: str | None = config.get("MAIL_SERVER")
        self.port: int = config.get("MAIL_PORT", 587)
        self.username: str | None = config.get("MAIL_USERNAME")
        self.password: str | None = config.get("MAIL_PASSWORD")
        self.use_tls: bool = config.get("MAIL_USE_TLS", True)
        self.sender: str = config.get("MAIL_FROM", "Chorus <chorus@localhost>")


def send_mail(session: Session, settings: MailSettings, to: str, subject: str, body: str) -> None:
    """Deliver one plain-text message; without SMTP, or when SMTP fails, it waits in the outbox.

    Falling back instead of failing means a request never breaks (or reveals anything)
    because the mail server is down; the admin finds the message in the outbox."""
    if settings.server:
        try:
            _send_smtp(settings, to, subject, body)
            return
        except (OSError, smtplib.SMTPException) as error:
            logger.error("SMTP delivery to %s failed (%s); kept in the outbox", to, error)
    session.add(OutboxMessage(recipient=to, subject=subject, body=body))


def _send_smtp(settings: MailSettings, to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(settings.server, settings.port, timeout=15) as smtp:
        if settings.use_tls:
            smtp.starttls()
        if settings.username:
            smtp.login(settings.username, settings.password or "")
        smtp.send_message(message)


def outbox_page(
    session: Session, *, recipient: str = "", page: int = 1, per_page: int = 25
) -> tuple[list[OutboxMessage], int]:
    """Outbox messages, newest first, and the total count for the filter."""
    query = select(OutboxMessage)
    count = select(func.count(OutboxMessage.id))
    if recipient.strip():
        matches = OutboxMessage.recipient.icontains(recipient.strip(), autoescape=True)
        query, count = query.where(matches), count.where(matches)
    rows = session.scalars(
        query.order_by(OutboxMessage.id.desc()).offset((page - 1) * per_page).limit(per_page)
    )
    return list(rows), session.scalar(count) or 0

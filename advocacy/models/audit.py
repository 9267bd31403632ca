from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from advocacy.clock import now
from advocacy.extensions import Base
from advocacy.models.types import UTCDateTime, write_once
from advocacy.models.user import User


@write_once
class AuditEvent(Base):
    """Append-only record of a security-relevant action: who, what, when, from where."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_action_subject_at", "action", "subject", "at"),
        Index("ix_audit_events_action_ip_at", "action", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(64))
    # What the action was about, as text: an email, "user:12", a file name.
    subject: Mapped[str | None] = mapped_column(String(254))
    ip: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()

"""Company settings the admin edits in the app, and the compliance lexicon."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from advocacy.clock import now
from advocacy.extensions import Base
from advocacy.models.types import UTCDateTime


class Setting(Base):
    """One named setting; defaults live in services.settings, so only changes are stored."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)


class LexiconTerm(Base):
    """A word or phrase the compliance screening blocks or flags."""

    __tablename__ = "lexicon_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(String(200), unique=True)  # stored casefolded
    severity: Mapped[str] = mapped_column(String(10))
    category: Mapped[str] = mapped_column(String(60), default="")
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

"""Clicks on tracked links: every one is kept; reports count one per visitor per hour."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from advocacy.extensions import Base
from advocacy.models.types import UTCDateTime


class Click(Base):
    """One request to a share's tracked link. No address or browser string is kept, only
    keyed hashes: enough to tell visitors apart, not to say who they are."""

    __tablename__ = "clicks"
    __table_args__ = (Index("ix_clicks_share_id_clicked_at", "share_id", "clicked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    share_id: Mapped[int] = mapped_column(ForeignKey("shares.id", ondelete="CASCADE"))
    clicked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    visitor: Mapped[str] = mapped_column(String(32))  # keyed hash of address + browser
    # The same visitor within the same hour shares a visit key: reports count visit keys.
    visit_key: Mapped[str] = mapped_column(String(32))
    referrer_host: Mapped[str | None] = mapped_column(String(255))
    is_bot: Mapped[bool] = mapped_column(default=False)

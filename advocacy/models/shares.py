"""Shares employees make, and the write-once archive of what was published."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from advocacy.clock import now
from advocacy.extensions import Base
from advocacy.models.content import ContentItem
from advocacy.models.types import UTCDateTime, write_once
from advocacy.models.user import User

# scheduled -> publishing -> published | failed; flagged text waits "in review" first.
IN_REVIEW, SCHEDULED, PUBLISHING = "in review", "scheduled", "publishing"
PUBLISHED, FAILED, CANCELLED, REJECTED = "published", "failed", "cancelled", "rejected"
# A share in one of these states counts: the same item is not shared twice on a network.
ACTIVE_STATES = (IN_REVIEW, SCHEDULED, PUBLISHING, PUBLISHED)


class Share(Base):
    __tablename__ = "shares"
    __table_args__ = (
        Index("ix_shares_status_scheduled_for", "status", "scheduled_for"),
        Index("ix_shares_user_id_created_at", "user_id", "created_at"),
        Index("ix_shares_content_item_id_network", "content_item_id", "network"),
        Index("ix_shares_status_published_at", "status", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    content_item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id"))
    network: Mapped[str] = mapped_column(String(32))
    # The final text, screened, with the disclosure; what is published.
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    remote_id: Mapped[str | None] = mapped_column(String(200))
    remote_url: Mapped[str | None] = mapped_column(String(500))
    failure_reason: Mapped[str | None] = mapped_column(String(500))
    # Sent with the publish so a retried call cannot post twice (where the network allows).
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    # The share's own short link; the post carries it instead of the raw URL.
    link_code: Mapped[str] = mapped_column(String(32), unique=True)
    follower_count: Mapped[int | None]  # the sharer's followers when published
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the network's figures were last read (services.metrics decides when next).
    metrics_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Tries the network did not answer: each waits longer before the next.
    publish_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    # Set (and committed) just before a post request goes out, cleared when the answer
    # says whether it was posted: while set, the post may exist, and the next try looks
    # for it on the network before posting (the networks take no idempotency key).
    publish_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When a worker last took it to publish: a share left "publishing" long after belonged
    # to a worker that died (services/publishing.py).
    publish_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    item: Mapped[ContentItem] = relationship()
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])


@write_once
class ArchiveRecord(Base):
    """Exactly what was published, where and by whom: write-once, for record keeping.

    Names are copied in, so the record stays complete whatever later happens to the
    person, the item or the account.
    """

    __tablename__ = "archive_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    share_id: Mapped[int | None] = mapped_column(
        ForeignKey("shares.id", ondelete="SET NULL"), unique=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    user_email: Mapped[str] = mapped_column(String(254))
    user_name: Mapped[str] = mapped_column(String(200))
    network: Mapped[str] = mapped_column(String(32))
    account_handle: Mapped[str] = mapped_column(String(200))
    account_remote_id: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(2048))
    remote_id: Mapped[str] = mapped_column(String(200))
    remote_url: Mapped[str | None] = mapped_column(String(500))
    content_title: Mapped[str] = mapped_column(String(300))
    campaign_name: Mapped[str] = mapped_column(String(200))
    approved_by: Mapped[str | None] = mapped_column(String(254))  # who cleared a flagged text
    details: Mapped[dict] = mapped_column(JSON, default=dict)

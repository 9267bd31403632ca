"""What marketing queues: campaigns, content items (with their edit history) and engage asks."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from advocacy.clock import now
from advocacy.extensions import Base
from advocacy.models.types import UTCDateTime
from advocacy.models.user import Department, User

# The states a marketer moves an item through; "scheduled", "live" and "expired" are phases
# of an approved item, read from its start and expiry (services.content.phase).
DRAFT, IN_REVIEW, APPROVED, ARCHIVED = "draft", "in review", "approved", "archived"
ITEM_STATES = (DRAFT, IN_REVIEW, APPROVED, ARCHIVED)

content_departments = Table(
    "content_departments",
    Base.metadata,
    Column("content_item_id", ForeignKey("content_items.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True),
)


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    goal: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    utm_campaign: Mapped[str] = mapped_column(String(100))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    items: Mapped[list[ContentItem]] = relationship(
        back_populates="campaign", order_by="ContentItem.id"
    )


class ContentItem(Base):
    """One thing to share. `captions` maps network -> suggested caption; `networks` lists
    where it may go; an empty department list means every certified employee."""

    __tablename__ = "content_items"
    __table_args__ = (Index("ix_content_items_status_starts_at", "status", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2048))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    image_name: Mapped[str | None] = mapped_column(String(100), index=True)
    # Reading the page's Open Graph preview happens in the background: None, "waiting",
    # "done" or "failed" (with the reason).
    preview_status: Mapped[str | None] = mapped_column(String(20))
    preview_error: Mapped[str | None] = mapped_column(String(300))
    captions: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    hashtags: Mapped[list[str]] = mapped_column(JSON, default=list)
    networks: Mapped[list[str]] = mapped_column(JSON, default=list)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default=DRAFT)
    version: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The version last approved: whoever saved a later version may not approve it.
    approved_version: Mapped[int | None]
    review_note: Mapped[str | None] = mapped_column(String(500))

    campaign: Mapped[Campaign] = relationship(back_populates="items")
    departments: Mapped[list[Department]] = relationship(
        secondary=content_departments, order_by=Department.name
    )
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    revisions: Mapped[list[ContentRevision]] = relationship(
        back_populates="item", order_by="ContentRevision.version.desc()"
    )


class ContentRevision(Base):
    """The item as it was saved at each version: editing never loses what was approved."""

    __tablename__ = "content_revisions"
    __table_args__ = (UniqueConstraint("content_item_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    content_item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id", ondelete="CASCADE"))
    version: Mapped[int]
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    status: Mapped[str] = mapped_column(String(20))
    fields: Mapped[dict] = mapped_column(JSON)

    item: Mapped[ContentItem] = relationship(back_populates="revisions")
    saved_by: Mapped[User | None] = relationship()


class EngageAsk(Base):
    """A company post employees are asked to like, comment on or reshare."""

    __tablename__ = "engage_asks"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    network: Mapped[str] = mapped_column(String(32))
    post_url: Mapped[str] = mapped_column(String(2048))
    remote_post_id: Mapped[str] = mapped_column(String(200))
    actions: Mapped[list[str]] = mapped_column(JSON)
    message: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # When Chorus last asked the network who engaged, and why it could not (if it could not).
    engagers_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    engagers_problem: Mapped[str | None] = mapped_column(String(500))

    campaign: Mapped[Campaign | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    engagements: Mapped[list[Engagement]] = relationship(
        back_populates="ask", cascade="all, delete-orphan", passive_deletes=True
    )


class Engagement(Base):
    """A certified employee liked, commented on or reshared an ask's post: credited once
    per ask, person and action, however often the network is asked."""

    __tablename__ = "engagements"
    __table_args__ = (UniqueConstraint("ask_id", "user_id", "action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ask_id: Mapped[int] = mapped_column(ForeignKey("engage_asks.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))  # like, comment, reshare, quote
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    ask: Mapped[EngageAsk] = relationship(back_populates="engagements")
    user: Mapped[User] = relationship()

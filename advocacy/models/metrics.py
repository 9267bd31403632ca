"""What the networks say about each published share, over time.

A metric a network does not give is None (unknown), never 0.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from advocacy.extensions import Base
from advocacy.models.types import UTCDateTime

METRICS = (
    "impressions",
    "members_reached",
    "likes",
    "comments",
    "reshares",
    "quotes",
    "bookmarks",
    "link_clicks",
)


class Figures:
    """The cumulative figures a network reports for a post (the names in METRICS)."""

    impressions: Mapped[int | None]
    members_reached: Mapped[int | None]
    likes: Mapped[int | None]
    comments: Mapped[int | None]
    reshares: Mapped[int | None]
    quotes: Mapped[int | None]
    bookmarks: Mapped[int | None]
    link_clicks: Mapped[int | None]


class MetricSnapshot(Figures, Base):
    """The share's cumulative figures as read in one sync slot (the hour): a sync that runs
    again in the same hour overwrites its snapshot instead of adding one."""

    __tablename__ = "metric_snapshots"
    __table_args__ = (UniqueConstraint("share_id", "taken_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    share_id: Mapped[int] = mapped_column(ForeignKey("shares.id", ondelete="CASCADE"))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    missing: Mapped[list[str]] = mapped_column(JSON, default=list)  # what was unknown, why


class DailyMetric(Figures, Base):
    """The share's latest figures of each day: the rollup dashboards read."""

    __tablename__ = "daily_metrics"
    __table_args__ = (UniqueConstraint("share_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    share_id: Mapped[int] = mapped_column(ForeignKey("shares.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(index=True)


class LatestMetric(Figures, Base):
    """The share's most recent figures, one row per share: what the dashboards sum (a
    share's results are its latest cumulative figures)."""

    __tablename__ = "latest_metrics"

    share_id: Mapped[int] = mapped_column(
        ForeignKey("shares.id", ondelete="CASCADE"), primary_key=True
    )
    read_at: Mapped[datetime] = mapped_column(UTCDateTime)

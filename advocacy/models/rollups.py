"""Totals of published shares kept ahead of time for the dashboards, which would otherwise
add up a year's shares, figures and clicks on every page (advocacy.services.rollups keeps
them; dashboards.queries reads them). Every column is a plain sum over the shares behind
the row, so any set of rows adds up to the figures of their shares; a figure no share of
the row had stays None (unknown), never 0."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from advocacy.extensions import Base
from advocacy.models.types import UTCDateTime

# The measures every rollup row carries, summed over its shares.
MEASURES = (
    "shares",
    "potential_reach",
    "reach_known",
    "impressions",
    "members_reached",
    "likes",
    "comments",
    "reshares",
    "clicks",
    "engaged_where_seen",
)
BY_NETWORK, ALL_DEPARTMENTS, BY_DEPARTMENT = "network", "all", "department"
GRAINS = (BY_NETWORK, ALL_DEPARTMENTS, BY_DEPARTMENT)
STATE_ID = 1  # RollupState has one row


class Totals:
    shares: Mapped[int]
    potential_reach: Mapped[int]  # followers at share time, summed
    reach_known: Mapped[int]  # shares whose follower count was known
    impressions: Mapped[int | None]
    members_reached: Mapped[int | None]
    likes: Mapped[int | None]
    comments: Mapped[int | None]
    reshares: Mapped[int | None]
    clicks: Mapped[int]  # counted visits (dashboards.metrics.visits), bots left out
    engaged_where_seen: Mapped[int]  # engagements of the shares whose impressions are known


class ShareTotal(Totals, Base):
    """One publish day x network, at one of three grains: all items and departments
    together ("network": a year is 730 rows), per content item ("all" departments), or per
    item and department of the sharers ("department"; department_id None is people without
    one). The department is the sharer's when the day was rolled up;
    changing someone's department rolls their days up again."""

    __tablename__ = "share_totals"
    __table_args__ = (
        Index("ix_share_totals_grain_day", "grain", "day"),
        Index("ix_share_totals_grain_department_id_day", "grain", "department_id", "day"),
        Index("ix_share_totals_content_item_id", "content_item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grain: Mapped[str] = mapped_column(String(12))
    day: Mapped[date]
    network: Mapped[str] = mapped_column(String(32))
    content_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("content_items.id", ondelete="CASCADE")
    )
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="SET NULL")
    )


class AdvocateTotal(Totals, Base):
    """One person's shares on one network over a calendar span (dashboards.spans: a day, a
    7-day week of a month, a month or a quarter): a period adds up the fewest spans that
    make it up."""

    __tablename__ = "advocate_totals"
    __table_args__ = (Index("ix_advocate_totals_user_id_span", "user_id", "span", "starts_on"),)

    span: Mapped[str] = mapped_column(String(8), primary_key=True)
    starts_on: Mapped[date] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    network: Mapped[str] = mapped_column(String(32), primary_key=True)


class RollupState(Base):
    """Where the last refresh of the totals got to (a single row)."""

    __tablename__ = "rollup_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Changes seen up to here: shares published and figures read before this time, clicks
    # up to this id. The next refresh looks a margin before them.
    changes_before: Mapped[datetime | None] = mapped_column(UTCDateTime)
    click_id: Mapped[int] = mapped_column(default=0)


class RollupPendingDay(Base):
    """A publish day whose totals must be worked out again: new figures were read for its
    shares, or someone who shared that day moved to another department."""

    __tablename__ = "rollup_pending_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    # The latest mark: a refresh that began before it leaves the day for the next one.
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime)

"""The one home of Chorus's metric definitions (../shared/DESIGN.md, "Metrics"). Queries
(dashboards/queries.py), pages, exports and the API all compute figures through these.

Attribution: a period's figures are those of the shares published in it (their latest
figures, however long after the period they were read) and the clicks on their tracked
links. A figure a network does not give is unknown (None), never 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_

from advocacy.models import Click, Role, User
from training.gating import current_certificate_clause

# Points per action for the employee page and leaderboard (issue 11 makes them settings).
POINTS = {"share": 10, "engagement credit": 5, "click": 1}


@dataclass(frozen=True)
class MediaPrice:
    """What the company pays for the same reach in paid media, per network."""

    cpm: float  # per 1,000 impressions
    cpc: float  # per click


def counted_click() -> ColumnElement[bool]:
    """Clicks that count: people, not bots."""
    return Click.is_bot.is_(False)


def visits() -> ColumnElement[int]:
    """Clicks as reported: one per visitor per share per hour (the click's visit key)."""
    return func.count(func.distinct(Click.visit_key))


def engagements(likes: int | None, comments: int | None, reshares: int | None, clicks: int) -> int:
    """likes + comments + reshares + clicks, counting what is known."""
    return (likes or 0) + (comments or 0) + (reshares or 0) + clicks


def engagement_rate(engaged_where_seen: int, impressions: int | None) -> float | None:
    """Engagements / impressions, over the shares whose impressions are known; unknown
    when no impressions are known."""
    if not impressions:
        return None
    return engaged_where_seen / impressions


def earned_media_value(impressions: int | None, clicks: int, price: MediaPrice) -> float:
    """impressions / 1000 x CPM + clicks x CPC (unknown impressions add nothing)."""
    return (impressions or 0) / 1000 * price.cpm + clicks * price.cpc


def rate(part: int, whole: int) -> float | None:
    """part / whole; unknown (None) when there is no whole."""
    return part / whole if whole else None


def change(now: float | None, before: float | None) -> float | None:
    """Relative change against the previous period; unknown when that was 0 or unknown."""
    if now is None or not before:
        return None
    return (now - before) / before


def employee_clause() -> ColumnElement[bool]:
    """People counted in participation and coverage: active, holding the employee role."""
    return User.active.is_(True) & User.roles.any(Role.name == "employee")


def certified_clause(course_ids: list[int], at) -> ColumnElement[bool]:
    """Holds a current certificate of one of the current courses at `at` (the same rule
    as training.gating.may_share, in SQL)."""
    if not course_ids:
        return User.id.is_(None)  # no course: nobody is certified
    return or_(*(current_certificate_clause(course_id, at) for course_id in course_ids))


@dataclass(frozen=True)
class NetworkTotals:
    """The figures of one network's shares in a period (sums of their latest figures)."""

    network: str
    shares: int
    potential_reach: int  # followers at share time, summed
    reach_known: int  # shares whose follower count was known
    impressions: int | None
    members_reached: int | None
    likes: int | None
    comments: int | None
    reshares: int | None
    clicks: int
    engaged_where_seen: int  # engagements of the shares with known impressions

    @property
    def engagements(self) -> int:
        return engagements(self.likes, self.comments, self.reshares, self.clicks)


@dataclass(frozen=True)
class Headline:
    """The overview's numbers for one period."""

    shares: int
    potential_reach: int
    average_reach: float | None  # per share: a sum counts people who follow several sharers
    impressions: int | None
    engagements: int
    engagement_rate: float | None
    clicks: int
    earned_media_value: float
    active_advocates: int  # people who shared
    employees: int
    certified: int
    certified_sharers: int  # certified people who shared

    @property
    def participation(self) -> float | None:
        """Certified employees who shared in the period / certified employees."""
        return rate(self.certified_sharers, self.certified)

    @property
    def coverage(self) -> float | None:
        """Employees with a current certificate / all employees."""
        return rate(self.certified, self.employees)


def headline(
    by_network: list[NetworkTotals],
    prices: Mapping[str, MediaPrice],
    *,
    active_advocates: int,
    employees: int,
    certified: int,
    certified_sharers: int,
) -> Headline:
    """Combine per-network totals into the period's headline numbers."""
    known = [t.impressions for t in by_network if t.impressions is not None]
    shares = sum(t.shares for t in by_network)
    # No shares: nothing was seen (0); shares whose network gave no impressions: unknown.
    impressions = sum(known) if known else (None if shares else 0)
    reach_known = sum(t.reach_known for t in by_network)
    potential_reach = sum(t.potential_reach for t in by_network)
    free = MediaPrice(0.0, 0.0)
    return Headline(
        shares=shares,
        potential_reach=potential_reach,
        average_reach=potential_reach / reach_known if reach_known else None,
        impressions=impressions,
        engagements=sum(t.engagements for t in by_network),
        engagement_rate=engagement_rate(sum(t.engaged_where_seen for t in by_network), impressions),
        clicks=sum(t.clicks for t in by_network),
        earned_media_value=sum(
            earned_media_value(t.impressions, t.clicks, prices.get(t.network, free))
            for t in by_network
        ),
        active_advocates=active_advocates,
        employees=employees,
        certified=certified,
        certified_sharers=certified_sharers,
    )


def points(shares, credits, clicks):
    """An advocate's points: for each share, each credited engagement, each click. Works on
    numbers and on SQL expressions alike (the leaderboard ranks in the database)."""
    return (
        shares * POINTS["share"] + credits * POINTS["engagement credit"] + clicks * POINTS["click"]
    )

"""The dashboards' aggregates, computed by the database (GROUP BY over a period's sums from
dashboards.facts: the rollups, or the shares themselves); pandas only shapes the results
and counts people. Definitions come from dashboards.metrics."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import pandas as pd
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from advocacy.models import (
    ContentItem,
    CourseVersion,
    Department,
    Engagement,
    NetworkAccount,
    User,
)
from advocacy.models.networks import CONNECTED
from dashboards import metrics
from dashboards.facts import advocate_facts, share_facts
from dashboards.filters import Filters

TOP = 10


def _sums(rows) -> list:
    """The aggregate columns every breakdown shares."""
    return [
        func.coalesce(func.sum(rows.c.shares), 0).label("shares"),
        func.coalesce(func.sum(rows.c.potential_reach), 0).label("potential_reach"),
        func.coalesce(func.sum(rows.c.reach_known), 0).label("reach_known"),
        func.sum(rows.c.impressions).label("impressions"),
        func.sum(rows.c.members_reached).label("members_reached"),
        func.sum(rows.c.likes).label("likes"),
        func.sum(rows.c.comments).label("comments"),
        func.sum(rows.c.reshares).label("reshares"),
        func.coalesce(func.sum(rows.c.clicks), 0).label("clicks"),
        func.coalesce(func.sum(rows.c.engaged_where_seen), 0).label("engaged_where_seen"),
    ]


def network_totals(
    session: Session, filters: Filters, user_id: int | None = None
) -> list[metrics.NetworkTotals]:
    if user_id is None:
        rows = share_facts(session, filters)
    else:  # one person's: their own totals
        rows = advocate_facts(session, filters, user_id)
    result = session.execute(
        select(rows.c.network, *_sums(rows)).group_by(rows.c.network).order_by(rows.c.network)
    )
    return [metrics.NetworkTotals(**_ints(row._asdict())) for row in result]


def _ints(values: dict) -> dict:
    """Sums come back as Decimal on PostgreSQL: plain ints (None stays unknown)."""
    return {k: int(v) if v is not None and not isinstance(v, str) else v for k, v in values.items()}


def current_course_ids(session: Session) -> list[int]:
    return list(session.scalars(select(CourseVersion.course_id).where(CourseVersion.is_current)))


def people(session: Session, filters: Filters, at: datetime) -> dict[str, int]:
    """Employees, certified, certified who shared in scope, connected (for the funnel)."""
    staff = employees(session, filters.department_id, at)
    shared = staff.user_id.isin(sharer_totals(session, filters).index)
    certified, connected = staff.certified, staff.connected
    return {
        "employees": len(staff),
        "certified": int(certified.sum()),
        "connected": int((certified & connected).sum()),
        "certified_connected_sharers": int((certified & connected & shared).sum()),
        "certified_sharers": int((certified & shared).sum()),
    }


def employees(session: Session, department_id: int | None, at: datetime) -> pd.DataFrame:
    """One row per employee (metrics.employee_clause): department, whether certified at
    `at` and whether a network is connected. Read once per page and period."""

    def staff() -> pd.DataFrame:
        query = (
            select(
                User.id.label("user_id"),
                func.coalesce(Department.name, "No department").label("department"),
            )
            .outerjoin(Department, Department.id == User.department_id)
            .where(metrics.employee_clause())
        )
        if department_id is not None:
            query = query.where(User.department_id == department_id)
        frame = pd.DataFrame(session.execute(query).all(), columns=["user_id", "department"])
        connected = session.scalars(
            select(NetworkAccount.user_id).where(NetworkAccount.status == CONNECTED).distinct()
        )
        frame["connected"] = frame.user_id.isin(list(connected))
        return frame

    def holders() -> list[int]:
        certified = metrics.certified_clause(current_course_ids(session), at)
        return list(session.scalars(select(User.id).where(certified)))

    frame = _memo(session, ("staff", department_id), staff).copy()
    frame.insert(2, "certified", frame.user_id.isin(_memo(session, ("certified", at), holders)))
    return frame


def sharer_totals(session: Session, filters: Filters) -> pd.DataFrame:
    """Everyone who shared in scope (employees or not), by user id: shares, impressions,
    engagements and clicks. Read once per page and period."""

    def read() -> pd.DataFrame:
        rows = advocate_facts(session, filters)
        query = (
            select(
                rows.c.user_id,
                func.coalesce(func.sum(rows.c.shares), 0).label("shares"),
                func.sum(rows.c.impressions).label("impressions"),
                _engagements(rows),
                func.coalesce(func.sum(rows.c.clicks), 0).label("clicks"),
            )
            .group_by(rows.c.user_id)
            .having(func.sum(rows.c.shares) > 0)
        )
        columns = ["user_id", "shares", "impressions", "engagements", "clicks"]
        return pd.DataFrame(session.execute(query).all(), columns=columns).set_index("user_id")

    return _memo(session, ("sharers", filters), read)


MEMO = "chorus_dashboard_memo"


def _memo(session: Session, key: tuple, read):
    """What one transaction already read (a page asks for the same period several times);
    forgotten when the transaction ends, so a later one sees new data."""
    memo = session.info.setdefault(MEMO, {})
    if key not in memo:
        memo[key] = read()
    return memo[key]


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(MEMO, None)


def active_advocates(session: Session, filters: Filters) -> int:
    return len(sharer_totals(session, filters))


def headline(
    session: Session, filters: Filters, prices: Mapping[str, metrics.MediaPrice], at: datetime
) -> metrics.Headline:
    """The period's headline numbers (certification counted at `at`: the period's end, or
    now for a period that has not ended)."""
    counts = people(session, filters, at)
    return metrics.headline(
        network_totals(session, filters),
        prices,
        active_advocates=active_advocates(session, filters),
        employees=counts["employees"],
        certified=counts["certified"],
        certified_sharers=counts["certified_sharers"],
    )


def funnel(session: Session, filters: Filters, at: datetime) -> pd.DataFrame:
    counts = people(session, filters, at)
    return pd.DataFrame(
        {
            "stage": ["Employees", "Certified", "Connected", "Shared"],
            "people": [
                counts["employees"],
                counts["certified"],
                counts["connected"],
                counts["certified_connected_sharers"],
            ],
        }
    )


def over_time(session: Session, filters: Filters) -> pd.DataFrame:
    """Shares, potential reach, impressions and clicks by the day (or week) shares went
    out. A day without shares has 0 of each; impressions are unknown only where shares went
    out and no network gave their impressions."""
    rows = share_facts(session, filters)
    result = session.execute(
        select(
            rows.c.day,
            func.coalesce(func.sum(rows.c.shares), 0).label("shares"),
            func.coalesce(func.sum(rows.c.potential_reach), 0).label("potential_reach"),
            func.sum(rows.c.impressions).label("impressions"),
            func.coalesce(func.sum(rows.c.clicks), 0).label("clicks"),
        )
        .group_by(rows.c.day)
        .order_by(rows.c.day)
    ).all()
    columns = ["day", "shares", "potential_reach", "impressions", "clicks"]
    frame = pd.DataFrame(result, columns=columns)
    if frame.empty:
        return frame.rename(columns={"day": "period"})
    frame["day"] = pd.to_datetime(frame["day"])
    frame = frame.set_index("day").astype("Float64")
    frame = frame.reindex(pd.date_range(filters.start, filters.end, freq="D"))
    if filters.grain == "week":
        frame = frame.resample("W-MON", label="left", closed="left").sum(min_count=1)
    counted = ["shares", "potential_reach", "clicks"]
    frame[counted] = frame[counted].fillna(0)
    frame.loc[frame["shares"] == 0, "impressions"] = 0
    frame.index.name = "period"
    return frame.reset_index()


def by_network(session: Session, filters: Filters, labels: Mapping[str, str]) -> pd.DataFrame:
    totals = network_totals(session, filters)
    return pd.DataFrame(
        [
            {
                "network": labels.get(t.network, t.network),
                "shares": t.shares,
                "potential_reach": t.potential_reach,
                "impressions": t.impressions,
                "likes": t.likes,
                "comments": t.comments,
                "reshares": t.reshares,
                "clicks": t.clicks,
                "engagements": t.engagements,
            }
            for t in totals
        ],
        columns=[
            "network",
            "shares",
            "potential_reach",
            "impressions",
            "likes",
            "comments",
            "reshares",
            "clicks",
            "engagements",
        ],  # fmt: skip
    )


def top_content(session: Session, filters: Filters, limit: int | None = TOP) -> pd.DataFrame:
    """Items by the engagements their shares earned (a campaign page lists them all)."""
    rows = share_facts(session, filters, by_item=True)
    engaged = _engagements(rows)
    query = (
        select(
            ContentItem.id.label("item_id"),
            ContentItem.title,
            func.coalesce(func.sum(rows.c.shares), 0).label("shares"),
            func.coalesce(func.sum(rows.c.potential_reach), 0).label("potential_reach"),
            func.sum(rows.c.impressions).label("impressions"),
            engaged,
            func.coalesce(func.sum(rows.c.clicks), 0).label("clicks"),
        )
        .join(ContentItem, ContentItem.id == rows.c.content_item_id)
        .group_by(ContentItem.id, ContentItem.title)
        .order_by(engaged.desc(), ContentItem.id)
    )
    if limit:
        query = query.limit(limit)
    columns = [
        "item_id",
        "title",
        "shares",
        "potential_reach",
        "impressions",
        "engagements",
        "clicks",
    ]
    return pd.DataFrame(session.execute(query).all(), columns=columns)


def top_advocates(session: Session, filters: Filters, limit: int = TOP) -> pd.DataFrame:
    """People by the engagements their shares earned; those who opted out are left out."""
    totals = sharer_totals(session, filters)
    opted_out = session.scalars(select(User.id).where(User.leaderboard_opt_out.is_(True)))
    ranked = (
        totals.drop(index=list(opted_out), errors="ignore")
        .reset_index()
        .sort_values(["engagements", "user_id"], ascending=[False, True])
        .head(limit)
    )
    named = select(User.id, User.name).where(User.id.in_(ranked.user_id.tolist()))
    names = {user_id: name for user_id, name in session.execute(named)}
    ranked.insert(1, "name", [names[user_id] for user_id in ranked.user_id])
    return ranked.reset_index(drop=True)


def _engagements(rows):
    return (
        func.coalesce(func.sum(rows.c.likes), 0)
        + func.coalesce(func.sum(rows.c.comments), 0)
        + func.coalesce(func.sum(rows.c.reshares), 0)
        + func.coalesce(func.sum(rows.c.clicks), 0)
    ).label("engagements")


def departments(session: Session, filters: Filters, at: datetime) -> pd.DataFrame:
    """Per department: employees, certified, certified who shared, coverage, participation."""
    staff = employees(session, filters.department_id, at)
    shared = staff.certified & staff.user_id.isin(sharer_totals(session, filters).index)
    frame = (
        staff.assign(employees=1, shared=shared)
        .groupby("department", sort=True)[["employees", "certified", "shared"]]
        .sum()
        .astype(int)
        .reset_index()
    )
    frame["coverage"] = [
        metrics.rate(c, e) for c, e in zip(frame.certified, frame.employees, strict=True)
    ]
    frame["participation"] = [
        metrics.rate(s, c) for s, c in zip(frame.shared, frame.certified, strict=True)
    ]
    return frame


def credits_in(session: Session, filters: Filters, user_id: int) -> int:
    """Engagement credits one person earned in the period (found in it)."""
    return (
        session.scalar(
            select(func.count(Engagement.id)).where(
                Engagement.user_id == user_id,
                Engagement.found_at >= filters.starts_at,
                Engagement.found_at < filters.ends_before,
            )
        )
        or 0
    )


def leaderboard(session: Session, filters: Filters, limit: int = TOP) -> pd.DataFrame:
    """People by points earned in the period (dashboards.metrics.points): shares, engagement
    credits and clicks. Those who opted out are left out."""
    rows = advocate_facts(session, filters)
    shared = (
        select(
            rows.c.user_id,
            func.coalesce(func.sum(rows.c.shares), 0).label("shares"),
            func.coalesce(func.sum(rows.c.clicks), 0).label("clicks"),
        )
        .group_by(rows.c.user_id)
        .subquery("shared")
    )
    credited = (
        select(Engagement.user_id, func.count().label("credits"))
        .where(Engagement.found_at >= filters.starts_at, Engagement.found_at < filters.ends_before)
        .group_by(Engagement.user_id)
        .subquery("credited")
    )
    shares = func.coalesce(shared.c.shares, 0)
    clicks = func.coalesce(shared.c.clicks, 0)
    credits = func.coalesce(credited.c.credits, 0)
    score = metrics.points(shares, credits, clicks).label("points")
    query = (
        select(
            User.id.label("user_id"),
            User.name,
            shares.label("shares"),
            credits.label("credits"),
            clicks.label("clicks"),
            score,
        )
        .outerjoin(shared, shared.c.user_id == User.id)
        .outerjoin(credited, credited.c.user_id == User.id)
        .where(
            metrics.employee_clause(),
            User.leaderboard_opt_out.is_(False),
            (shared.c.user_id.is_not(None)) | (credited.c.user_id.is_not(None)),
        )
        .order_by(score.desc(), User.name, User.id)
        .limit(limit)
    )
    if filters.department_id is not None:
        query = query.where(User.department_id == filters.department_id)
    columns = ["user_id", "name", "shares", "credits", "clicks", "points"]
    frame = pd.DataFrame(session.execute(query).all(), columns=columns)
    frame.insert(0, "rank", range(1, len(frame) + 1))
    return frame

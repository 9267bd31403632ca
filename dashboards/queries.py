"""The dashboards' aggregates, computed by the database (GROUP BY over the shares of a
period, their latest figures and their counted clicks); pandas only shapes the results.
Definitions come from dashboards.metrics."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import ColumnElement, Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from advocacy.models import (
    Click,
    ContentItem,
    CourseVersion,
    Department,
    Engagement,
    LatestMetric,
    NetworkAccount,
    Share,
    User,
)
from advocacy.models.networks import CONNECTED
from advocacy.models.rollups import (
    ALL_DEPARTMENTS,
    BY_DEPARTMENT,
    DAY,
    MEASURES,
    MONTH,
    STATE_ID,
    AdvocateTotal,
    RollupState,
    ShareTotal,
)
from advocacy.models.shares import PUBLISHED
from dashboards import metrics
from dashboards.filters import Filters

TOP = 10


def scope(filters: Filters, user_id: int | None = None) -> Select:
    """The published shares of the period, narrowed by the filters (and to one person)."""
    query = select(
        Share.id,
        Share.user_id,
        Share.network,
        Share.content_item_id,
        Share.follower_count,
        Share.published_at,
    ).where(
        Share.status == PUBLISHED,
        Share.published_at >= filters.starts_at,
        Share.published_at < filters.ends_before,
    )
    if filters.network:
        query = query.where(Share.network == filters.network)
    if filters.campaign_id is not None:
        query = query.join(ContentItem, ContentItem.id == Share.content_item_id).where(
            ContentItem.campaign_id == filters.campaign_id
        )
    if filters.department_id is not None:
        query = query.join(User, User.id == Share.user_id).where(
            User.department_id == filters.department_id
        )
    if user_id is not None:
        query = query.where(Share.user_id == user_id)
    return query


def per_share(filters: Filters, user_id: int | None = None):
    """One row per share in scope: its latest figures and its counted clicks."""
    shares = scope(filters, user_id).subquery("scoped")
    clicks = (
        select(Click.share_id, metrics.visits().label("clicks"))
        .where(metrics.counted_click(), Click.share_id.in_(select(shares.c.id)))
        .group_by(Click.share_id)
        .subquery("share_clicks")
    )
    return (
        select(
            shares,
            LatestMetric.impressions,
            LatestMetric.members_reached,
            LatestMetric.likes,
            LatestMetric.comments,
            LatestMetric.reshares,
            func.coalesce(clicks.c.clicks, 0).label("clicks"),
        )
        .outerjoin(LatestMetric, LatestMetric.share_id == shares.c.id)
        .outerjoin(clicks, clicks.c.share_id == shares.c.id)
        .subquery("per_share")
    )


def raw_facts(session: Session, filters: Filters, user_id: int | None = None):
    """One row per share in scope, as the measures the rollups keep (models.rollups)."""
    rows = per_share(filters, user_id)
    engaged = (
        func.coalesce(rows.c.likes, 0)
        + func.coalesce(rows.c.comments, 0)
        + func.coalesce(rows.c.reshares, 0)
        + rows.c.clicks
    )
    return select(
        _day(session, rows.c.published_at).label("day"),
        rows.c.network,
        rows.c.content_item_id,
        rows.c.user_id,
        literal(1).label("shares"),
        func.coalesce(rows.c.follower_count, 0).label("potential_reach"),
        case((rows.c.follower_count.is_not(None), 1), else_=0).label("reach_known"),
        rows.c.impressions,
        rows.c.members_reached,
        rows.c.likes,
        rows.c.comments,
        rows.c.reshares,
        rows.c.clicks,
        case((rows.c.impressions.is_not(None), engaged), else_=0).label("engaged_where_seen"),
    ).subquery("facts")


def rollups_ready(session: Session) -> bool:
    """Whether the totals have been worked out once (advocacy.services.rollups); until then
    every figure is added up from the shares themselves."""
    return session.get(RollupState, STATE_ID) is not None


def share_facts(session: Session, filters: Filters):
    """The scope's totals by day, network and item: from the rollups, per department when
    the filters name one."""
    if not rollups_ready(session):
        return raw_facts(session, filters)
    by_department = filters.department_id is not None
    query = select(
        ShareTotal.day, ShareTotal.network, ShareTotal.content_item_id, *_measures(ShareTotal)
    ).where(
        ShareTotal.grain == (BY_DEPARTMENT if by_department else ALL_DEPARTMENTS),
        ShareTotal.day >= filters.start,
        ShareTotal.day <= filters.end,
    )
    if by_department:
        query = query.where(ShareTotal.department_id == filters.department_id)
    if filters.network:
        query = query.where(ShareTotal.network == filters.network)
    if filters.campaign_id is not None:
        query = query.join(ContentItem, ContentItem.id == ShareTotal.content_item_id).where(
            ContentItem.campaign_id == filters.campaign_id
        )
    return query.subquery("facts")


def advocate_facts(session: Session, filters: Filters):
    """The scope's totals by person and network: from the rollups (whole months and the
    days at either end) unless a campaign is chosen, whose shares are few enough to add up."""
    if not rollups_ready(session) or filters.campaign_id is not None:
        return raw_facts(session, filters)
    query = select(AdvocateTotal.user_id, AdvocateTotal.network, *_measures(AdvocateTotal)).where(
        _spans(filters.start, filters.end)
    )
    if filters.network:
        query = query.where(AdvocateTotal.network == filters.network)
    if filters.department_id is not None:
        query = query.join(User, User.id == AdvocateTotal.user_id).where(
            User.department_id == filters.department_id
        )
    return query.subquery("facts")


def _measures(model) -> list:
    return [getattr(model, name) for name in MEASURES]


def _spans(start: date, end: date) -> ColumnElement[bool]:
    """The advocate totals that make up start..end: its whole months, and days elsewhere."""
    first = start if start.day == 1 else _next_month(start)
    after = first
    while _next_month(after) - timedelta(days=1) <= end:
        after = _next_month(after)
    if after == first:  # no whole month inside
        return _days(start, end + timedelta(days=1))
    months = and_(
        AdvocateTotal.span == MONTH,
        AdvocateTotal.starts_on >= first,
        AdvocateTotal.starts_on < after,
    )
    return or_(_days(start, first), months, _days(after, end + timedelta(days=1)))


def _days(start: date, before: date) -> ColumnElement[bool]:
    return and_(
        AdvocateTotal.span == DAY,
        AdvocateTotal.starts_on >= start,
        AdvocateTotal.starts_on < before,
    )


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


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
    rows = (
        share_facts(session, filters) if user_id is None else raw_facts(session, filters, user_id)
    )
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
    certified = metrics.certified_clause(current_course_ids(session), at)
    shared = _sharers(session, filters)
    connected = User.id.in_(
        select(NetworkAccount.user_id).where(NetworkAccount.status == CONNECTED)
    )
    query = select(
        func.count().label("employees"),
        _count_if(certified).label("certified"),
        _count_if(and_(certified, connected)).label("connected"),
        _count_if(and_(certified, connected, shared)).label("certified_connected_sharers"),
        _count_if(and_(certified, shared)).label("certified_sharers"),
    ).where(metrics.employee_clause())
    if filters.department_id is not None:
        query = query.where(User.department_id == filters.department_id)
    return {k: int(v or 0) for k, v in session.execute(query).one()._asdict().items()}


def _sharers(session: Session, filters: Filters):
    """People who shared in scope, as a distinct id list: the planner then hashes it once
    instead of rescanning the period's shares per person (as it may without statistics)."""
    rows = advocate_facts(session, filters)
    return User.id.in_(select(rows.c.user_id).where(rows.c.shares > 0).distinct())


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def active_advocates(session: Session, filters: Filters) -> int:
    rows = advocate_facts(session, filters)
    counted = select(func.count(func.distinct(rows.c.user_id))).where(rows.c.shares > 0)
    return session.scalar(counted) or 0


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


def _day(session: Session, column):
    """The UTC calendar day of a stored time, in either database."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)


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
    rows = share_facts(session, filters)
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
    rows = advocate_facts(session, filters)
    engaged = _engagements(rows)
    query = (
        select(
            User.id.label("user_id"),
            User.name,
            func.coalesce(func.sum(rows.c.shares), 0).label("shares"),
            func.sum(rows.c.impressions).label("impressions"),
            engaged,
            func.coalesce(func.sum(rows.c.clicks), 0).label("clicks"),
        )
        .join(User, User.id == rows.c.user_id)
        .where(User.leaderboard_opt_out.is_(False))
        .group_by(User.id, User.name)
        .order_by(engaged.desc(), User.id)
        .limit(limit)
    )
    columns = ["user_id", "name", "shares", "impressions", "engagements", "clicks"]
    return pd.DataFrame(session.execute(query).all(), columns=columns)


def _engagements(rows):
    return (
        func.coalesce(func.sum(rows.c.likes), 0)
        + func.coalesce(func.sum(rows.c.comments), 0)
        + func.coalesce(func.sum(rows.c.reshares), 0)
        + func.coalesce(func.sum(rows.c.clicks), 0)
    ).label("engagements")


def departments(session: Session, filters: Filters, at: datetime) -> pd.DataFrame:
    """Per department: employees, certified, certified who shared, coverage, participation."""
    certified = metrics.certified_clause(current_course_ids(session), at)
    shared = _sharers(session, filters)
    name = func.coalesce(Department.name, "No department").label("department")
    query = (
        select(
            name,
            func.count().label("employees"),
            _count_if(certified).label("certified"),
            _count_if(and_(certified, shared)).label("shared"),
        )
        .select_from(User)
        .outerjoin(Department, Department.id == User.department_id)
        .where(metrics.employee_clause())
        .group_by(name)
        .order_by(name)
    )
    if filters.department_id is not None:
        query = query.where(User.department_id == filters.department_id)
    frame = pd.DataFrame(
        session.execute(query).all(), columns=["department", "employees", "certified", "shared"]
    )
    frame[["employees", "certified", "shared"]] = frame[
        ["employees", "certified", "shared"]
    ].astype(int)
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

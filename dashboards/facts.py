"""Where the dashboards' sums come from: the published shares of a period with their latest
figures and counted clicks (the reference), or the totals kept ahead of time for them
(advocacy.models.rollups). Each source is a subquery with the same summable columns
(advocacy.models.rollups.MEASURES), so dashboards.queries adds up any of them alike."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from advocacy.models import Click, ContentItem, LatestMetric, Share, User
from advocacy.models.rollups import (
    ALL_DEPARTMENTS,
    BY_DEPARTMENT,
    BY_NETWORK,
    MEASURES,
    STATE_ID,
    AdvocateTotal,
    RollupState,
    ShareTotal,
)
from advocacy.models.shares import PUBLISHED
from dashboards import metrics, spans
from dashboards.filters import Filters


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


def share_facts(session: Session, filters: Filters, by_item: bool = False):
    """The scope's totals by day and network (and item, if asked): from the rollups, at
    the coarsest grain that has what the filters and the breakdown need."""
    if not rollups_ready(session):
        return raw_facts(session, filters)
    by_department = filters.department_id is not None
    if by_department:
        grain = BY_DEPARTMENT
    elif by_item or filters.campaign_id is not None:
        grain = ALL_DEPARTMENTS
    else:
        grain = BY_NETWORK
    query = select(
        ShareTotal.day, ShareTotal.network, ShareTotal.content_item_id, *_measures(ShareTotal)
    ).where(
        ShareTotal.grain == grain,
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


def advocate_facts(session: Session, filters: Filters, user_id: int | None = None):
    """The scope's totals by person and network: from the rollups (the fewest calendar
    spans that make up the period, dashboards.spans) unless a campaign is chosen, whose
    shares are few enough to add up."""
    if not rollups_ready(session) or filters.campaign_id is not None:
        return raw_facts(session, filters, user_id)
    query = select(AdvocateTotal.user_id, AdvocateTotal.network, *_measures(AdvocateTotal)).where(
        _spans(filters.start, filters.end)
    )
    if user_id is not None:
        query = query.where(AdvocateTotal.user_id == user_id)
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
    """The advocate totals that make up start..end."""
    return or_(
        *(
            and_(
                AdvocateTotal.span == span,
                AdvocateTotal.starts_on >= first,
                AdvocateTotal.starts_on < following,
            )
            for span, first, following in spans.cut(start, end)
        )
    )


def _day(session: Session, column):
    """The UTC calendar day of a stored time, in either database."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)

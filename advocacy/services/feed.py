"""Who sees what: the live items meant for a person's department and networks.

Whether they may share at all is the gating policy's call, made before these queries.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session, selectinload

from advocacy import clock
from advocacy.errors import NotFound
from advocacy.models import ContentItem, User
from advocacy.models.content import APPROVED, content_departments


def live_clause(at: datetime) -> ColumnElement[bool]:
    return and_(
        ContentItem.status == APPROVED,
        ContentItem.starts_at <= at,
        or_(ContentItem.expires_at.is_(None), ContentItem.expires_at > at),
    )


def audience_clause(user: User) -> ColumnElement[bool]:
    """Everyone when the item names no department; else the user's department only."""
    targeted = exists().where(content_departments.c.content_item_id == ContentItem.id)
    if user.department_id is None:
        return ~targeted
    return or_(
        ~targeted,
        exists().where(
            content_departments.c.content_item_id == ContentItem.id,
            content_departments.c.department_id == user.department_id,
        ),
    )


def visible_to(session: Session, user: User, item_id: int, networks: list[str]) -> ContentItem:
    """The live item, if it is meant for this person and one of these networks; else 404.
    (Whether they may share at all is the gating policy's call, made before this.)"""
    item = session.scalar(
        select(ContentItem).where(
            ContentItem.id == item_id, live_clause(clock.now()), audience_clause(user)
        )
    )
    if item is None or not set(item.networks) & set(networks):
        raise NotFound("This item is not in your feed: it may have expired.")
    return item


def feed_items(session: Session, user: User, networks: list[str], limit: int = 50) -> list:
    """Live items for this person's audience and networks, newest first."""
    items = session.scalars(
        select(ContentItem)
        .where(live_clause(clock.now()), audience_clause(user))
        .options(selectinload(ContentItem.campaign))
        .order_by(ContentItem.starts_at.desc(), ContentItem.id.desc())
        .limit(limit * 2)
    )
    return [i for i in items if set(i.networks) & set(networks)][:limit]

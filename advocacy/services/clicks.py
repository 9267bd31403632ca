"""Tracked links: where a share's /s/<code> leads, recording each click, and counting them.

The redirect is the one public hot path: `target_for` is one indexed lookup and
`record_click` one insert. Raw clicks are all kept; reports count a visitor once per
share per hour (`visit_key`), and never count bots.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session

from advocacy.models import Campaign, Click, ContentItem, Share
from advocacy.models.content import ARCHIVED
from advocacy.models.shares import PUBLISHED
from dashboards.metrics import counted_click, visits

CODE = re.compile(r"[A-Za-z0-9_-]{8,32}")
UTM_MEDIUM = "employee_advocacy"
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content")
# Link-preview fetchers (X, LinkedIn, Slack...), crawlers, monitors and scripts.
BOT_AGENT = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|preview|facebookexternalhit|embedly|whatsapp|"
    r"curl/|wget/|python-|java/|go-http|okhttp|httpclient|libwww|scrapy|headless|"
    r"monitor|pingdom|uptime|lighthouse",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Target:
    share_id: int
    url: str


# Built once and shared: the Flask view runs them through the ORM session, the lean WSGI
# path (advocacy/links/lean.py) compiles them once to the driver's SQL.
ACTIVE_LINK = (
    select(Share.id, Share.network, ContentItem.url, Campaign.utm_campaign)
    .join(ContentItem, Share.content_item_id == ContentItem.id)
    .join(Campaign, ContentItem.campaign_id == Campaign.id)
    .where(
        Share.link_code == bindparam("code"),
        Share.status == PUBLISHED,
        ContentItem.status != ARCHIVED,
    )
)
CLICK_INSERT = insert(Click)
CLICK_COLUMNS = tuple(column.key for column in Click.__table__.columns if not column.primary_key)


def target_for(session: Session, code: str) -> Target | None:
    """Where a tracked link leads: the item's own address with UTM parameters, for a
    published share of an item not withdrawn. Anything else (unknown, malformed, not
    published, archived) is None. The address always comes from the item, never the request.
    """
    if not CODE.fullmatch(code):
        return None
    return target_of(session.execute(ACTIVE_LINK, {"code": code}).first())


def target_of(row: Sequence | None) -> Target | None:
    """The target of an `ACTIVE_LINK` row (None when no row matched)."""
    if row is None:
        return None
    share_id, network, url, utm_campaign = row
    return Target(share_id, with_utm(url, network, utm_campaign, share_id))


@lru_cache(maxsize=4096)
def with_utm(url: str, network: str, utm_campaign: str, share_id: int) -> str:
    """The address with our UTM parameters; its own query (other than utm_*) is kept.
    Kept per arguments, since every click on a share asks again."""
    parts = urlsplit(url)
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key not in UTM_KEYS
    ]
    query += [
        ("utm_source", network),
        ("utm_medium", UTM_MEDIUM),
        ("utm_campaign", utm_campaign),
        ("utm_content", str(share_id)),
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))


def is_bot(user_agent: str) -> bool:
    return not user_agent.strip() or bool(BOT_AGENT.search(user_agent))


def _keyed(key: bytes, *parts: str) -> str:
    return hmac.digest(key, "\n".join(parts).encode(), "sha256").hex()[:32]


def hashing_key(secret_key: str) -> bytes:
    """The key for visitor hashes, derived from the app's secret (never stored)."""
    return hashlib.sha256(b"chorus-click-visitors\n" + secret_key.encode()).digest()


def click_values(
    key: bytes,
    share_id: int,
    *,
    address: str,
    user_agent: str,
    referrer: str | None,
    at: datetime,
) -> dict[str, object]:
    """The row one click leaves (every one of `CLICK_COLUMNS`): hashes instead of the
    address and browser, the referrer's host only (a malformed Referer, or one with
    control characters, is simply not kept), and the bot flag."""
    visitor = _keyed(key, address, user_agent)
    try:
        host = urlsplit(referrer).hostname if referrer else None
    except ValueError:
        host = None
    return {
        "share_id": share_id,
        "clicked_at": at,
        "visitor": visitor,
        "visit_key": _keyed(key, str(share_id), visitor, at.strftime("%Y-%m-%dT%H")),
        "referrer_host": host[:255] if host and host.isprintable() else None,
        "is_bot": is_bot(user_agent),
    }


def record_click(
    session: Session,
    key: bytes,
    share_id: int,
    *,
    address: str,
    user_agent: str,
    referrer: str | None,
    at: datetime,
) -> None:
    """Keep one click: one insert, committed at once."""
    values = click_values(
        key, share_id, address=address, user_agent=user_agent, referrer=referrer, at=at
    )
    session.execute(CLICK_INSERT, values)
    session.commit()


def click_counts(session: Session, share_ids: list[int]) -> dict[int, int]:
    """Per share: visits by people (a visitor once per hour), bots left out."""
    if not share_ids:
        return {}
    rows = session.execute(
        select(Click.share_id, visits())
        .where(Click.share_id.in_(share_ids), counted_click())
        .group_by(Click.share_id)
    )
    return {share_id: count for share_id, count in rows}


def item_click_counts(session: Session, item_ids: list[int]) -> dict[int, int]:
    """Per content item: the visits its shares brought, counted as in click_counts."""
    if not item_ids:
        return {}
    rows = session.execute(
        select(Share.content_item_id, visits())
        .join(Share, Click.share_id == Share.id)
        .where(Share.content_item_id.in_(item_ids), counted_click())
        .group_by(Share.content_item_id)
    )
    return {item_id: count for item_id, count in rows}

"""Engage asks: a company post on X or LinkedIn that certified employees are asked to like,
comment on or reshare. Only people who may share on that network see the ask; who did is
credited by services.engagement."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, or_, select
from sqlalchemy.orm import Session

from advocacy import clock
from advocacy.errors import NotFound, ValidationFailed
from advocacy.models import EngageAsk, User
from advocacy.services import audit

ACTIONS = {"like": "Like", "comment": "Comment", "reshare": "Reshare"}
# How long an ended ask stays on the marketer's page, with its credits.
SHOWN_AFTER_END = timedelta(days=30)
X_POST = re.compile(
    r"https://(?:www\.|mobile\.)?(?:x|twitter)\.com/[A-Za-z0-9_]{1,15}/status/(\d{1,25})/?(?:\?\S*)?"
)
LINKEDIN_POST = re.compile(
    r"https://(?:www\.)?linkedin\.com/(?:feed/update/(urn:li:(?:activity|share|ugcPost):\d{1,25})"
    r"|posts/[^/?#\s]{1,300}-activity-(\d{1,25})-[A-Za-z0-9_-]{1,10})/?(?:\?\S*)?"
)


@dataclass(frozen=True)
class AskInput:
    post_url: str
    actions: list[str]
    message: str
    expires_at: datetime
    campaign_id: int | None = None


def parse_post_url(url: str) -> tuple[str, str]:
    """(network, remote post id) of a public post address; anything else is refused."""
    url = url.strip()
    if match := X_POST.fullmatch(url):
        return "x", match.group(1)
    if match := LINKEDIN_POST.fullmatch(url):
        return "linkedin", match.group(1) or f"urn:li:activity:{match.group(2)}"
    raise ValidationFailed(
        "Paste the address of one post: https://x.com/<account>/status/<number> or "
        "https://www.linkedin.com/feed/update/urn:li:activity:<number>/."
    )


def create_ask(session: Session, data: AskInput, actor: User) -> EngageAsk:
    network, remote_id = parse_post_url(data.post_url)
    actions = [a for a in ACTIONS if a in data.actions]
    if not actions or len(actions) != len(set(data.actions)):
        raise ValidationFailed("Choose what to ask for: like, comment or reshare.")
    if data.expires_at <= clock.now():
        raise ValidationFailed("The ask must end in the future.")
    message = data.message.strip()
    if len(message) > 1000:
        raise ValidationFailed("Keep the message under 1,000 characters.")
    ask = EngageAsk(
        network=network,
        post_url=data.post_url.strip(),
        remote_post_id=remote_id,
        actions=actions,
        message=message,
        expires_at=data.expires_at,
        campaign_id=data.campaign_id,
        created_by_id=actor.id,
    )
    session.add(ask)
    session.flush()
    audit.record(session, "engage.created", actor=actor, subject=f"ask:{ask.id}", url=ask.post_url)
    session.commit()
    return ask


def close_ask(session: Session, ask_id: int, actor: User) -> None:
    ask = session.get(EngageAsk, ask_id)
    if ask is None or ask.closed_at is not None:
        raise NotFound("This ask is not open.")
    ask.closed_at = clock.now()
    audit.record(session, "engage.closed", actor=actor, subject=f"ask:{ask.id}")
    session.commit()


def open_asks(session: Session, networks: list[str] | None = None) -> list[EngageAsk]:
    query = select(EngageAsk).where(
        EngageAsk.closed_at.is_(None), EngageAsk.expires_at > clock.now()
    )
    if networks is not None:
        if not networks:
            return []
        query = query.where(EngageAsk.network.in_(networks))
    return list(session.scalars(query.order_by(EngageAsk.created_at.desc()).limit(50)))


def ended_asks(session: Session) -> list[EngageAsk]:
    """Asks closed or expired in the last 30 days, most recently ended first."""
    at = clock.now()
    closed_early = EngageAsk.closed_at < EngageAsk.expires_at  # NULL (still open) is not
    ended_at = case((closed_early, EngageAsk.closed_at), else_=EngageAsk.expires_at)
    query = select(EngageAsk).where(
        ended_after(at - SHOWN_AFTER_END),
        or_(EngageAsk.closed_at.is_not(None), EngageAsk.expires_at <= at),
    )
    return list(session.scalars(query.order_by(ended_at.desc(), EngageAsk.id.desc()).limit(50)))


def ended_after(cutoff: datetime) -> ColumnElement[bool]:
    """Open, or ended (closed or expired) after `cutoff`."""
    return and_(
        EngageAsk.expires_at > cutoff,
        or_(EngageAsk.closed_at.is_(None), EngageAsk.closed_at > cutoff),
    )

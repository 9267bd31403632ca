"""Sharing: screening captions, creating shares, retries, cancellation and the marketer's
review of flagged shares. Publishing itself is services.publishing."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from advocacy import clock, compliance
from advocacy.errors import NotCertified, NotFound, ValidationFailed
from advocacy.models import ContentItem, Share, User
from advocacy.models.networks import CONNECTED
from advocacy.models.shares import (
    ACTIVE_STATES,
    CANCELLED,
    FAILED,
    IN_REVIEW,
    REJECTED,
    SCHEDULED,
)
from advocacy.services import audit, content, feed, lexicon, networks, publishing
from advocacy.services.publishing import Connect
from training.gating import may_share, shareable_networks

MAX_CAPTION = 5000


def require_gate(user: User, network: str | None = None) -> None:
    """The gating policy, as a refusal: every share path calls this first."""
    decision = may_share(user, network)
    if not decision:
        raise NotCertified(decision.message)


def shareable_item(session: Session, user: User, item_id: int) -> tuple[ContentItem, list[str]]:
    """The item and the networks this person may share it on now; 403/404 otherwise."""
    allowed = shareable_networks(user)
    if not allowed:
        require_gate(user)  # refuses, with the policy's reason
    item = feed.visible_to(session, user, item_id, allowed)
    return item, [n for n in item.networks if n in allowed]


def screen_captions(
    session: Session, config: Mapping, user: User, item_id: int, captions: Mapping[str, str]
) -> dict[str, compliance.Screening]:
    """Screen the caption for each chosen network, as it would be published."""
    item, allowed = shareable_item(session, user, item_id)
    if not captions:
        raise ValidationFailed("Choose at least one network to share on.")
    rules = lexicon.rules(session, config)
    results = {}
    for network, caption in captions.items():
        if network not in item.networks:
            raise ValidationFailed(f"This item is not meant for {networks.label(network)}.")
        if network not in allowed:
            require_gate(user, network)
        if len(caption) > MAX_CAPTION:
            raise ValidationFailed(f"The {networks.label(network)} caption is far too long.")
        results[network] = compliance.screen(
            caption, network, rules, link=content.sample_link(config)
        )
    return results


def create_shares(
    session: Session,
    config: Mapping,
    user: User,
    item_id: int,
    captions: Mapping[str, str],
    when: datetime | None,
) -> list[Share]:
    """Record the shares (scheduled, or in review when a term was flagged). Nothing is
    created unless every caption passes; the caller publishes the ones due now."""
    results = screen_captions(session, config, user, item_id, captions)
    blocked = {n: r for n, r in results.items() if r.blocked}
    if blocked:
        raise ValidationFailed(
            " ".join(
                f"{networks.label(n)}: {' '.join(p.message for p in r.blocking_problems)}"
                for n, r in blocked.items()
            )
        )
    at = clock.now()
    if when is not None and when <= at:
        raise ValidationFailed("Choose a time in the future, or share now.")
    created = []
    for network, result in results.items():
        account = networks.account_of(session, user, network)
        if account is None or account.status != CONNECTED:
            raise ValidationFailed(
                f"Connect your {networks.label(network)} account first (Accounts page), then share."
            )
        if _already_shared(session, user, item_id, network):
            raise ValidationFailed(f"You have already shared this on {networks.label(network)}.")
        share = Share(
            user_id=user.id,
            content_item_id=item_id,
            network=network,
            text=result.text,
            status=IN_REVIEW if result.flagged else SCHEDULED,
            scheduled_for=when or at,
            idempotency_key=uuid.uuid4().hex,
            link_code=secrets.token_urlsafe(8),
            flags=[p.message for p in result.flags],
        )
        session.add(share)
        created.append(share)
    session.flush()
    for share in created:
        audit.record(
            session, "share.created", actor=user, subject=f"share:{share.id}", status=share.status
        )
    session.commit()
    return created


def _already_shared(session: Session, user: User, item_id: int, network: str) -> bool:
    return (
        session.scalar(
            select(Share.id).where(
                Share.user_id == user.id,
                Share.content_item_id == item_id,
                Share.network == network,
                Share.status.in_(ACTIVE_STATES),
            )
        )
        is not None
    )


def get_share_for(session: Session, user: User, share_id: int) -> Share:
    """One of this person's own shares; anyone else's is "not found"."""
    share = session.get(Share, share_id)
    if share is None or share.user_id != user.id:
        raise NotFound("There is no such share among yours.")
    return share


def retry(session: Session, config: Mapping, user: User, share_id: int, connect: Connect) -> Share:
    share = get_share_for(session, user, share_id)
    if share.status != FAILED:
        raise ValidationFailed("Only a failed share can be tried again.")
    require_gate(user, share.network)
    share.status, share.scheduled_for, share.failure_reason = SCHEDULED, clock.now(), None
    share.publish_attempts = 0
    audit.record(session, "share.retried", actor=user, subject=f"share:{share.id}")
    session.commit()
    return publishing.publish(session, config, share, connect)


def cancel(session: Session, user: User, share_id: int) -> None:
    share = get_share_for(session, user, share_id)
    if share.status not in (SCHEDULED, IN_REVIEW):
        raise ValidationFailed(f"This share is {share.status}; it can no longer be cancelled.")
    share.status = CANCELLED
    audit.record(session, "share.cancelled", actor=user, subject=f"share:{share.id}")
    session.commit()


def shares_of(session: Session, user: User, limit: int = 100) -> list[Share]:
    return list(
        session.scalars(
            select(Share)
            .where(Share.user_id == user.id)
            .options(selectinload(Share.item).selectinload(ContentItem.campaign))
            .order_by(Share.created_at.desc(), Share.id.desc())
            .limit(limit)
        )
    )


def shared_networks(session: Session, user: User, item_ids: list[int]) -> dict[int, set[str]]:
    """Per item, the networks this person already shared it on (or is about to)."""
    rows = session.execute(
        select(Share.content_item_id, Share.network).where(
            Share.user_id == user.id,
            Share.content_item_id.in_(item_ids),
            Share.status.in_(ACTIVE_STATES),
        )
    )
    shared: dict[int, set[str]] = {}
    for item_id, network in rows:
        shared.setdefault(item_id, set()).add(network)
    return shared


def review_count(session: Session) -> int:
    """How many shares wait for a marketer's review."""
    return session.scalar(select(func.count(Share.id)).where(Share.status == IN_REVIEW)) or 0


def awaiting_review(session: Session) -> list[Share]:
    return list(
        session.scalars(
            select(Share)
            .where(Share.status == IN_REVIEW)
            .options(selectinload(Share.user), selectinload(Share.item))
            .order_by(Share.created_at)
        )
    )


def review(
    session: Session,
    config: Mapping,
    share_id: int,
    actor: User,
    approve: bool,
    note: str,
    connect: Connect,
) -> Share:
    """A marketer clears or rejects a flagged share; a cleared one due now goes out."""
    share = session.get(Share, share_id)
    if share is None or share.status != IN_REVIEW:
        raise NotFound("This share no longer waits for review.")
    if share.user_id == actor.id:
        raise ValidationFailed("Someone else must review your own share.")
    share.reviewed_by_id, share.reviewed_at = actor.id, clock.now()
    if not approve:
        share.status = REJECTED
        share.failure_reason = f"Not approved: {note.strip()[:400] or 'no reason given'}"
        audit.record(session, "share.rejected", actor=actor, subject=f"share:{share.id}")
        session.commit()
        return share
    share.status = SCHEDULED
    audit.record(session, "share.approved", actor=actor, subject=f"share:{share.id}")
    session.commit()
    if share.scheduled_for <= clock.now():
        publishing.publish(session, config, share, connect)
    return share

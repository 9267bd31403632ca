"""Publishing a share through its network's connector: gated, screened and claimed at that
moment, so a share goes out once, by whichever caller (request or worker) claims it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from advocacy import clock, compliance, crypto
from advocacy.models import Share
from advocacy.models.networks import CONNECTED
from advocacy.models.shares import FAILED, IN_REVIEW, PUBLISHED, PUBLISHING, SCHEDULED
from advocacy.services import archive, audit, budget, content, lexicon, networks
from connectors.base import (
    AuthExpired,
    ConnectorError,
    Network,
    RateLimited,
    TransientError,
    Unavailable,
)
from training.gating import may_share

log = logging.getLogger(__name__)
Connect = Callable[[str], Network]  # network name -> its connector
# Waits before each new try when the network was down and the post did not reach it.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=25))
# A publish (checks, a token refresh, the post request and its retries) ends long before
# this: a share still "publishing" that a worker took earlier belongs to a worker that died.
STALE = timedelta(minutes=15)
UNEXPECTED = (
    "Chorus hit an unexpected error while publishing. Try again, and tell your admin if it "
    "keeps happening."
)


_in_flight = Share.publish_sent_at.is_not(None)


def _claimable(now: datetime) -> ColumnElement[bool]:
    """Scheduled, or left "publishing" by a worker that died (with a request out or not)."""
    taken = func.coalesce(Share.publish_sent_at, Share.publish_claimed_at)
    stale = and_(Share.status == PUBLISHING, taken < now - STALE)
    return or_(Share.status == SCHEDULED, stale)


def tracked_link(config: Mapping, share: Share) -> str:
    return f"{config['BASE_URL']}/s/{share.link_code}"


def publish(
    session: Session,
    config: Mapping,
    share: Share,
    connect: Connect,
    rules: compliance.Rules | None = None,
) -> Share:
    """Publish one scheduled share. Only the caller that moves it from "scheduled" to
    "publishing" goes on, so two workers never post it twice. A share left "publishing"
    by a worker that died is claimed again after STALE; if it died with a request out, the
    post is looked for on the network before it is posted. `rules` lets a batch read the
    screening rules once."""
    now = clock.now()
    claimed = session.execute(
        update(Share)
        .where(Share.id == share.id, _claimable(now))
        # A post request in flight stays marked, freshly, so no one else reclaims it.
        .values(
            status=PUBLISHING,
            publish_claimed_at=now,
            publish_sent_at=case((_in_flight, now), else_=None),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    session.refresh(share)
    if not claimed:
        return share
    try:
        _publish_claimed(session, config, share, connect, rules)
    except _Refused as refusal:
        session.rollback()
        _fail(session, share, str(refusal))
    except Exception:  # a claimed share must never stay "publishing" unseen
        session.rollback()
        log.exception("Publishing share %s failed unexpectedly", share.id)
        _fail(session, share, UNEXPECTED)
    return share


class _Refused(Exception):
    """Why a claimed share cannot be published (shown to its author)."""


def _publish_claimed(
    session: Session,
    config: Mapping,
    share: Share,
    connect: Connect,
    rules: compliance.Rules | None,
) -> None:
    user, network = share.user, share.network
    decision = may_share(user, network)
    if not decision:
        raise _Refused(f"Not published: {decision.message}")
    if content.phase(share.item) != "live":
        raise _Refused("Not published: the item was withdrawn or expired before it went out.")
    rules = rules or lexicon.rules(session, config)
    result = compliance.screen(share.text, network, rules, link=tracked_link(config, share))
    if result.blocked:
        raise _Refused(" ".join(p.message for p in result.blocking_problems))
    if result.flagged and share.reviewed_at is None:
        share.status, share.flags = IN_REVIEW, [p.message for p in result.flags]
        session.commit()
        return
    account = networks.account_of(session, user, network)
    if account is None or account.status != CONNECTED:
        raise _Refused(f"Reconnect your {networks.label(network)} account, then retry.")
    connector = connect(network)
    link, label, sending = tracked_link(config, share), networks.label(network), False
    try:
        tokens = networks.fresh_tokens(session, account, connector)
        # An earlier request may have posted it: look before posting again.
        post = connector.find_post(tokens, link) if share.publish_sent_at else None
        if post is None:
            share.publish_sent_at, sending = clock.now(), True
            session.commit()  # before the request: a worker may die while it is out
            post = connector.publish(tokens, result.text, share.idempotency_key, link=link)
    except (AuthExpired, crypto.SecretUnreadable) as error:
        if account.status == CONNECTED:
            networks.mark_reconnect(session, account, str(error))
        raise _Refused(f"Reconnect your {label} account, then retry.") from error
    except RateLimited as error:
        _reschedule(session, share, error)
        return
    except TransientError as error:  # no answer, or one Chorus could not read
        if sending and isinstance(error, Unavailable) and not error.reached:
            share.publish_sent_at = None  # it certainly never reached the network
        if share.publish_attempts < len(BACKOFF):
            _retry_later(session, share)
            return
        tries = share.publish_attempts + 1
        session.commit()
        if share.publish_sent_at is None:
            message = f"{label} did not answer after {tries} tries. Retry when it is back."
            raise _Refused(message) from error
        raise _Refused(
            f"{label} did not confirm the post after {tries} tries. Retry: Chorus first looks "
            "for it on your profile, so it is not posted twice."
        ) from error
    except ConnectorError as error:  # the network refused: to post, or to let Chorus look
        share.publish_sent_at = None
        session.commit()
        if not sending:
            raise _Refused(
                f"{label} did not confirm an earlier try and does not let Chorus look for the "
                f"post ({error}). Check your profile; if the post is not there, retry."
            ) from error
        raise _Refused(f"{label} refused the post: {error}") from error
    share.text, share.status, share.published_at = result.text, PUBLISHED, clock.now()
    share.publish_sent_at = None
    share.remote_id, share.remote_url = post.remote_id, post.url
    share.follower_count, share.failure_reason = account.follower_count, None
    budget.count(session, network, budget.POST_WITH_LINK)
    archive.record(session, share, account, tracked_link(config, share))
    audit.record(session, "share.published", actor=user, subject=f"share:{share.id}")
    session.commit()


def _reschedule(session: Session, share: Share, error: RateLimited) -> None:
    """The network asked to wait: the share goes out when its limit resets."""
    share.status = SCHEDULED
    share.scheduled_for = max(error.reset_at or clock.now(), clock.now())
    share.failure_reason = f"Waiting for {networks.label(share.network)}: {error}"
    session.commit()


def _retry_later(session: Session, share: Share) -> None:
    """The network did not answer: try again, later each time; when the post may have
    reached it, the next try looks for it first."""
    wait = BACKOFF[share.publish_attempts]
    share.publish_attempts += 1
    share.status, share.scheduled_for = SCHEDULED, clock.now() + wait
    minutes, label = int(wait.total_seconds() // 60), networks.label(share.network)
    share.failure_reason = (
        f"{label} did not answer; trying again in {minutes} minute(s)."
        if share.publish_sent_at is None
        else f"{label} did not confirm the post; looking for it, then trying again in "
        f"{minutes} minute(s)."
    )
    session.commit()


def _fail(session: Session, share: Share, reason: str) -> None:
    share.status, share.failure_reason = FAILED, reason[:500]
    audit.record(
        session, "share.failed", actor=share.user, subject=f"share:{share.id}", reason=reason[:200]
    )
    session.commit()


def publish_due(session: Session, config: Mapping, connect: Connect, limit: int = 500) -> int:
    """Publish every scheduled share whose time has come, and every one a dead worker
    left "publishing"; how many were tried."""
    now = clock.now()
    due = session.scalars(
        select(Share)
        .where(_claimable(now), Share.scheduled_for <= now)
        .order_by(Share.scheduled_for)
        .limit(limit)
    ).all()
    rules = lexicon.rules(session, config) if due else None
    for share in due:
        publish(session, config, share, connect, rules)
    return len(due)

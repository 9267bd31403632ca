"""Publishing a share through its network's connector: gated, screened and claimed at that
moment, so a share goes out once, by whichever caller (request or worker) claims it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from advocacy import clock, compliance, crypto
from advocacy.models import Share
from advocacy.models.networks import CONNECTED
from advocacy.models.shares import FAILED, IN_REVIEW, PUBLISHED, PUBLISHING, SCHEDULED
from advocacy.services import archive, audit, budget, content, lexicon, networks
from connectors.base import AuthExpired, ConnectorError, Network, RateLimited, Unavailable
from training.gating import may_share

log = logging.getLogger(__name__)
Connect = Callable[[str], Network]  # network name -> its connector
# Waits before each new try when the network was down and the post did not reach it.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=25))
UNEXPECTED = (
    "Chorus hit an unexpected error while publishing. Try again, and tell your admin if it "
    "keeps happening."
)


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
    "publishing" goes on, so two workers never post it twice. `rules` lets a batch read
    the screening rules once."""
    claimed = session.execute(
        update(Share)
        .where(Share.id == share.id, Share.status == SCHEDULED)
        .values(status=PUBLISHING)
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
    try:
        tokens = networks.fresh_tokens(session, account, connector)
        post = connector.publish(
            tokens, result.text, share.idempotency_key, link=tracked_link(config, share)
        )
    except (AuthExpired, crypto.SecretUnreadable) as error:
        if account.status == CONNECTED:
            networks.mark_reconnect(session, account, str(error))
        raise _Refused(f"Reconnect your {networks.label(network)} account, then retry.") from error
    except RateLimited as error:
        _reschedule(session, share, error)
        return
    except Unavailable as error:
        if not error.reached and share.publish_attempts < len(BACKOFF):
            _retry_later(session, share, error)
            return
        if not error.reached:
            raise _Refused(
                f"{networks.label(network)} did not answer after {share.publish_attempts + 1} "
                "tries. Retry when it is back."
            ) from error
        raise _Refused(
            f"{networks.label(network)} did not answer ({error}). Check your profile before "
            "retrying: the post may have gone out."
        ) from error
    except ConnectorError as error:
        raise _Refused(f"{networks.label(network)} refused the post: {error}") from error
    share.text, share.status, share.published_at = result.text, PUBLISHED, clock.now()
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


def _retry_later(session: Session, share: Share, error: Unavailable) -> None:
    """The network was down and the post never reached it: try again, later each time."""
    wait = BACKOFF[share.publish_attempts]
    share.publish_attempts += 1
    share.status, share.scheduled_for = SCHEDULED, clock.now() + wait
    share.failure_reason = (
        f"{networks.label(share.network)} did not answer; trying again in "
        f"{int(wait.total_seconds() // 60)} minute(s)."
    )
    session.commit()


def _fail(session: Session, share: Share, reason: str) -> None:
    share.status, share.failure_reason = FAILED, reason[:500]
    audit.record(
        session, "share.failed", actor=share.user, subject=f"share:{share.id}", reason=reason[:200]
    )
    session.commit()


def publish_due(session: Session, config: Mapping, connect: Connect, limit: int = 500) -> int:
    """Publish every scheduled share whose time has come; how many were tried."""
    due = session.scalars(
        select(Share)
        .where(Share.status == SCHEDULED, Share.scheduled_for <= clock.now())
        .order_by(Share.scheduled_for)
        .limit(limit)
    ).all()
    rules = lexicon.rules(session, config) if due else None
    for share in due:
        publish(session, config, share, connect, rules)
    return len(due)

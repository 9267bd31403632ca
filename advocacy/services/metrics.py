"""Metric sync: read each published share's figures from its network, fresh shares more
often than old ones, in as few calls as the network allows, and store them so that a sync
run twice (retries, two consumers) never double counts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select, tuple_, update
from sqlalchemy.orm import Session, selectinload

from advocacy import clock, crypto
from advocacy.models import DailyMetric, MetricSnapshot, Share
from advocacy.models.metrics import METRICS
from advocacy.models.networks import CONNECTED
from advocacy.models.shares import PUBLISHED
from advocacy.services import networks
from advocacy.services.publishing import Connect
from advocacy.upsert import upsert
from connectors.base import AuthExpired, ConnectorError, PostMetrics, RateLimited

# Hourly while a post is young, daily for a month, then its figures stop moving much.
HOURLY_UNTIL = timedelta(days=2)
STOP_AFTER = timedelta(days=30)


@dataclass
class SyncReport:
    shares: int = 0
    snapshots: int = 0
    metric_calls: int = 0  # connector.metrics() calls (each may be one batch of 100 on X)
    problems: list[str] = field(default_factory=list)
    # A network asked to wait: when its limit resets, a sync is worth running again.
    retry_at: datetime | None = None

    def summary(self) -> str:
        lines = [
            f"{self.snapshots} snapshot(s) of {self.shares} due share(s), "
            f"{self.metric_calls} metrics request(s)."
        ]
        return "\n".join(lines + [f"  not synced: {p}" for p in self.problems])


def slot(moment: datetime) -> datetime:
    """The hour a snapshot belongs to: one snapshot per share per hour."""
    return moment.replace(minute=0, second=0, microsecond=0)


def _due(at: datetime) -> ColumnElement[bool]:
    """Published shares whose figures are due: hourly under 2 days old, daily to 30 days."""
    return and_(
        Share.status == PUBLISHED,
        Share.published_at > at - STOP_AFTER,
        Share.remote_id.is_not(None),
        or_(
            Share.metrics_synced_at.is_(None),
            and_(Share.published_at > at - HOURLY_UNTIL, Share.metrics_synced_at < slot(at)),
            Share.metrics_synced_at <= at - timedelta(days=1),
        ),
    )


def due_shares(session: Session, at: datetime, limit: int) -> list[Share]:
    """The due shares with their owners, freshest first (a capped sync spends its calls
    where figures move)."""
    return list(
        session.scalars(
            select(Share)
            .where(_due(at))
            .options(selectinload(Share.user))
            .order_by(Share.published_at.desc(), Share.id)
            .limit(limit)
        )
    )


def due_count(session: Session, at: datetime) -> int:
    return session.scalar(select(func.count(Share.id)).where(_due(at))) or 0


def sync_metrics(
    session: Session, config: Mapping, connect: Connect, limit: int = 10_000
) -> SyncReport:
    """One pass: every due share, grouped by its author's account (X reads up to 100 posts
    of one author per call, with that author's token)."""
    at = clock.now()
    report = SyncReport()
    due = due_shares(session, at, limit)
    report.shares = len(due)
    groups: dict[tuple[int, str], list[Share]] = defaultdict(list)
    for share in due:
        groups[(share.user_id, share.network)].append(share)
    for (user_id, network), group in groups.items():
        try:
            figures = _read(session, connect, user_id, network, group, report)
        except RateLimited as error:
            report.problems.append(f"{networks.label(network)} asked to wait: {error}")
            reset = error.reset_at or at + timedelta(minutes=15)
            report.retry_at = min(report.retry_at or reset, reset)
            continue
        if figures is not None:
            _store(session, group, figures, at)
            report.snapshots += len(figures)
    return report


def _read(
    session: Session, connect: Connect, user_id: int, network: str, group: list, report
) -> dict[str, PostMetrics] | None:
    owner = group[0].user
    account = networks.account_of(session, owner, network)
    if account is None or account.status != CONNECTED:
        report.problems.append(
            f"{len(group)} share(s) of {owner.email} on {networks.label(network)}: "
            "the account is not connected"
        )
        return None
    connector = connect(network)
    try:
        tokens = networks.fresh_tokens(session, account, connector)
        report.metric_calls += 1
        results = connector.metrics(tokens, [s.remote_id for s in group])
    except (AuthExpired, crypto.SecretUnreadable) as error:
        if account.status == CONNECTED:
            networks.mark_reconnect(session, account, str(error))
        report.problems.append(f"{owner.email} on {networks.label(network)}: reconnect needed")
        return None
    except RateLimited:
        raise
    except ConnectorError as error:
        report.problems.append(f"{owner.email} on {networks.label(network)}: {error}")
        return None
    return {m.remote_id: m for m in results}


def _store(
    session: Session, group: list[Share], figures: dict[str, PostMetrics], at: datetime
) -> None:
    """Upsert the hour's snapshot and the day's rollup; mark the shares synced."""
    snapshots, days = [], []
    for share in group:
        found = figures.get(share.remote_id)
        if found is None:
            continue
        values = {name: getattr(found, name) for name in METRICS}
        snapshots.append(
            {"share_id": share.id, "taken_at": slot(at), "missing": list(found.missing), **values}
        )
        days.append({"share_id": share.id, "day": at.date(), **values})
    if snapshots:
        upsert(session, MetricSnapshot, snapshots, ("share_id", "taken_at"), (*METRICS, "missing"))
        upsert(session, DailyMetric, days, ("share_id", "day"), METRICS)
    session.execute(
        update(Share)
        .where(Share.id.in_([s.id for s in group]))
        .values(metrics_synced_at=at)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def latest(session: Session, share_ids: list[int]) -> dict[int, MetricSnapshot]:
    """Per share, its most recent snapshot (one query)."""
    if not share_ids:
        return {}
    newest = (
        select(MetricSnapshot.share_id, func.max(MetricSnapshot.taken_at))
        .where(MetricSnapshot.share_id.in_(share_ids))
        .group_by(MetricSnapshot.share_id)
    )
    rows = session.scalars(
        select(MetricSnapshot).where(
            tuple_(MetricSnapshot.share_id, MetricSnapshot.taken_at).in_(newest)
        )
    )
    return {row.share_id: row for row in rows}

"""Metric sync: read each published share's figures from its network, fresh shares more
often than old ones, in as few calls as the network allows, and store them so that a sync
run twice (retries, two consumers) never double counts."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select, tuple_, update
from sqlalchemy.orm import Session, selectinload

from advocacy import clock, crypto
from advocacy.models import DailyMetric, LatestMetric, MetricSnapshot, Share, User
from advocacy.models.metrics import METRICS
from advocacy.models.networks import CONNECTED
from advocacy.models.shares import PUBLISHED
from advocacy.services import budget, networks, operations, rollups
from advocacy.services.publishing import Connect
from advocacy.upsert import upsert
from connectors.base import (
    AuthExpired,
    ConnectorError,
    Network,
    PostMetrics,
    RateLimited,
    TransientError,
)

# Hourly while a post is young, daily for a month, then its figures stop moving much.
HOURLY_UNTIL = timedelta(days=2)
STOP_AFTER = timedelta(days=30)
# Accounts tried in turn when one token reads many authors' posts and the first fails.
MAX_READERS = 3


@dataclass
class SyncReport:
    shares: int = 0
    snapshots: int = 0
    metric_calls: int = 0  # connector.metrics() calls (X reads 100 posts in each request)
    problems: list[str] = field(default_factory=list)
    # A network asked to wait: when its limit resets, a sync is worth running again.
    retry_at: datetime | None = None
    # A network did not answer (5xx, timeout) or garbled its answer: worth trying again
    # soon, with backoff.
    unavailable: bool = False

    def headline(self) -> str:
        return (
            f"{self.snapshots} snapshot(s) of {self.shares} due share(s), "
            f"{self.metric_calls} metrics request(s)."
        )

    def summary(self) -> str:
        return "\n".join([self.headline()] + [f"  not synced: {p}" for p in self.problems])


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
    """One pass over every due share, freshest first, within each network's daily read cap.
    Where a network reads any author's posts with one token (X), due shares go 100 to a
    call whoever wrote them; otherwise one call per author, with that author's token."""
    at = clock.now()
    report = SyncReport()
    due = _within_caps(session, due_shares(session, at, limit), report)
    report.shares = len(due)
    for network, group, readers in _groups(due, connect):
        try:
            figures = _read(session, connect(network), network, group, readers, report)
        except RateLimited as error:
            report.problems.append(f"{networks.label(network)} asked to wait: {error}")
            reset = error.reset_at or at + timedelta(minutes=15)
            report.retry_at = min(report.retry_at or reset, reset)
            continue
        if figures is not None:
            budget.count(session, network, budget.POST_READ, len(figures))
            _store(session, group, figures, at)
            report.snapshots += len(figures)
    operations.record_run(session, "metric sync", report.headline(), report.problems)
    return report


def _within_caps(session: Session, due: list[Share], report: SyncReport) -> list[Share]:
    """The due shares the day's read caps allow (the freshest, as `due` comes freshest
    first); the rest wait for tomorrow."""
    left: dict[str, int | None] = {}
    kept, waiting = [], Counter[str]()
    for share in due:
        if share.network not in left:
            left[share.network] = budget.reads_left_today(session, share.network)
        remaining = left[share.network]
        if remaining is None or remaining > 0:
            kept.append(share)
            left[share.network] = None if remaining is None else remaining - 1
        else:
            waiting[share.network] += 1
    for network, count in waiting.items():
        report.problems.append(
            f"{count} share(s) on {networks.label(network)}: today's cap of metric reads is "
            "spent; they are read tomorrow"
        )
    return kept


def _groups(due: list[Share], connect: Connect) -> list[tuple[str, list[Share], list[User]]]:
    """(network, shares read in one connector call, whose tokens may read them)."""
    by_network: dict[str, list[Share]] = defaultdict(list)
    for share in due:
        by_network[share.network].append(share)
    groups = []
    for network, shares in by_network.items():
        if connect(network).metrics_across_authors:
            readers = list({share.user_id: share.user for share in shares}.values())
            groups.append((network, shares, readers[:MAX_READERS]))
            continue
        by_author: dict[int, list[Share]] = defaultdict(list)
        for share in shares:
            by_author[share.user_id].append(share)
        groups += [(network, group, [group[0].user]) for group in by_author.values()]
    return groups


def _read(
    session: Session,
    connector: Network,
    network: str,
    group: list[Share],
    readers: list[User],
    report: SyncReport,
) -> dict[str, PostMetrics] | None:
    """The figures of `group`, read with the first reader whose account works."""
    for reader in readers:
        account = networks.account_of(session, reader, network)
        if account is None or account.status != CONNECTED:
            continue
        try:
            tokens = networks.fresh_tokens(session, account, connector)
            report.metric_calls += 1
            results = connector.metrics(tokens, [s.remote_id for s in group])
        except (AuthExpired, crypto.SecretUnreadable) as error:
            if account.status == CONNECTED:
                networks.mark_reconnect(session, account, str(error))
            report.problems.append(f"{reader.email} on {networks.label(network)}: reconnect needed")
            continue
        except RateLimited:
            raise
        except TransientError as error:  # no answer, or one that could not be read
            report.unavailable = True
            report.problems.append(f"{networks.label(network)} did not answer: {error}")
            return None
        except ConnectorError as error:
            report.problems.append(f"{len(group)} share(s) on {networks.label(network)}: {error}")
            return None
        return {m.remote_id: m for m in results}
    whose = f" of {readers[0].email}" if len(readers) == 1 else ""
    report.problems.append(
        f"{len(group)} share(s){whose} on {networks.label(network)}: no connected account "
        "to read them with"
    )
    return None


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
        latest = [{"share_id": row["share_id"], "read_at": at, **_figures(row)} for row in days]
        upsert(session, LatestMetric, latest, ("share_id",), (*METRICS, "read_at"))
        rollups.mark_shares(session, group)  # the dashboards' totals of their days
    session.execute(
        update(Share)
        .where(Share.id.in_([s.id for s in group]))
        .values(metrics_synced_at=at)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def _figures(row: dict) -> dict:
    return {name: row[name] for name in METRICS}


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

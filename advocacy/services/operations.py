"""What the admin needs to see of background work: what failed and why, who must
reconnect, whether the task consumer keeps up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from advocacy import clock
from advocacy.models import NetworkAccount, Share, TaskRun
from advocacy.models.networks import RECONNECT_NEEDED
from advocacy.models.shares import FAILED, SCHEDULED
from advocacy.services import metrics

RECENT = timedelta(days=30)
KEEP_RUNS = timedelta(days=30)
# A scheduled share this late means no consumer is publishing (make demo starts one).
LATE = timedelta(minutes=10)


@dataclass(frozen=True)
class Overview:
    failed_shares: list[Share]
    reconnect_accounts: list[NetworkAccount]
    late_shares: int
    waiting_shares: list[Share]  # scheduled again after a network was down or busy
    metrics_due: int
    last_metric_sync: datetime | None
    last_runs: list[TaskRun]


def overview(session: Session) -> Overview:
    now = clock.now()
    failed = session.scalars(
        select(Share)
        .where(Share.status == FAILED, Share.created_at > now - RECENT)
        .options(selectinload(Share.user), selectinload(Share.item))
        .order_by(Share.created_at.desc())
        .limit(200)
    ).all()
    reconnect = session.scalars(
        select(NetworkAccount)
        .where(NetworkAccount.status == RECONNECT_NEEDED)
        .options(selectinload(NetworkAccount.user))
        .order_by(NetworkAccount.id)
    ).all()
    late = session.scalar(
        select(func.count(Share.id)).where(
            Share.status == SCHEDULED, Share.scheduled_for < now - LATE
        )
    )
    waiting = session.scalars(
        select(Share)
        .where(Share.status == SCHEDULED, Share.failure_reason.is_not(None))
        .options(selectinload(Share.user), selectinload(Share.item))
        .order_by(Share.scheduled_for)
        .limit(200)
    ).all()
    return Overview(
        failed_shares=list(failed),
        waiting_shares=list(waiting),
        reconnect_accounts=list(reconnect),
        late_shares=late or 0,
        metrics_due=metrics.due_count(session, now),
        last_metric_sync=session.scalar(select(func.max(Share.metrics_synced_at))),
        last_runs=last_runs(session),
    )


def record_run(session: Session, task: str, summary: str, problems: list[str]) -> None:
    """Keep what a task run did and what did not work, for the admin; runs older than
    KEEP_RUNS are dropped as new ones come."""
    session.add(TaskRun(task=task, summary=summary[:2000], problems=problems[:200]))
    session.execute(delete(TaskRun).where(TaskRun.finished_at < clock.now() - KEEP_RUNS))
    session.commit()


def last_runs(session: Session) -> list[TaskRun]:
    """The latest run of each task (one query)."""
    newest = select(TaskRun.task, func.max(TaskRun.id).label("id")).group_by(TaskRun.task)
    ids = select(newest.subquery().c.id)
    return list(session.scalars(select(TaskRun).where(TaskRun.id.in_(ids)).order_by(TaskRun.task)))

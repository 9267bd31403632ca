"""What the admin needs to see of background work: what failed and why, who must
reconnect, whether the task consumer keeps up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from advocacy import clock
from advocacy.models import NetworkAccount, Share
from advocacy.models.networks import RECONNECT_NEEDED
from advocacy.models.shares import FAILED, SCHEDULED
from advocacy.services import metrics

RECENT = timedelta(days=30)
# A scheduled share this late means no consumer is publishing (make demo starts one).
LATE = timedelta(minutes=10)


@dataclass(frozen=True)
class Overview:
    failed_shares: list[Share]
    reconnect_accounts: list[NetworkAccount]
    late_shares: int
    metrics_due: int
    last_metric_sync: datetime | None


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
    return Overview(
        failed_shares=list(failed),
        reconnect_accounts=list(reconnect),
        late_shares=late or 0,
        metrics_due=metrics.due_count(session, now),
        last_metric_sync=session.scalar(select(func.max(Share.metrics_synced_at))),
    )

"""Two consumers at once (threads with their own sessions; real concurrency on PostgreSQL):
no share is published twice and no figure is stored twice."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select

from advocacy import clock
from advocacy.extensions import db
from advocacy.models import ArchiveRecord, DailyMetric, MetricSnapshot, Share
from advocacy.services import metrics, networks, publishing, shares
from tests.sharing import sandbox_state


def side_by_side(app, work: Callable[[], object], consumers: int = 2) -> list[BaseException]:
    """Run `work` in several threads at once, each in its own app context and session."""
    start = threading.Barrier(consumers)
    errors: list[BaseException] = []

    def consumer() -> None:
        try:
            with app.app_context():
                start.wait()
                work()
                db.session.remove()
        except BaseException as error:  # reported in the test's own thread
            errors.append(error)

    threads = [threading.Thread(target=consumer) for _ in range(consumers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_two_consumers_publish_each_scheduled_share_once(app, sharer, make_item, frozen_clock):
    later = clock.now() + timedelta(minutes=10)
    for n in range(4):
        item = make_item(f"Item {n}")
        shares.create_shares(
            db.session, app.config, sharer, item.id, {"x": f"X {n}", "linkedin": f"L {n}"}, later
        )
    frozen_clock(later + timedelta(minutes=1))
    connect = networks.connectors_of(app)

    errors = side_by_side(app, lambda: publishing.publish_due(db.session, app.config, connect))

    assert errors == []
    db.session.expire_all()
    assert set(db.session.scalars(select(Share.status))) == {"published"}
    state = sandbox_state(app)
    assert len(state.posts["x"]) == 4 and len(state.posts["linkedin"]) == 4
    assert db.session.scalar(select(func.count(ArchiveRecord.id))) == 8


def test_two_consumers_syncing_at_once_store_each_figure_once(app, sharer, make_item, frozen_clock):
    connect = networks.connectors_of(app)
    for n in range(3):
        item = make_item(f"Item {n}")
        for share in shares.create_shares(
            db.session, app.config, sharer, item.id, {"x": f"X {n}", "linkedin": f"L {n}"}, None
        ):
            publishing.publish(db.session, app.config, share, connect)
    frozen_clock(clock.now() + timedelta(hours=3))

    errors = side_by_side(app, lambda: metrics.sync_metrics(db.session, app.config, connect))

    assert errors == []
    db.session.expire_all()
    assert db.session.scalar(select(func.count(MetricSnapshot.id))) == 6
    assert db.session.scalar(select(func.count(DailyMetric.id))) == 6

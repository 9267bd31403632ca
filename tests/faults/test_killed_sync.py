"""A real task consumer (`huey_consumer advocacy.worker.huey`) killed with SIGKILL in the
middle of a metric sync, then started again: the figures end up whole and consistent.

It runs on the suite's database file (SQLite), or on PostgreSQL when
CHORUS_TEST_DATABASE_URL is set, with the queue in SQLite under the instance folder and
the sandbox's state in a file both processes share."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from advocacy import clock, tasks
from advocacy.extensions import db
from advocacy.models import (
    AdvocateTotal,
    DailyMetric,
    LatestMetric,
    MetricSnapshot,
    Share,
    ShareTotal,
)
from advocacy.models.metrics import METRICS
from advocacy.services import metrics, networks, publishing, rollups, shares
from tests.conftest import (
    _test_config,
    app_with_a_real_queue,
    post_form,
    sign_in,
)
from tests.networks.test_connect import connect
from tests.sharing import sandbox_state
from tests.training.conftest import certify

ROOT = Path(__file__).resolve().parents[2]
AUTHORS, ITEMS = 6, 3  # LinkedIn's shares are read author by author, one commit each
LATENCY_MS = 120  # per LinkedIn request: a few seconds for the whole sync


@pytest.fixture
def config(database_url: str, tmp_path: Path) -> dict:
    """Settings the consumer's own create_app() reads from its environment too."""
    return _test_config(database_url, tmp_path) | {
        "TASKS_IMMEDIATE": False,  # the queue in SQLite, instance/tasks.db
        "SANDBOX_STATE_FILE": str(tmp_path / "sandbox.json"),  # where the consumer's is
    }


@pytest.fixture
def app(config: dict) -> Iterator[Flask]:
    """Overrides the suite's app: tasks go to the consumer's queue instead of running inline."""
    yield from app_with_a_real_queue(config)


@pytest.fixture
def start_consumer(config: dict, tmp_path: Path) -> Iterator[Callable[[], subprocess.Popen]]:
    env = {
        **os.environ,
        "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "CHORUS_INSTANCE_PATH": config["INSTANCE_PATH"],
        "SECRET_KEY": config["SECRET_KEY"],
        "CHORUS_BASE_URL": config["BASE_URL"],
        "PYTHONPATH": str(ROOT),
    }
    env.pop("CHORUS_TASKS_IMMEDIATE", None)
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        log = (tmp_path / f"consumer-{len(started)}.log").open("w")
        process = subprocess.Popen(  # noqa: S603 - our own consumer
            [str(Path(sys.executable).parent / "huey_consumer"), "advocacy.worker.huey"]
            + ["--workers", "1", "--no-periodic", "--delay", "0.1"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def fresh() -> None:
    db.session.rollback()  # see what the consumer committed
    db.session.expire_all()


def count(statement) -> int:
    fresh()
    return db.session.scalar(statement) or 0


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def totals() -> list[tuple]:
    """Every dashboard total, as plain values in a stable order."""
    fresh()
    rows = []
    for model in (ShareTotal, AdvocateTotal):
        columns = [c for c in model.__table__.columns if c.name != "id"]
        rows += sorted(
            (model.__tablename__, *(str(v) for v in row))
            for row in db.session.execute(select(*columns))
        )
    return rows


@pytest.fixture
def many_shares(app, client, make_user, make_item, course) -> list[Share]:
    """AUTHORS certified employees with X and LinkedIn connected, each sharing ITEMS items
    on both networks, published in the sandbox file the consumer reads."""
    items = [make_item(f"Item {n}") for n in range(ITEMS)]
    made = []
    for a in range(AUTHORS):
        user = make_user(roles=("employee",))
        certify(user, course)
        post_form(client, "/logout")
        sign_in(client, user.email)
        for network in ("x", "linkedin"):
            assert connect(client, network, handle=f"author_{a}").status_code == 303
        for n, item in enumerate(items):
            captions = {"x": f"Post {a}-{n}", "linkedin": f"Post {a}-{n}"}
            for share in shares.create_shares(
                db.session, app.config, user, item.id, captions, None
            ):
                publishing.publish(db.session, app.config, share, networks.connectors_of(app))
                made.append(share)
    assert all(s.status == "published" for s in made)
    return made


def test_a_consumer_killed_mid_sync_leaves_consistent_figures_and_the_next_run_completes(
    app, many_shares, start_consumer, tmp_path
):
    total = len(many_shares)
    synced = select(func.count(Share.id)).where(Share.metrics_synced_at.is_not(None))
    rollups.refresh(db.session, clock.now())  # the dashboards' totals before any figure
    db.session.commit()
    state = sandbox_state(app)
    state.set_faults("linkedin", latency_ms=LATENCY_MS)  # written to the shared file

    consumer = start_consumer()
    tasks.sync_share_metrics()  # enqueued for the consumer
    wait_for(lambda: count(synced) > ITEMS * 2, "the sync to be under way", seconds=60)
    consumer.send_signal(signal.SIGKILL)
    consumer.wait(timeout=10)

    done_when_killed = count(synced)
    assert ITEMS * 2 < done_when_killed < total, "killed in the middle of the sync"
    assert count(select(func.count(MetricSnapshot.id))) == done_when_killed
    assert metrics.due_count(db.session, clock.now()) == total - done_when_killed

    state.clear_faults()
    start_consumer()
    tasks.sync_share_metrics()  # the next run (hourly in production)
    wait_for(
        lambda: count(synced) == total and tasks.huey.pending_count() == 0,
        "the next sync to read the rest",
    )
    time.sleep(0.5)  # its last commit and its run record

    fresh()
    assert metrics.due_count(db.session, clock.now()) == 0  # no share left behind
    pairs = db.session.execute(select(MetricSnapshot.share_id, MetricSnapshot.taken_at)).all()
    assert len(pairs) == len(set(pairs))  # one snapshot per share per hour
    assert {share_id for share_id, _ in pairs} == {s.id for s in many_shares}
    days = db.session.execute(select(DailyMetric.share_id, DailyMetric.day)).all()
    assert len(days) == len(set(days)) and len({s for s, _ in days}) == total
    newest = metrics.latest(db.session, [s.id for s in many_shares])
    latest = {row.share_id: row for row in db.session.scalars(select(LatestMetric))}
    assert set(latest) == set(newest)
    for share_id, snapshot in newest.items():
        for name in METRICS:
            assert getattr(latest[share_id], name) == getattr(snapshot, name), (share_id, name)

    rollups.refresh(db.session, clock.now())
    refreshed = totals()
    assert any(row[0] == "share_totals" for row in refreshed)
    rollups.rebuild(db.session, clock.now())
    assert totals() == refreshed  # what the refreshes kept equals a rebuild from nothing
    log = (tmp_path / "consumer-1.log").read_text()
    assert "Executing advocacy.tasks.sync_share_metrics" in log
    assert "Traceback" not in log and "ERROR" not in log, log[-4000:]

"""Two real Huey consumers (separate processes) on PostgreSQL and Redis share the queue:
every share is published exactly once, and a metric sync run by both at once stores one
snapshot per share and slot. Runs in the PostgreSQL pass of `make test`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from flask import Flask
from sqlalchemy import func, select

from advocacy import tasks
from advocacy.extensions import db
from advocacy.models import DailyMetric, MetricSnapshot, Share
from advocacy.models.shares import PUBLISHED
from advocacy.services import shares
from tests.conftest import (
    _test_config,
    app_with_a_real_queue,
    redis_test_url,
)
from tests.sharing import sandbox_state

REDIS_URL = redis_test_url()  # a database of its own, flushed by the test
ROOT = Path(__file__).resolve().parents[2]
CONSUMER = """
import json, logging, os
logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
from advocacy import create_app
from advocacy.tasks import huey
create_app(json.loads(os.environ["CHORUS_TEST_CONFIG"]))
huey.create_consumer(workers=2, periodic=False, check_worker_health=False).run()
"""


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


pytestmark = pytest.mark.skipif(
    not os.environ.get("CHORUS_TEST_DATABASE_URL", "").startswith("postgresql") or not _redis_up(),
    reason="needs PostgreSQL (CHORUS_TEST_DATABASE_URL) and Redis: the PostgreSQL pass "
    "of make test runs it",
)


@pytest.fixture
def config(database_url: str, tmp_path: Path) -> dict:
    """The test's settings, shared with the consumers: the same database, Redis queue,
    instance folder (the token key) and sandbox state file."""
    return _test_config(database_url, tmp_path) | {
        "TASKS_IMMEDIATE": False,
        "REDIS_URL": REDIS_URL,
        "SANDBOX_STATE_FILE": str(tmp_path / "sandbox.json"),
    }


@pytest.fixture
def app(config: dict) -> Iterator[Flask]:
    """Overrides the suite's app: tasks go to Redis instead of running inline."""
    yield from app_with_a_real_queue(config)


@pytest.fixture
def consumers(config: dict, tmp_path: Path) -> Iterator[list[Path]]:
    """Two consumer processes; yields their log files, checked for errors at the end."""
    env = os.environ | {"CHORUS_TEST_CONFIG": json.dumps(config), "PYTHONPATH": str(ROOT)}
    logs, processes = [], []
    for n in range(2):
        log = tmp_path / f"consumer-{n}.log"
        with log.open("w") as output:  # the process keeps its own copy of the handle
            processes.append(
                subprocess.Popen(  # noqa: S603 - our own interpreter and script
                    [sys.executable, "-c", CONSUMER],
                    cwd=ROOT,
                    env=env,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            )
        logs.append(log)
    yield logs
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=30)


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.rollback()  # see what the consumers committed
        db.session.expire_all()
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def count(statement) -> int:
    return db.session.scalar(statement) or 0


def test_two_consumers_publish_each_share_once_and_sync_without_duplicates(
    app, sharer, make_item, consumers
):
    for n in range(10):
        item = make_item(f"Item {n}")
        shares.create_shares(
            db.session,
            app.config,
            sharer,
            item.id,
            {"x": f"Post {n}", "linkedin": f"Post {n}"},
            None,
        )
    assert count(select(func.count(Share.id))) == 20

    for _ in range(6):  # both consumers race for the same scheduled shares
        tasks.publish_due_shares()
    wait_for(
        lambda: count(select(func.count(Share.id)).where(Share.status == PUBLISHED)) == 20,
        "every share to be published",
    )

    state = sandbox_state(app)
    with state._lock:  # read the file the consumers wrote
        posted = {n: len(state.posts[n]) for n in ("x", "linkedin")}
    assert posted == {"x": 10, "linkedin": 10}  # one post per share: none twice
    remote_ids = db.session.scalars(select(Share.remote_id)).all()
    assert len(set(remote_ids)) == 20

    for _ in range(6):  # two consumers syncing the same due shares at the same time
        tasks.sync_share_metrics()
    wait_for(
        lambda: (
            tasks.huey.pending_count() == 0
            and count(select(func.count(Share.id)).where(Share.metrics_synced_at.is_(None))) == 0
        ),
        "every share's figures",
    )
    time.sleep(2)  # let a sync still in flight finish its writes

    pairs = db.session.execute(select(MetricSnapshot.share_id, MetricSnapshot.taken_at)).all()
    assert len(pairs) == len(set(pairs))
    per_share = count(select(func.count(func.distinct(MetricSnapshot.share_id))))
    assert per_share == 20
    days = db.session.execute(select(DailyMetric.share_id, DailyMetric.day)).all()
    assert len(days) == len(set(days)) and len({share for share, _ in days}) == 20

    for log in consumers:
        text = log.read_text()
        assert "Executing advocacy.tasks" in text  # both consumers took part
        assert "Traceback" not in text and "ERROR" not in text, text[-4000:]

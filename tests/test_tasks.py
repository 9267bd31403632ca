"""The task queue: where it keeps its work, and that tasks run inside the app."""

from __future__ import annotations

import threading

import pytest
import redis
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

from advocacy import create_app, tasks
from tests.conftest import redis_test_url


@pytest.fixture
def queue_config(app, tmp_path):
    base = {**app.config, "INSTANCE_PATH": str(tmp_path), "TASKS_IMMEDIATE": False}
    yield base
    create_app({**app.config})  # back to inline tasks for the other tests
    assert tasks.huey.immediate


def test_the_default_queue_is_sqlite_in_the_instance_folder(queue_config, tmp_path):
    create_app(queue_config)

    assert isinstance(tasks.huey.storage, SqliteStorage)
    assert tasks.huey.storage.filename == str(tmp_path / "tasks.db")
    tasks.read_page_preview(12345)  # queued, not run: nothing consumes in this test
    assert tasks.huey.pending_count() == 1


def test_redis_url_moves_the_queue_to_redis(queue_config):
    client = redis.Redis.from_url(redis_test_url())
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    client.flushdb()
    create_app({**queue_config, "REDIS_URL": redis_test_url()})

    assert isinstance(tasks.huey.storage, RedisStorage)
    tasks.read_page_preview(12345)
    assert tasks.huey.pending_count() == 1
    client.flushdb()


def test_tests_run_tasks_inline(app):
    assert tasks.huey.immediate and isinstance(tasks.huey.storage, MemoryStorage)


def test_a_task_run_by_a_consumer_gets_the_workers_app_context(app):
    """A consumer thread has no app context of its own: the task brings the worker's."""
    seen = []

    @tasks.in_app
    def probe() -> None:
        from flask import current_app

        seen.append(current_app._get_current_object())

    worker = threading.Thread(target=probe)
    worker.start()
    worker.join()
    assert seen == [app]


def test_the_periodic_tasks_run_their_services(app, sharer, make_item, frozen_clock):
    """Each periodic task, run as the consumer would, does its one job."""
    from datetime import timedelta

    from sqlalchemy import select

    from advocacy import clock
    from advocacy.extensions import db
    from advocacy.models import MetricSnapshot, NetworkAccount, Share
    from advocacy.services import shares

    item = make_item()
    later = clock.now() + timedelta(minutes=30)
    shares.create_shares(db.session, app.config, sharer, item.id, {"x": "Queued"}, later)
    frozen_clock(later + timedelta(minutes=1))

    tasks.publish_due_shares()
    assert db.session.scalar(select(Share.status)) == "published"

    frozen_clock(later + timedelta(hours=2))
    tasks.sync_share_metrics()
    assert db.session.scalar(select(MetricSnapshot.impressions)) is not None

    tasks.refresh_followers()
    db.session.expire_all()
    checked = db.session.scalars(select(NetworkAccount.followers_updated_at)).all()
    assert checked and all(moment == clock.now() for moment in checked)

"""Background work on Huey: SQLite storage in instance/ by default, Redis when REDIS_URL is
set, run inline when TASKS_IMMEDIATE is on (tests). Tasks are thin wrappers over services.

Run a consumer with `huey_consumer advocacy.worker.huey` (make demo starts one).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app, has_app_context
from huey import Huey, crontab
from huey.storage import RedisStorage, SqliteStorage

from advocacy.extensions import db

huey = Huey("chorus", immediate=True, utc=True)
_worker_app: Flask | None = None


def init_app(app: Flask) -> None:
    """Point the queue at this app's storage; a consumer's tasks run in this app."""
    global _worker_app
    _worker_app = app
    if app.config.get("TASKS_IMMEDIATE"):
        huey.immediate = True
        return
    if app.config.get("REDIS_URL"):
        huey.storage_class, huey.storage_kwargs = RedisStorage, {"url": app.config["REDIS_URL"]}
    else:
        path = Path(app.instance_path) / "tasks.db"
        huey.storage_class, huey.storage_kwargs = SqliteStorage, {"filename": str(path)}
    huey.immediate = False
    huey.storage = huey.create_storage()


def in_app(task: Callable) -> Callable:
    """Run inside the app: the caller's context inline, else the worker's own."""

    @functools.wraps(task)
    def run(*args, **kwargs):
        if has_app_context():
            return task(*args, **kwargs)
        if _worker_app is None:
            raise RuntimeError("advocacy.tasks.init_app was not called")
        with _worker_app.app_context():
            try:
                return task(*args, **kwargs)
            finally:
                db.session.remove()

    return run


@huey.task(retries=2, retry_delay=60)
@in_app
def read_page_preview(item_id: int) -> None:
    from advocacy.services import previews

    previews.read_preview(db.session, current_app.instance_path, item_id)


@huey.periodic_task(crontab(minute="*"))
@in_app
def publish_due_shares() -> None:
    from advocacy.services import networks, publishing

    publishing.publish_due(db.session, current_app.config, networks.connectors_of(current_app))


@huey.periodic_task(crontab(minute="7"))
@in_app
def sync_share_metrics() -> None:
    """Hourly: the networks' figures for every share that is due (services.metrics)."""
    _sync_metrics()


@huey.task()
@in_app
def sync_share_metrics_again(follow_up: int = 1) -> None:
    """The same sync, scheduled for when a network's rate limit resets or, when a network
    was down, after a wait that doubles each time."""
    _sync_metrics(follow_up)


# Follow-up syncs after a failed one: at most this many, the n-th waiting 2^n minutes
# when a network was down (a rate limit waits for its announced reset instead).
MAX_FOLLOW_UPS = 4


def _sync_metrics(follow_up: int = 0) -> None:
    from advocacy import clock
    from advocacy.services import metrics, networks

    report = metrics.sync_metrics(
        db.session, current_app.config, networks.connectors_of(current_app)
    )
    if follow_up >= MAX_FOLLOW_UPS:
        return
    retry_at = report.retry_at
    if report.unavailable:
        backoff = clock.now() + timedelta(minutes=2 ** (follow_up + 1))
        retry_at = max(retry_at, backoff) if retry_at else backoff
    if retry_at is not None:
        sync_share_metrics_again.schedule(args=(follow_up + 1,), eta=retry_at)


@huey.periodic_task(crontab(minute="23", hour="4"))
@in_app
def refresh_followers() -> None:
    """Daily: every connected account's profile and follower count."""
    from advocacy.services import networks

    networks.check_all(db.session, networks.connectors_of(current_app))


def expiry_reminders(app: Flask, days: int = 30) -> int:
    """Mail holders whose certificate expires within `days` (each certificate once)."""
    from advocacy.services.certificates import send_expiry_reminders
    from advocacy.urls import external_url

    with app.test_request_context():  # links in the mail are built like a page's
        return send_expiry_reminders(
            db.session,
            app.config,
            lambda slug: external_url("training.course", slug=slug),
            days=days,
        )


@huey.periodic_task(crontab(minute="41", hour="5"))
@in_app
def remind_expiring_certificates() -> None:
    """Daily: the expiry reminders of `flask --app wsgi certificates remind`."""
    expiry_reminders(current_app._get_current_object())


@huey.periodic_task(crontab(minute="37"))
@in_app
def credit_colleague_engagement() -> None:
    """Hourly: credit the certified colleagues who engaged with engage asks' posts."""
    from advocacy.services import engagement, networks

    engagement.credit_engagements(db.session, networks.connectors_of(current_app))


@huey.periodic_task(crontab(minute="*/5"))
@in_app
def refresh_dashboard_totals() -> None:
    """Every five minutes: the dashboards' totals for the days that changed."""
    _roll_up(rebuild=False)


@huey.periodic_task(crontab(minute="13", hour="3"))
@in_app
def rebuild_dashboard_totals() -> None:
    """Nightly: every day's totals worked out again from nothing, so a change no refresh
    could see (a share removed with its author, say) lasts a day at most."""
    _roll_up(rebuild=True)


def _roll_up(rebuild: bool) -> None:
    from advocacy import clock
    from advocacy.services import operations, rollups

    work = rollups.rebuild if rebuild else rollups.refresh
    with huey.lock_task("dashboard-totals"):  # a run still going: this one is not needed
        report = work(db.session, clock.now())
    operations.record_run(db.session, "dashboard totals", report.summary, [])

"""Metric sync against the sandbox: snapshots, cadence, idempotency, batching, failures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from advocacy import clock
from advocacy.extensions import db
from advocacy.models import DailyMetric, MetricSnapshot, NetworkAccount, Share
from advocacy.services import metrics
from tests.conftest import post_form, sign_in
from tests.metrics.conftest import sync
from tests.networks.test_connect import connect
from tests.sharing import sandbox_state
from tests.training.conftest import certify


@pytest.fixture
def colleagues(client, make_user, course):
    """More certified employees with X and LinkedIn connected (the client ends signed in
    as the last one)."""

    def make(count: int) -> list:
        made = []
        for n in range(count):
            user = make_user(roles=("employee",))
            certify(user, course)
            post_form(client, "/logout")
            sign_in(client, user.email)
            assert connect(client, "x", handle=f"colleague_{n}").status_code == 303
            assert connect(client, "linkedin", handle=f"colleague_{n}").status_code == 303
            made.append(user)
        return made

    return make


def snapshots() -> list[MetricSnapshot]:
    db.session.expire_all()
    return list(db.session.scalars(select(MetricSnapshot).order_by(MetricSnapshot.id)))


def test_a_sync_stores_a_snapshot_per_share_from_the_network(app, publish, frozen_clock):
    published = publish()
    frozen_clock(clock.now() + timedelta(hours=3))  # the sandbox's posts gather engagement

    report = sync(app)

    assert report.shares == 2 and report.snapshots == 2 and report.problems == []
    stored = {s.share_id: s for s in snapshots()}
    assert set(stored) == {s.id for s in published}
    for snapshot in stored.values():
        assert snapshot.impressions and snapshot.impressions > 0
        assert snapshot.likes is not None
    assert db.session.scalar(select(func.count(DailyMetric.id))) == 2


def test_running_the_sync_twice_in_an_hour_adds_nothing(app, publish, frozen_clock):
    publish()
    frozen_clock(clock.now() + timedelta(hours=3))
    sync(app)
    first = [(s.share_id, s.taken_at, s.impressions) for s in snapshots()]

    again = sync(app)  # nothing is due again within the hour
    assert again.shares == 0
    metrics._store(  # a second consumer that read the same figures: an upsert, not a copy
        db.session,
        list(db.session.scalars(select(Share))),
        {},
        clock.now(),
    )
    assert [(s.share_id, s.taken_at, s.impressions) for s in snapshots()] == first


def test_young_shares_sync_hourly_older_ones_daily_and_old_ones_not_at_all(
    app, publish, frozen_clock
):
    start = clock.now()
    publish()
    frozen_clock(start + timedelta(hours=1, minutes=1))
    assert sync(app).snapshots == 2
    frozen_clock(start + timedelta(hours=2, minutes=1))
    assert sync(app).snapshots == 2  # under two days old: every hour

    frozen_clock(start + timedelta(days=3))
    assert sync(app).snapshots == 2
    frozen_clock(start + timedelta(days=3, hours=5))
    assert sync(app).snapshots == 0  # older: once a day
    frozen_clock(start + timedelta(days=4, minutes=1))
    assert sync(app).snapshots == 2

    frozen_clock(start + timedelta(days=31))
    assert sync(app).shares == 0  # past thirty days the figures are left alone


def test_figures_grow_between_snapshots(app, publish, frozen_clock):
    start = clock.now()
    publish({"x": "Growing"})
    frozen_clock(start + timedelta(hours=2))
    sync(app)
    frozen_clock(start + timedelta(hours=20))
    sync(app)
    early, late = snapshots()
    assert late.taken_at > early.taken_at
    assert late.impressions >= early.impressions and late.likes >= early.likes


def test_what_a_network_does_not_give_stays_unknown(app, publish, frozen_clock):
    sandbox_state(app).linkedin_metrics_access = False
    publish({"linkedin": "No analytics access"})
    frozen_clock(clock.now() + timedelta(hours=3))

    sync(app)

    (snapshot,) = snapshots()
    assert snapshot.impressions is None and snapshot.reshares is None  # unknown, never 0
    assert snapshot.missing


def test_x_reads_every_authors_posts_together_linkedin_one_call_per_author(
    app, publish, publish_as, colleagues, frozen_clock
):
    publish({"x": "Mine", "linkedin": "Mine"})
    for colleague in colleagues(2):
        publish_as(colleague, {"x": "Theirs", "linkedin": "Theirs"})
    frozen_clock(clock.now() + timedelta(hours=3))

    report = sync(app)

    assert report.shares == 6 and report.snapshots == 6 and report.problems == []
    # X: one request for all three authors' posts; LinkedIn: one per author's own token.
    assert report.metric_calls == 1 + 3


def test_x_reads_past_a_revoked_reader_with_another_authors_token(
    app, publish, publish_as, colleagues, frozen_clock
):
    publish({"x": "Read me too"})
    (first,) = colleagues(1)
    publish_as(first, {"x": "Read me"})  # the freshest share: its author is asked first
    account = db.session.scalar(
        select(NetworkAccount).where(
            NetworkAccount.user_id == first.id, NetworkAccount.network == "x"
        )
    )
    account.access_token = b"not a token any more"
    db.session.commit()
    frozen_clock(clock.now() + timedelta(hours=3))

    report = sync(app)

    assert report.snapshots == 2  # both posts, the broken reader's included
    assert any("reconnect needed" in p for p in report.problems)
    assert account.status == "reconnect needed"


def test_a_network_that_is_down_is_reported_and_marked_for_a_retry(app, publish, frozen_clock):
    publish({"x": "Down"})
    frozen_clock(clock.now() + timedelta(hours=3))
    sandbox_state(app).set_faults("x", error_rate=1.0)

    report = sync(app)

    assert report.snapshots == 0 and report.unavailable
    assert "did not answer" in report.problems[0]
    assert db.session.scalar(select(Share.metrics_synced_at)) is None


def test_a_sync_after_a_network_was_down_is_scheduled_with_growing_waits(
    app, publish, frozen_clock
):
    from advocacy import tasks

    publish({"x": "Down for a while"})
    frozen_clock(clock.now() + timedelta(hours=3))
    sandbox_state(app).set_faults("x", error_rate=1.0)
    tasks.huey.flush()
    waits = []

    tasks.sync_share_metrics()
    for _ in range(tasks.MAX_FOLLOW_UPS + 1):
        scheduled = tasks.huey.scheduled()
        if not scheduled:
            break
        (again,) = scheduled
        eta = again.eta.replace(tzinfo=clock.now().tzinfo)
        waits.append(round((eta - clock.now()).total_seconds() / 60))
        tasks.huey.flush()
        frozen_clock(eta)
        tasks.sync_share_metrics_again(*again.args)

    assert waits == [2, 4, 8, 16]  # doubling, and no more than MAX_FOLLOW_UPS
    tasks.huey.flush()


def test_a_revoked_token_marks_the_account_and_skips_its_shares(app, publish, frozen_clock):
    publish({"x": "Soon revoked"})
    sandbox_state(app).set_faults("x", revoked=True)
    frozen_clock(clock.now() + timedelta(hours=3))

    report = sync(app)

    assert report.snapshots == 0 and "reconnect needed" in report.problems[0]
    account = db.session.scalar(select(NetworkAccount).where(NetworkAccount.network == "x"))
    assert account.status == "reconnect needed"
    assert db.session.scalar(select(Share.metrics_synced_at)) is None  # tried again later


def test_a_rate_limit_leaves_the_shares_for_the_next_run(app, publish, frozen_clock):
    publish({"x": "Busy"})
    frozen_clock(clock.now() + timedelta(hours=3))
    sandbox_state(app).set_faults("x", rate_limited_until=clock.now() + timedelta(minutes=15))

    report = sync(app)

    assert report.snapshots == 0 and "asked to wait" in report.problems[0]
    sandbox_state(app).clear_faults()
    assert sync(app).snapshots == 1


def test_my_shares_shows_the_latest_figures(app, client, publish, frozen_clock):
    publish({"x": "Shown"})
    frozen_clock(clock.now() + timedelta(hours=3))
    sync(app)
    (snapshot,) = snapshots()

    page = client.get("/shares").get_data(as_text=True)

    assert f"{snapshot.impressions:,} impressions" in page and f"{snapshot.likes:,} likes" in page


def test_the_cli_runs_one_pass_and_says_what_it_did(app, publish, frozen_clock):
    publish()
    frozen_clock(clock.now() + timedelta(hours=3))

    result = app.test_cli_runner().invoke(args=["sync-metrics"])

    assert result.exit_code == 0, result.output
    assert "2 snapshot(s) of 2 due share(s), 2 metrics request(s)." in result.output


def test_a_rate_limited_sync_is_scheduled_again_for_the_reset(app, publish, frozen_clock):
    from advocacy import tasks

    publish({"x": "Busy later"})
    frozen_clock(clock.now() + timedelta(hours=3))
    reset = clock.now() + timedelta(minutes=15)
    sandbox_state(app).set_faults("x", rate_limited_until=reset)
    tasks.huey.flush()

    tasks.sync_share_metrics()

    (again,) = tasks.huey.scheduled()
    assert again.name.endswith("sync_share_metrics_again")
    assert abs((again.eta.replace(tzinfo=reset.tzinfo) - reset).total_seconds()) <= 1
    tasks.huey.flush()


def test_a_sync_marks_its_shares_days_for_the_dashboards(app, publish, frozen_clock):
    from advocacy.models import RollupPendingDay
    from advocacy.services import rollups
    from dashboards.filters import Filters
    from dashboards.queries import network_totals

    published = publish()
    rollups.refresh(db.session, clock.now())  # the totals before any figure was read
    frozen_clock(clock.now() + timedelta(hours=3))

    sync(app)

    days = {s.published_at.date() for s in published}
    assert set(db.session.scalars(select(RollupPendingDay.day))) == days
    rollups.refresh(db.session, clock.now())
    assert db.session.scalar(select(func.count()).select_from(RollupPendingDay)) == 0
    period = Filters(start=min(days), end=max(days))
    assert sum(t.impressions or 0 for t in network_totals(db.session, period)) > 0

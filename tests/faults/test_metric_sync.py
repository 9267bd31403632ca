"""The metric sync and the follower refresh while a network misbehaves: the faulty network's
figures wait (with a follow-up sync when it is worth one), the other network's are read,
and once the fault clears the next sync records every share's figures: none is lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from advocacy import clock, tasks
from advocacy.extensions import db
from advocacy.models import LatestMetric, NetworkAccount, OutboxMessage, Share
from advocacy.services import metrics, networks
from tests.content.test_share_flow import text
from tests.faults.conftest import SLOW
from tests.metrics.conftest import sync
from tests.networks.test_connect import connect

FAULTS = {
    "timeout": {"latency_ms": int(SLOW * 1000)},
    "5xx": {"error_rate": 1.0},
    "malformed answer": {"malformed_json": True},
    "rate limit": "rate_limited_until",
    "revoked token": {"revoked": True},
}


@pytest.fixture
def published(app, publish, frozen_clock, state):
    """Three items shared on both networks at seven past an hour (when the hourly sync
    runs), now half an hour old: every follow-up below falls in the same hour, and the X
    token connected just before is still good (a lost refresh is tested on its own)."""
    frozen_clock((clock.now() + timedelta(hours=1)).replace(minute=7, second=0, microsecond=0))
    made = []
    for n in range(3):
        made += publish({"x": f"Look {n}", "linkedin": f"Look {n}"})
    assert all(s.status == "published" for s in made)
    frozen_clock(clock.now() + timedelta(minutes=30))
    tasks.huey.flush()
    yield made
    tasks.huey.flush()


def figures() -> dict[int, LatestMetric]:
    db.session.expire_all()
    return {row.share_id: row for row in db.session.scalars(select(LatestMetric))}


def sandbox_figures(state, share: Share):
    post_id = share.remote_id.rsplit(":", 1)[-1]
    return state.engagement_of(state.posts[share.network][post_id])


def fault(state, network: str, name: str) -> None:
    if FAULTS[name] == "rate_limited_until":
        state.set_faults(network, rate_limited_until=clock.now() + timedelta(minutes=15))
    else:
        state.set_faults(network, **FAULTS[name])


def follow_up():
    """The one sync the task scheduled, if any: (eta on the app clock, its argument)."""
    scheduled = tasks.huey.scheduled()
    if not scheduled:
        return None
    (again,) = scheduled
    assert again.name.endswith("sync_share_metrics_again")
    return again.eta.replace(tzinfo=clock.now().tzinfo), again.args


@pytest.mark.parametrize("network", ["x", "linkedin"])
@pytest.mark.parametrize("name", list(FAULTS))
def test_no_metric_is_lost_when_a_fault_clears(
    app, client, sharer, published, state, waits, frozen_clock, network, name
):
    other = {"x": "linkedin", "linkedin": "x"}[network]
    fault(state, network, name)

    tasks.sync_share_metrics()

    read = figures()
    assert {s.id for s in published if s.network == other} == set(read)  # the rest is read
    expected = {s.id: sandbox_figures(state, s) for s in published if s.network == other}
    again = follow_up()
    if name == "revoked token":
        assert again is None  # no use trying again before the person reconnects
        page = text(client.get("/networks"))
        assert "Connect again to keep sharing" in page
        (mail,) = db.session.scalars(select(OutboxMessage)).all()
        assert mail.recipient == sharer.email and "Reconnect your" in mail.subject
        state.clear_faults()
        handle = "ann_on_x" if network == "x" else "ann_lee"
        assert connect(client, network, handle=handle).status_code == 303
        when, args = clock.now() + timedelta(hours=1), ()  # the next hourly sync
    else:
        assert again is not None, "a follow-up sync is scheduled"
        when, args = again
        if name == "rate limit":
            assert abs((when - (clock.now() + timedelta(minutes=15))).total_seconds()) <= 1
        else:
            assert when == clock.now() + timedelta(minutes=2)
        if name in ("timeout", "5xx"):
            assert waits and waits[:2] == [0.2, 0.4]  # retried at once, waiting longer
        state.clear_faults()
    tasks.huey.flush()
    frozen_clock(when)

    (tasks.sync_share_metrics_again if args else tasks.sync_share_metrics)(*args)

    reread = published if args == () else [s for s in published if s.network == network]
    expected |= {s.id: sandbox_figures(state, s) for s in reread}  # as of this sync
    read = figures()
    assert set(read) == {s.id for s in published}  # every share's figures
    for share in published:  # as the network gave them when read
        assert read[share.id].impressions == expected[share.id].impressions > 0
        assert read[share.id].comments == expected[share.id].comments
    newest = metrics.latest(db.session, [s.id for s in published])
    assert {i: n.impressions for i, n in newest.items()} == {
        i: f.impressions for i, f in read.items()
    }
    assert metrics.due_count(db.session, clock.now()) == 0


def test_follow_ups_stop_after_four_and_the_next_hourly_sync_reads_everything(
    app, sharer, published, state, waits, frozen_clock
):
    state.set_faults("linkedin", error_rate=1.0)
    tasks.sync_share_metrics()
    count = 0
    while (again := follow_up()) is not None:
        count += 1
        tasks.huey.flush()
        frozen_clock(again[0])
        tasks.sync_share_metrics_again(*again[1])
    assert count == tasks.MAX_FOLLOW_UPS
    assert not {s.id for s in published if s.network == "linkedin"} & set(figures())

    state.clear_faults()
    frozen_clock(clock.now().replace(minute=7) + timedelta(hours=1))
    tasks.sync_share_metrics()

    assert set(figures()) == {s.id for s in published}


@pytest.mark.parametrize("network", ["x", "linkedin"])
@pytest.mark.parametrize("name", ["timeout", "5xx", "malformed answer", "rate limit"])
def test_a_follower_refresh_that_fails_keeps_the_known_count(
    app, sharer, state, waits, frozen_clock, network, name
):
    account = db.session.scalar(select(NetworkAccount).where(NetworkAccount.network == network))
    before = account.follower_count
    assert before is not None
    fault(state, network, name)

    ((checked, line),) = [
        (a, line)
        for a, line in networks.check_all(db.session, networks.connectors_of(app))
        if a.network == network
    ]

    assert line.startswith("not checked")
    db.session.refresh(checked)
    assert checked.follower_count == before and checked.status == "connected"
    state.clear_faults()
    networks.check_all(db.session, networks.connectors_of(app))
    db.session.refresh(checked)
    assert checked.follower_count == before and checked.followers_updated_at is not None


def test_a_revoked_token_at_the_follower_refresh_asks_the_employee_to_reconnect(
    app, client, sharer, state
):
    state.set_faults("linkedin", revoked=True)

    networks.check_all(db.session, networks.connectors_of(app))

    account = db.session.scalar(select(NetworkAccount).where(NetworkAccount.network == "linkedin"))
    assert account.status == "reconnect needed"
    page = text(client.get("/networks"))
    assert "Connect again to keep sharing" in page and "Connect again</button>" in page


def test_a_token_refresh_whose_answer_is_lost_asks_to_reconnect_and_loses_no_figure(
    app, client, sharer, publish, state, waits, frozen_clock
):
    """X rotates refresh tokens: a refresh it answered after the connector stopped waiting
    burnt the only refresh token Chorus had. Nothing can get the new one back, so the
    person is asked to reconnect; the figures wait for them, they are not lost."""
    published = publish({"x": "Refreshed"})
    frozen_clock(clock.now() + timedelta(hours=3))  # the X token (2 hours) has expired
    state.set_faults("x", latency_ms=int(SLOW * 1000))

    assert sync(app).unavailable  # the refresh was never answered
    state.clear_faults()
    frozen_clock(clock.now() + timedelta(minutes=2))

    assert "reconnect needed" in sync(app).problems[0]
    account = db.session.scalar(select(NetworkAccount).where(NetworkAccount.network == "x"))
    assert account.status == "reconnect needed"
    assert "Connect again to keep sharing" in text(client.get("/networks"))

    assert connect(client, "x", handle="ann_on_x").status_code == 303
    sync(app)

    (x_share,) = [s for s in published if s.network == "x"]
    assert x_share.id in figures()

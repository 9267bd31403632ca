"""Publishing a share while the network misbehaves: a share goes out once, or says why not.

The networks take no idempotency key, so a publish whose answer was lost (a timeout after
the network stored the post, a garbled answer, a worker that died mid-request) is looked
for on the author's timeline, by the share's own tracked link, before it is posted again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from advocacy import clock
from advocacy.extensions import db
from advocacy.models import ArchiveRecord, MetricSnapshot
from advocacy.services import networks, publishing
from tests.conftest import post_form
from tests.content.test_share_flow import share_now, text
from tests.faults.conftest import SLOW, TIMEOUT, all_shares, publish_due
from tests.metrics.conftest import sync

NETWORKS = ["x", "linkedin"]


def remote_id(network: str, post) -> str:
    return post.id if network == "x" else f"urn:li:share:{post.id}"


def archived() -> int:
    return db.session.scalar(select(func.count(ArchiveRecord.id)))


@pytest.mark.parametrize("network", NETWORKS)
def test_a_post_whose_answer_timed_out_is_found_and_never_posted_twice(
    app, client, sharer, make_item, state, slow_posts, frozen_clock, network
):
    frozen_clock(clock.now())
    slow_posts(network)  # the network stores the post, the answer comes after TIMEOUT

    share_now(client, make_item().id, **{network: "Did it go out?"})

    (share,) = all_shares()
    assert SLOW in state.latencies and SLOW > TIMEOUT
    assert len(state.posts[network]) == 1  # the network took it
    assert share.status == "scheduled" and "did not confirm the post" in share.failure_reason
    assert share.scheduled_for == clock.now() + publishing.BACKOFF[0]
    assert "did not confirm the post" in text(client.get("/shares"))

    frozen_clock(share.scheduled_for)
    publish_due(app)  # still slow to post: it is not asked to post again

    ((post_id, post),) = state.posts[network].items()
    (share,) = all_shares()
    assert share.status == "published" and share.remote_id == remote_id(network, post)
    assert share.failure_reason is None and share.publish_sent_at is None
    assert archived() == 1
    frozen_clock(clock.now() + timedelta(hours=3))
    assert sync(app).snapshots == 1  # and its figures are read like any other's
    (snapshot,) = db.session.scalars(select(MetricSnapshot)).all()
    assert snapshot.impressions == state.engagement_of(post).impressions > 0


def test_when_the_network_stays_silent_the_share_fails_after_growing_waits_and_a_retry_finds_it(
    app, client, sharer, make_item, state, waits, frozen_clock
):
    frozen_clock(clock.now())
    state.set_faults("x", latency_ms=int(SLOW * 1000))  # every call times out

    share_now(client, make_item().id, x="Slow day")

    schedule = []
    (share,) = all_shares()
    while share.status == "scheduled":
        schedule.append(share.scheduled_for - clock.now())
        frozen_clock(share.scheduled_for)
        publish_due(app)
        (share,) = all_shares()
    assert schedule == list(publishing.BACKOFF)  # 1, 5, 25 minutes, on the app clock
    # Each look for the post (a read) was tried again at once, after growing waits.
    assert waits == [0.2, 0.4] * len(publishing.BACKOFF)
    assert share.status == "failed" and "did not confirm the post after 4 tries" in (
        share.failure_reason
    )
    assert len(state.posts["x"]) == 1  # posted by the first try only

    state.clear_faults()
    assert post_form(client, f"/shares/{share.id}/retry").status_code == 303

    (share,) = all_shares()
    ((post_id, _post),) = state.posts["x"].items()
    assert share.status == "published" and share.remote_id == post_id
    assert archived() == 1


@pytest.mark.parametrize("network", NETWORKS)
def test_a_garbled_answer_is_tried_again_and_the_share_goes_out_once(
    app, client, sharer, make_item, state, frozen_clock, network
):
    frozen_clock(clock.now())
    state.set_faults(network, malformed_json=True)

    share_now(client, make_item().id, **{network: "Readable?"})

    (share,) = all_shares()
    assert share.status == "scheduled" and "trying again in 1 minute" in share.failure_reason
    state.clear_faults()
    frozen_clock(share.scheduled_for)
    publish_due(app)

    (share,) = all_shares()
    ((_id, post),) = state.posts[network].items()
    assert share.status == "published" and share.remote_id == remote_id(network, post)


def assert_reclaimed_and_published_once(app, state, frozen_clock) -> None:
    """Once STALE has passed, the next worker takes the share over and it goes out once."""
    frozen_clock(clock.now() + publishing.STALE)
    publish_due(app)

    (share,) = all_shares()
    ((post_id, _post),) = state.posts["x"].items()
    assert share.status == "published" and share.remote_id == post_id
    assert archived() == 1


def test_a_share_a_dead_worker_left_publishing_is_found_after_a_while_not_posted_again(
    app, client, sharer, make_item, state, frozen_clock, monkeypatch
):
    from connectors.x import X

    frozen_clock(clock.now())
    publish = X.publish

    def dies_after_posting(self, *args, **kwargs):
        publish(self, *args, **kwargs)
        raise KeyboardInterrupt  # the worker is killed before it records the answer

    monkeypatch.setattr(X, "publish", dies_after_posting)
    item = make_item()
    with pytest.raises(KeyboardInterrupt):
        share_now(client, item.id, x="Half done")
    monkeypatch.setattr(X, "publish", publish)
    (share,) = all_shares()
    assert share.status == "publishing" and len(state.posts["x"]) == 1

    frozen_clock(clock.now() + timedelta(minutes=5))
    publish_due(app)  # another worker: too early to tell it from a slow one
    assert all_shares()[0].status == "publishing"

    assert_reclaimed_and_published_once(app, state, frozen_clock)


def test_a_share_a_worker_left_before_sending_is_published_after_a_while(
    app, client, sharer, make_item, state, frozen_clock, monkeypatch
):
    frozen_clock(clock.now())
    fresh_tokens = networks.fresh_tokens

    def dies_while_refreshing(*args, **kwargs):
        raise KeyboardInterrupt  # the worker is killed before any post request goes out

    monkeypatch.setattr(networks, "fresh_tokens", dies_while_refreshing)
    with pytest.raises(KeyboardInterrupt):
        share_now(client, make_item().id, x="Taken, never sent")
    monkeypatch.setattr(networks, "fresh_tokens", fresh_tokens)
    (share,) = all_shares()
    assert share.status == "publishing" and share.publish_sent_at is None

    frozen_clock(clock.now() + timedelta(minutes=5))
    publish_due(app)  # too early to tell it from a slow worker
    assert all_shares()[0].status == "publishing" and state.posts["x"] == {}

    assert_reclaimed_and_published_once(app, state, frozen_clock)


def test_a_failed_share_that_cannot_be_looked_for_says_so_and_a_retry_posts_it(
    app, client, sharer, make_item, state, slow_posts, frozen_clock
):
    """LinkedIn lists a member's posts only with its restricted access: without it Chorus
    cannot prove an unconfirmed post went out, and hands the decision to the person."""
    frozen_clock(clock.now())
    state.linkedin_metrics_access = False
    slow_posts("linkedin")
    share_now(client, make_item().id, linkedin="Unconfirmed")
    state.posts["linkedin"].clear()  # the network lost it after all

    (share,) = all_shares()
    frozen_clock(share.scheduled_for)
    publish_due(app)

    (share,) = all_shares()
    assert share.status == "failed" and "does not let Chorus look for the post" in (
        share.failure_reason
    )
    assert "Check your profile" in text(client.get("/shares"))
    state.delay = lambda name: 0.0
    post_form(client, f"/shares/{share.id}/retry")
    assert all_shares()[0].status == "published" and len(state.posts["linkedin"]) == 1


@pytest.mark.parametrize("network", NETWORKS)
def test_a_rate_limited_publish_waits_for_the_reset_the_network_announces(
    app, client, sharer, make_item, state, frozen_clock, network
):
    frozen_clock(clock.now() + timedelta(hours=5))  # the app clock, not the machine's
    reset = clock.now().replace(microsecond=0) + timedelta(minutes=15)
    state.set_faults(network, rate_limited_until=reset)

    share_now(client, make_item().id, **{network: "Busy"})

    (share,) = all_shares()
    assert share.status == "scheduled" and f"Waiting for {networks.label(network)}" in (
        share.failure_reason
    )
    assert abs((share.scheduled_for - reset).total_seconds()) <= 1
    assert state.posts[network] == {}
    frozen_clock(share.scheduled_for)
    publish_due(app)
    assert all_shares()[0].status == "published" and len(state.posts[network]) == 1

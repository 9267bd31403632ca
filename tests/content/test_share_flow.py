"""The employee's share flow against the sandbox: feed, caption, screening, publish, My shares."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from sqlalchemy import select

from advocacy import clock
from advocacy.extensions import db
from advocacy.models import ArchiveRecord, NetworkAccount, Share
from advocacy.services import networks, publishing, shares
from tests.conftest import post_form, sign_in
from tests.sharing import add_term, sandbox_state
from tests.training.conftest import certify


def share_now(client, item_id, **captions):
    data = {"share_now": "Share now"}
    for network, caption in captions.items():
        data[f"on_{network}"] = "y"
        data[f"caption_{network}"] = caption
    return post_form(client, f"/feed/items/{item_id}/share", data)


def all_shares() -> list[Share]:
    db.session.expire_all()
    return list(db.session.scalars(select(Share).order_by(Share.id)))


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_certified_employee_shares_an_edited_caption_to_both_networks(
    app, client, sharer, make_item
):
    item = make_item()
    feed = text(client.get("/feed"))
    assert item.title in feed and "Spring launch" in feed

    form = text(client.get(f"/feed/items/{item.id}/share"))
    assert f"{item.title}: have a look #launch" in form  # suggested caption + hashtags

    response = share_now(
        client, item.id, x="Big day for us! #launch", linkedin="Proud of this launch."
    )

    assert response.status_code == 303 and response.headers["Location"] == "/shares"
    published = sorted(all_shares(), key=lambda s: s.network)
    assert [(s.network, s.status) for s in published] == [
        ("linkedin", "published"),
        ("x", "published"),
    ]
    linkedin_share, x_share = published
    assert x_share.text == "Big day for us! #launch #employee"  # the disclosure is added
    assert (
        linkedin_share.text.startswith("Proud of this launch.")
        and "#employee" in linkedin_share.text
    )
    state = sandbox_state(app)
    x_post = state.post("x", x_share.remote_id)
    assert x_post.text == f"{x_share.text} http://localhost/s/{x_share.link_code}"
    assert "example.com/blog" not in x_post.text  # the tracked link, never the raw URL
    assert x_share.follower_count == db.session.scalar(
        select(NetworkAccount.follower_count).where(NetworkAccount.network == "x")
    )
    archived = db.session.scalars(select(ArchiveRecord).order_by(ArchiveRecord.network)).all()
    assert [(a.network, a.text, a.remote_id) for a in archived] == [
        (s.network, s.text, s.remote_id) for s in published
    ]
    assert archived[1].account_handle == "@ann_on_x" and archived[1].user_email == sharer.email
    mine = text(client.get("/shares"))
    assert "published" in mine and x_share.remote_id in mine and linkedin_share.remote_id in mine


def test_a_blocked_word_is_refused_with_a_clear_message_and_nothing_is_shared(
    app, client, sharer, make_item
):
    add_term("confidential", category="confidential marker")
    item = make_item()

    response = share_now(client, item.id, x="Our CONFIDENTIAL roadmap is out", linkedin="Fine text")

    assert response.status_code == 400
    assert 'Remove "CONFIDENTIAL"' in text(response)
    assert all_shares() == []  # neither network: nothing is half-shared
    assert sandbox_state(app).posts["x"] == {} and sandbox_state(app).posts["linkedin"] == {}


def test_checking_shows_the_text_with_the_disclosure_before_sharing(client, sharer, make_item):
    item = make_item()
    response = post_form(
        client,
        f"/feed/items/{item.id}/share",
        {"check": "Check", "on_x": "y", "caption_x": "Look at this"},
    )
    page = text(response)
    assert response.status_code == 200
    assert "Ready to share." in page and "Look at this #employee" in page
    assert "The disclosure is added at the end" in page
    assert all_shares() == []


def test_personal_data_and_unapproved_links_are_refused_by_name(client, sharer, make_item):
    item = make_item()
    response = share_now(
        client, item.id, x="Call me on +44 20 7946 0958 or see http://evil.example/x"
    )
    page = text(response)
    assert response.status_code == 400
    assert '"+44 20 7946 0958"' in page and '"http://evil.example/x"' in page


def test_an_uncertified_employee_sees_the_course_not_the_item(client, login_as, course, make_item):
    item = make_item()
    login_as("employee")
    feed = client.get("/feed")
    assert feed.status_code == 200
    page = text(feed)
    assert "Sharing is locked" in page and "Pass the social media course" in page
    assert item.title not in page
    assert client.get(f"/feed/items/{item.id}/share").status_code == 403
    crafted = share_now(client, item.id, x="Sneaky share")
    assert crafted.status_code == 403
    assert "Pass the social media course" in text(crafted)
    assert all_shares() == []


def test_an_expired_certificate_locks_sharing_on_direct_posts(
    client, sharer, make_item, frozen_clock
):
    item = make_item(expires_at=clock.now() + timedelta(days=800))
    frozen_clock(clock.now() + timedelta(days=400))  # the test course's certificate: 365 days

    assert "Sharing is locked" in text(client.get("/feed"))
    assert share_now(client, item.id, x="Still here").status_code == 403
    assert all_shares() == []


def test_items_for_another_department_or_not_live_are_not_shown_or_shareable(
    client, sharer, make_item, make_user
):
    from advocacy.services.users import department_named

    other = department_named(db.session, "Finance")
    db.session.commit()
    targeted = make_item("Finance only", department_ids=[other.id])
    draft = make_item("Still a draft", live=False)
    later = make_item("Next week", starts_at=clock.now() + timedelta(days=7))
    feed = text(client.get("/feed"))
    for item in (targeted, draft, later):
        assert item.title not in feed
        assert share_now(client, item.id, x="Trying anyway").status_code == 404
    assert "Nothing to share right now" in feed
    assert all_shares() == []


def test_a_scheduled_share_waits_for_its_time_then_publishes(
    app, client, sharer, make_item, frozen_clock
):
    item = make_item()
    when = (clock.now() + timedelta(hours=3)).replace(second=0, microsecond=0)
    response = post_form(
        client,
        f"/feed/items/{item.id}/share",
        {
            "schedule": "Schedule",
            "on_x": "y",
            "caption_x": "Later today",
            "when": when.strftime("%Y-%m-%dT%H:%M"),
            "timezone": "UTC",
        },
    )
    assert response.status_code == 303
    (share,) = all_shares()
    assert share.status == "scheduled" and share.scheduled_for == when
    connect = networks.connectors_of(app)
    assert publishing.publish_due(db.session, app.config, connect) == 0

    frozen_clock(when + timedelta(minutes=1))
    assert publishing.publish_due(db.session, app.config, connect) == 1

    (share,) = all_shares()
    assert share.status == "published" and share.remote_id


def test_a_scheduled_share_is_screened_again_at_publish_time(
    app, client, sharer, make_item, frozen_clock
):
    item = make_item()
    share_time = clock.now() + timedelta(hours=1)
    (share,) = shares.create_shares(
        db.session, app.config, sharer, item.id, {"x": "Numbers before earnings"}, share_time
    )
    add_term("earnings")  # the admin tightens the lexicon meanwhile

    frozen_clock(share_time + timedelta(minutes=1))
    publishing.publish_due(db.session, app.config, networks.connectors_of(app))

    (share,) = all_shares()
    assert share.status == "failed" and '"earnings"' in share.failure_reason
    assert sandbox_state(app).posts["x"] == {}
    assert "earnings" in text(client.get("/shares")) and "Retry" in text(client.get("/shares"))


def test_a_scheduled_share_is_gated_again_at_publish_time(app, sharer, make_item, frozen_clock):
    item = make_item(expires_at=clock.now() + timedelta(days=900))
    later = clock.now() + timedelta(days=400)  # past the certificate's expiry
    shares.create_shares(db.session, app.config, sharer, item.id, {"x": "Far future"}, later)

    frozen_clock(later + timedelta(minutes=1))
    publishing.publish_due(db.session, app.config, networks.connectors_of(app))

    (share,) = all_shares()
    assert share.status == "failed" and "expired" in share.failure_reason
    assert sandbox_state(app).posts["x"] == {}


def test_a_network_that_is_down_is_tried_again_later_each_time_then_the_share_fails(
    app, client, sharer, make_item, frozen_clock
):
    item = make_item()
    state = sandbox_state(app)
    state.set_faults("x", error_rate=1.0)  # every call a 503: the post never reached X
    start = clock.now()
    frozen_clock(start)

    assert share_now(client, item.id, x="This will fail first").status_code == 303

    (share,) = all_shares()
    waits = []
    while share.status == "scheduled":
        waits.append(round((share.scheduled_for - clock.now()).total_seconds() / 60))
        assert "trying again" in share.failure_reason
        frozen_clock(share.scheduled_for)
        publishing.publish_due(db.session, app.config, networks.connectors_of(app))
        db.session.refresh(share)
    assert waits == [1, 5, 25]  # each wait longer than the last
    assert share.status == "failed" and "did not answer after 4 tries" in share.failure_reason
    assert state.posts["x"] == {}
    page = text(client.get("/shares"))
    assert "did not answer" in page and f"/shares/{share.id}/retry" in page

    state.clear_faults()
    retried = post_form(client, f"/shares/{share.id}/retry")

    assert retried.status_code == 303
    (share,) = all_shares()
    assert share.status == "published" and share.failure_reason is None
    assert share.publish_attempts == 0


def test_a_publish_that_may_have_reached_the_network_is_never_repeated(
    app, client, sharer, make_item, monkeypatch
):
    from connectors.base import Unavailable
    from connectors.x import X

    def timed_out(*args, **kwargs):
        raise Unavailable("X is not answering right now (read timed out).", reached=True)

    monkeypatch.setattr(X, "publish", timed_out)

    share_now(client, make_item().id, x="Did it go out?")

    (share,) = all_shares()  # tried again later, looking for the post first (tests/faults)
    assert share.status == "scheduled" and "did not confirm the post" in share.failure_reason
    assert share.publish_sent_at is not None


def test_a_revoked_token_asks_to_reconnect_instead_of_failing_silently(
    app, client, sharer, make_item
):
    item = make_item()
    sandbox_state(app).set_faults("linkedin", revoked=True)

    share_now(client, item.id, linkedin="Proud of it")

    (share,) = all_shares()
    assert share.status == "failed" and "Reconnect your LinkedIn account" in share.failure_reason
    account = db.session.scalar(select(NetworkAccount).where(NetworkAccount.network == "linkedin"))
    assert account.status == "reconnect needed"
    assert "Connect again" in text(client.get("/networks"))


def test_a_rate_limited_share_waits_for_the_reset(app, client, sharer, make_item):
    item = make_item()
    reset = clock.now() + timedelta(minutes=15)
    sandbox_state(app).set_faults("x", rate_limited_until=reset)

    share_now(client, item.id, x="Busy network")

    (share,) = all_shares()
    assert share.status == "scheduled" and share.scheduled_for >= reset - timedelta(seconds=1)
    assert "Waiting for X" in share.failure_reason


def test_a_flagged_term_sends_the_share_to_a_marketer_who_approves_it(
    app, client, sharer, make_item, make_user
):
    add_term("acquisition", severity="flagged", category="needs review")
    item = make_item()
    share_now(client, item.id, x="Thoughts on the acquisition")
    (share,) = all_shares()
    assert share.status == "in review" and sandbox_state(app).posts["x"] == {}

    reviewer = make_user("rita@example.com", roles=("marketer",))
    marketing = app.test_client()
    sign_in(marketing, reviewer.email)
    assert "Thoughts on the acquisition" in text(marketing.get("/content/reviews"))
    queue = marketing.get("/content").get_data(as_text=True)
    assert 'Shares to review <span class="badge badge-off">1</span>' in queue
    response = post_form(marketing, f"/content/reviews/{share.id}", {"approve": "Approve"})

    assert response.status_code == 303
    (share,) = all_shares()
    assert share.status == "published"
    archived = db.session.scalars(select(ArchiveRecord)).one()
    assert archived.approved_by == "rita@example.com"


def test_a_share_is_published_once_even_when_publish_runs_twice(app, sharer, make_item):
    item = make_item()
    (share,) = shares.create_shares(db.session, app.config, sharer, item.id, {"x": "Once"}, None)
    connect = networks.connectors_of(app)

    publishing.publish(db.session, app.config, share, connect)
    publishing.publish(db.session, app.config, share, connect)

    assert len(sandbox_state(app).posts["x"]) == 1
    assert db.session.scalars(select(ArchiveRecord)).all().__len__() == 1


def test_the_same_item_is_not_shared_twice_on_a_network(client, sharer, make_item):
    item = make_item()
    share_now(client, item.id, x="First")
    again = share_now(client, item.id, x="Second")
    assert again.status_code == 400 and "already shared this on X" in text(again)
    assert "shared on X" in text(client.get("/feed"))


@pytest.mark.parametrize("action", ["retry", "cancel"])
def test_nobody_can_retry_or_cancel_another_persons_share(
    app, sharer, make_item, make_user, course, action
):
    item = make_item()
    (share,) = shares.create_shares(
        db.session, app.config, sharer, item.id, {"x": "Mine"}, clock.now() + timedelta(hours=2)
    )
    intruder = make_user("intruder@example.com", roles=("employee",))
    certify(intruder, course)
    client = app.test_client()
    sign_in(client, intruder.email)

    response = post_form(client, f"/shares/{share.id}/{action}")

    assert response.status_code == 404 and "no such share" in text(response)
    (share,) = all_shares()
    assert share.status == "scheduled"


def test_an_employee_cancels_a_scheduled_share(app, client, sharer, make_item):
    item = make_item()
    (share,) = shares.create_shares(
        db.session, app.config, sharer, item.id, {"x": "Mine"}, clock.now() + timedelta(hours=2)
    )
    assert post_form(client, f"/shares/{share.id}/cancel").status_code == 303
    (share,) = all_shares()
    assert share.status == "cancelled"


def test_unreadable_tokens_ask_to_reconnect(app, client, sharer, make_item):
    from advocacy.models import NetworkAccount as Account

    account = db.session.scalar(select(Account).where(Account.network == "x"))
    account.access_token = b"not a token this key can read"
    db.session.commit()

    share_now(client, make_item().id, x="Keys were rotated away")

    (share,) = all_shares()
    assert share.status == "failed" and "Reconnect your X account" in share.failure_reason
    db.session.expire_all()
    assert db.session.get(Account, account.id).status == "reconnect needed"


def test_an_unexpected_error_fails_the_share_visibly_instead_of_leaving_it_stuck(
    app, client, sharer, make_item, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    item = make_item()
    (share,) = shares.create_shares(db.session, app.config, sharer, item.id, {"x": "Hi"}, None)
    monkeypatch.setattr("advocacy.services.publishing.lexicon.rules", broken)

    publishing.publish(db.session, app.config, share, networks.connectors_of(app))

    (share,) = all_shares()
    assert share.status == "failed" and "unexpected error" in share.failure_reason

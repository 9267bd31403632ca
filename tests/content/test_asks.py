"""Engage asks: a marketer points certified colleagues at a company post on X or LinkedIn."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from sqlalchemy import select

from advocacy import clock
from advocacy.extensions import db
from advocacy.models import AuditEvent, EngageAsk
from tests.conftest import post_form, sign_in

FORMAT = "%Y-%m-%dT%H:%M"
REFUSED_URL = (
    "Paste the address of one post: https://x.com/<account>/status/<number> or "
    "https://www.linkedin.com/feed/update/urn:li:activity:<number>/."
)
X_POST = "https://x.com/chorus_hq/status/1790000000000000001"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def stored_asks() -> list[EngageAsk]:
    db.session.expire_all()
    return list(db.session.scalars(select(EngageAsk).order_by(EngageAsk.id)))


def in_a_week() -> str:
    return (clock.now() + timedelta(days=7)).strftime(FORMAT)


def ask_form(**overrides) -> dict:
    data = {
        "post_url": X_POST,
        "actions": ["like", "reshare"],
        "message": "Our launch post: a like helps.",
        "campaign": "0",
        "expires_at": in_a_week(),
        "timezone": "UTC",
    }
    data.update(overrides)
    return data


@pytest.fixture
def marketing(app, marketer):
    browser = app.test_client()
    assert sign_in(browser, marketer.email).status_code == 303
    return browser


def post_ask(browser, **overrides):
    return post_form(browser, "/content/asks", ask_form(**overrides))


def employee_feed(app, user) -> str:
    browser = app.test_client()
    assert sign_in(browser, user.email).status_code == 303
    return text(browser.get("/feed"))


@pytest.mark.parametrize(
    ("url", "network", "remote_id"),
    [
        (X_POST, "x", "1790000000000000001"),
        ("https://twitter.com/chorus_hq/status/42?s=20", "x", "42"),
        ("https://mobile.x.com/chorus_hq/status/42/", "x", "42"),
        (
            "https://www.linkedin.com/feed/update/urn:li:activity:7123456789012345678/",
            "linkedin",
            "urn:li:activity:7123456789012345678",
        ),
        (
            "https://www.linkedin.com/feed/update/urn:li:share:7123456789012345678",
            "linkedin",
            "urn:li:share:7123456789012345678",
        ),
        (
            "https://www.linkedin.com/posts/chorus-hq_launch-day-activity-7123456789012345678-AbC_"
            "?utm_source=share",
            "linkedin",
            "urn:li:activity:7123456789012345678",
        ),
    ],
    ids=["x", "twitter-query", "mobile-x", "linkedin-activity", "linkedin-share", "linkedin-posts"],
)
def test_a_post_address_is_accepted_with_its_network_and_post_id(
    marketing, marketer, url, network, remote_id
):
    response = post_ask(marketing, post_url=f"  {url} ")

    assert response.status_code == 303 and response.headers["Location"] == "/content/asks"
    (ask,) = stored_asks()
    assert (ask.network, ask.remote_post_id, ask.post_url) == (network, remote_id, url)
    assert ask.actions == ["like", "reshare"] and ask.message == "Our launch post: a like helps."
    assert ask.campaign_id is None and ask.created_by_id == marketer.id
    page = text(marketing.get("/content/asks"))
    assert "The ask is in certified employees' feeds." in page
    assert f'href="{url}"' in page and "Like, Reshare" in page
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "engage.created"))
    assert [e.subject for e in events] == [f"ask:{ask.id}"]


@pytest.mark.parametrize(
    "url",
    [
        "https://x.com/chorus_hq",
        "https://x.com/chorus_hq/status/",
        "https://x.com/chorus_hq/status/123abc",
        "http://x.com/chorus_hq/status/123",
        "https://example.com/chorus_hq/status/123",
        "https://x.com.evil.example/chorus_hq/status/123",
        "https://www.linkedin.com/in/someone",
        "https://www.linkedin.com/feed/update/urn:li:person:123",
        "javascript:alert(1)",
        "https://x.com/chorus_hq/status/123 456",
        "https://x.com/chorus hq/status/123",
        "https://x.com/chorus_hq/status/123\nhttps://x.com/other/status/9",
    ],
)
def test_an_address_that_is_not_one_public_post_is_refused(marketing, url):
    response = post_ask(marketing, post_url=url)

    assert response.status_code == 400
    assert REFUSED_URL in text(response)
    assert stored_asks() == []


def test_an_empty_address_is_refused(marketing):
    response = post_ask(marketing, post_url="")

    assert response.status_code == 400 and "This field is required." in text(response)
    assert stored_asks() == []


def test_an_unknown_action_is_refused(marketing):
    response = post_ask(marketing, actions=["like", "retweet"])

    assert response.status_code == 400
    assert "'retweet' is not a valid choice for this field." in text(response)
    assert stored_asks() == []


def test_an_action_ticked_twice_is_asked_for_once(marketing):
    post_ask(marketing, actions=["comment", "like", "comment"])

    (ask,) = stored_asks()
    assert ask.actions == ["like", "comment"]


def test_no_action_chosen_is_refused_with_what_to_choose(marketing):
    response = post_ask(marketing, actions=[])

    assert response.status_code == 400
    assert "Choose what to ask for: like, comment or reshare." in text(response)
    assert stored_asks() == []


@pytest.mark.parametrize("offset", [timedelta(minutes=-5), timedelta(days=-30)])
def test_an_ask_that_ends_in_the_past_is_refused(marketing, offset):
    ends = (clock.now() + offset).strftime(FORMAT)

    response = post_ask(marketing, expires_at=ends)

    assert response.status_code == 400
    assert "The ask must end in the future." in text(response)
    assert stored_asks() == []


def test_an_end_time_is_read_in_the_marketers_time_zone(marketing):
    # 10:00 in Tokyo is 01:00 UTC; a week ahead, so it is in the future.
    day = (clock.now() + timedelta(days=7)).strftime("%Y-%m-%d")

    post_ask(marketing, expires_at=f"{day}T10:00", timezone="Asia/Tokyo")

    (ask,) = stored_asks()
    assert ask.expires_at.strftime("%Y-%m-%d %H:%M") == f"{day} 01:00"


def test_an_ask_can_belong_to_a_campaign(marketing, campaign):
    post_ask(marketing, campaign=str(campaign.id))

    (ask,) = stored_asks()
    assert ask.campaign_id == campaign.id


def test_a_too_long_message_is_refused(marketing):
    response = post_ask(marketing, message="x" * 1001)

    assert response.status_code == 400
    assert stored_asks() == []


def test_a_certified_employee_sees_an_open_ask_with_a_link_to_the_post(app, marketing, sharer):
    post_ask(marketing)

    feed = employee_feed(app, sharer)

    assert "Asked to engage" in feed
    assert f'<a class="button" href="{X_POST}" rel="noopener noreferrer" target="_blank">' in feed
    assert "Open the post on X" in feed
    assert "Like, Reshare" in feed and "Our launch post: a like helps." in feed


def test_an_uncertified_employee_does_not_see_the_ask(app, marketing, make_user, course):
    post_ask(marketing)
    newcomer = make_user("new@example.com", roles=("employee",))

    feed = employee_feed(app, newcomer)

    assert "Sharing is locked" in feed
    assert X_POST not in feed and "Our launch post" not in feed


def test_a_closed_ask_leaves_the_feed(app, marketing, sharer):
    post_ask(marketing)
    (ask,) = stored_asks()

    response = post_form(marketing, f"/content/asks/{ask.id}/close")

    assert response.status_code == 303
    page = text(marketing.get("/content/asks"))
    assert "The ask is closed." in page and "No open asks." in page
    assert stored_asks()[0].closed_at is not None
    assert X_POST not in employee_feed(app, sharer)


def test_closing_an_ask_twice_says_it_is_not_open(marketing):
    post_ask(marketing)
    (ask,) = stored_asks()
    post_form(marketing, f"/content/asks/{ask.id}/close")

    response = post_form(marketing, f"/content/asks/{ask.id}/close")

    assert response.status_code == 404
    assert "This ask is not open." in text(response)


def test_an_expired_ask_leaves_the_feed(app, marketing, sharer, frozen_clock):
    ends = clock.now() + timedelta(hours=2)
    post_ask(marketing, expires_at=ends.strftime(FORMAT))
    assert X_POST in employee_feed(app, sharer)

    frozen_clock(ends + timedelta(minutes=1))

    assert X_POST not in employee_feed(app, sharer)
    assert "No open asks." in text(marketing.get("/content/asks"))


@pytest.mark.parametrize("role", ["employee", "executive"])
def test_only_marketing_can_post_or_close_asks(app, marketing, make_user, role):
    post_ask(marketing)
    (ask,) = stored_asks()
    browser = app.test_client()
    sign_in(browser, make_user(f"{role}@example.com", roles=(role,)).email)

    assert browser.get("/content/asks").status_code == 403
    assert post_ask(browser, post_url="https://x.com/me/status/1").status_code == 403
    assert post_form(browser, f"/content/asks/{ask.id}/close").status_code == 403
    (ask,) = stored_asks()
    assert ask.closed_at is None


def test_a_certified_employee_cannot_post_an_ask(app, marketing, sharer, client):
    response = post_ask(client)

    assert response.status_code == 403
    assert stored_asks() == []

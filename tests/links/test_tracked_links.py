"""The tracked link behind every share: safe redirects, recorded clicks, honest counts."""

from __future__ import annotations

import threading
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from advocacy import clock
from advocacy.extensions import db
from advocacy.models import Click, Share
from advocacy.services import clicks, content, shares
from tests.conftest import post_form

HUMAN = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36"


def visit(app, code: str, agent: str = HUMAN, address: str = "203.0.113.7", **headers):
    visitor = FlaskClient(app, app.response_class)  # a stranger: no session, any thread
    return visitor.get(
        f"/s/{code}",
        headers={"User-Agent": agent, **headers},
        environ_base={"REMOTE_ADDR": address},
    )


def stored_clicks() -> list[Click]:
    db.session.expire_all()
    return list(db.session.scalars(select(Click).order_by(Click.id)))


def test_the_link_redirects_to_the_item_with_utm_parameters(app, published):
    response = visit(app, published.link_code)

    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert (target.scheme, target.netloc, target.path, target.fragment) == (
        "https", "example.com", "/blog/launch", "top"
    )  # fmt: skip
    assert parse_qsl(target.query) == [
        ("ref", "home"),  # the address's own query is kept
        ("utm_source", "x"),  # ours replaces any utm_* it carried
        ("utm_medium", "employee_advocacy"),
        ("utm_campaign", "spring-launch"),
        ("utm_content", str(published.id)),
    ]
    assert response.headers["Cache-Control"] == "no-store"


def test_the_post_on_the_network_carries_the_tracked_link(app, published):
    post = app.extensions["chorus_sandbox"].config["SANDBOX_STATE"].post("x", published.remote_id)
    assert post.text.endswith(f"http://localhost/s/{published.link_code}")


@pytest.mark.parametrize(
    "path",
    [
        "/s/unknown-code-123",
        "/s/short",
        "/s/%2F%2Fevil.example",
        "/s//evil.example",
        "/s/javascript:alert(1)",
        "/s/" + "a" * 40,
        "/s/..%2F..%2Fadmin",
    ],
)
def test_unknown_or_hostile_codes_get_a_friendly_404_and_record_nothing(app, published, path):
    response = app.test_client().get(path, follow_redirects=True)
    assert response.status_code == 404
    for hop in response.history:  # a tidied path (//) may redirect, but only within Chorus
        assert urlsplit(hop.headers["Location"]).netloc in ("", "localhost")
    assert stored_clicks() == []


def test_whatever_the_request_carries_the_target_is_the_items_address(app, published):
    response = app.test_client().get(
        f"/s/{published.link_code}?next=https://evil.example&url=//evil.example",
        headers={"Host": "evil.example", "Referer": "https://evil.example/"},
    )
    assert urlsplit(response.headers["Location"]).netloc == "example.com"


def test_a_share_not_published_or_an_archived_item_has_no_active_link(
    app, sharer, make_item, marketer, published
):
    item = make_item("Later")
    (waiting,) = shares.create_shares(
        db.session, app.config, sharer, item.id, {"x": "Later"}, clock.now() + timedelta(hours=1)
    )
    assert visit(app, waiting.link_code).status_code == 404

    content.archive(db.session, published.item, marketer)
    response = visit(app, published.link_code)
    assert response.status_code == 404
    assert "This link is not active" in response.get_data(as_text=True)


def test_each_click_is_kept_with_hashed_visitor_and_referrer_host(app, published):
    visit(app, published.link_code, Referer="https://t.co/abc?x=1")

    (click,) = stored_clicks()
    assert click.share_id == published.id and click.referrer_host == "t.co"
    assert not click.is_bot
    assert "203.0.113.7" not in click.visitor and len(click.visitor) == 32


def test_a_malformed_referrer_is_dropped_not_an_error(app, published):
    assert visit(app, published.link_code, Referer="http://[::1").status_code == 302
    assert stored_clicks()[0].referrer_host is None


@pytest.mark.parametrize(
    "agent",
    [
        "",
        "Twitterbot/1.0",
        "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "facebookexternalhit/1.1",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "curl/8.5.0",
        "python-requests/2.32",
        "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/130.0",
    ],
)
def test_bots_and_link_previews_are_kept_but_not_counted(app, published, agent):
    visit(app, published.link_code, agent=agent)

    (click,) = stored_clicks()
    assert click.is_bot
    assert clicks.click_counts(db.session, [published.id]) == {}


def test_a_visitor_counts_once_per_hour(app, published, frozen_clock):
    start = clock.now().replace(minute=5, second=0, microsecond=0)
    frozen_clock(start)
    visit(app, published.link_code)
    frozen_clock(start + timedelta(minutes=30))
    visit(app, published.link_code)  # same person, same hour
    visit(app, published.link_code, address="198.51.100.9")  # someone else
    visit(app, published.link_code, agent=HUMAN + " Firefox")  # another browser, same office
    frozen_clock(start + timedelta(hours=1))
    visit(app, published.link_code)  # the first person, the next hour

    assert len(stored_clicks()) == 5  # raw clicks are all kept
    assert clicks.click_counts(db.session, [published.id]) == {published.id: 4}
    assert clicks.item_click_counts(db.session, [published.content_item_id]) == {
        published.content_item_id: 4
    }


def test_a_head_request_redirects_without_counting(app, published):
    response = app.test_client().head(f"/s/{published.link_code}")
    assert response.status_code == 302 and stored_clicks() == []


def test_the_sharer_sees_their_clicks_in_my_shares(app, client, published):
    visit(app, published.link_code)
    visit(app, published.link_code, address="198.51.100.9")
    assert "2 clicks on your link" in client.get("/shares").get_data(as_text=True)


def test_concurrent_clicks_are_all_recorded(app, published):
    """Many visitors at once: no click lost, none counted twice."""
    errors: list[BaseException] = []

    def burst(n: int) -> None:
        try:
            for i in range(10):
                response = visit(app, published.link_code, address=f"192.0.2.{n * 10 + i}")
                assert response.status_code == 302
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    workers = [threading.Thread(target=burst, args=(n,)) for n in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Click.id))) == 60
    assert clicks.click_counts(db.session, [published.id]) == {published.id: 60}


def test_the_queue_shows_clicks_per_item(app, login_as, published, make_user):
    visit(app, published.link_code)
    marketing = app.test_client()
    from tests.conftest import sign_in

    sign_in(marketing, make_user("rita@example.com", roles=("marketer",)).email)
    page = marketing.get("/content").get_data(as_text=True)
    assert "1 click" in page


def test_sharing_still_needs_csrf(app, client, published):
    # the public redirect takes no form; the share routes keep their CSRF check
    response = client.post(f"/feed/items/{published.content_item_id}/share", data={})
    assert response.status_code == 400
    assert post_form(client, "/shares").status_code == 405
    assert db.session.scalar(select(func.count(Share.id))) == 1

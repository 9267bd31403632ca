"""The lean WSGI path for GET /s/<code>: taken for live links, the same answer and the same
click as the Flask view, and everything else left to the view."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import pytest
from flask import Flask, request, request_started
from flask.testing import FlaskClient
from sqlalchemy import select

from advocacy import create_app
from advocacy.extensions import db
from advocacy.links.lean import LeanRedirects
from advocacy.links.precompiled import PrecompiledStatement
from advocacy.models import Click
from advocacy.services import clicks, content
from tests.conftest import _test_config
from tests.links.test_tracked_links import HUMAN, stored_clicks, visit


@pytest.fixture
def flask_requests(app: Flask) -> list[str]:
    """The paths Flask itself handled (the lean path never starts a Flask request)."""
    paths: list[str] = []

    def started(sender, **extra) -> None:
        paths.append(request.path)

    request_started.connect(started, app)
    yield paths
    request_started.disconnect(started, app)


def lean_of(app: Flask) -> LeanRedirects:
    middleware = app.wsgi_app
    while not isinstance(middleware, LeanRedirects):
        middleware = middleware.app  # DispatcherMiddleware and ProxyFix keep theirs in .app
    return middleware


def click_row(click: Click) -> tuple:
    return (click.share_id, click.visitor, click.visit_key, click.referrer_host, click.is_bot)


def test_a_live_link_is_answered_before_flask(app, published, flask_requests):
    response = visit(app, published.link_code, Referer="https://t.co/abc")

    assert response.status_code == 302
    assert flask_requests == []
    (click,) = stored_clicks()
    assert click.share_id == published.id and click.referrer_host == "t.co"


def test_the_lean_answer_and_click_are_the_views(app, published, flask_requests):
    """A query string sends the same link through Flask: both answers and both clicks match."""
    headers = {"User-Agent": HUMAN, "Referer": "https://www.linkedin.com/feed/"}
    client = FlaskClient(app, app.response_class)
    lean = client.get(f"/s/{published.link_code}", headers=headers)
    view = client.get(f"/s/{published.link_code}?fbclid=1", headers=headers)

    assert flask_requests == [f"/s/{published.link_code}"]  # only the second one
    assert (lean.status, lean.get_data()) == (view.status, view.get_data())
    assert sorted(lean.headers.items()) == sorted(view.headers.items())
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"):
        assert name in lean.headers
    assert lean.headers["X-Robots-Tag"] == "noindex"
    first, second = stored_clicks()
    assert click_row(first) == click_row(second)
    assert first.clicked_at <= second.clicked_at


def test_production_answers_carry_hsts_on_both_paths(app, published):
    app.config["CHORUS_PRODUCTION"] = True
    client = FlaskClient(app, app.response_class)
    lean = client.get(f"/s/{published.link_code}")
    view = client.get(f"/s/{published.link_code}?x=1")
    assert lean.headers["Strict-Transport-Security"] == view.headers["Strict-Transport-Security"]


def test_bots_are_flagged_and_the_app_clock_is_the_time(app, published, frozen_clock):
    moment = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    frozen_clock(moment)
    visit(app, published.link_code, agent="Twitterbot/1.0")

    (click,) = stored_clicks()
    assert click.is_bot and click.clicked_at == moment


@pytest.mark.parametrize("method", ["HEAD", "POST"])
def test_other_methods_go_to_flask_and_count_nothing(app, published, flask_requests, method):
    response = app.test_client().open(f"/s/{published.link_code}", method=method)
    assert response.status_code == (302 if method == "HEAD" else 405)
    assert flask_requests and stored_clicks() == []


def test_unknown_and_withdrawn_links_get_the_views_friendly_404(
    app, published, marketer, flask_requests
):
    assert visit(app, "unknown-code-123").status_code == 404
    content.archive(db.session, published.item, marketer)
    response = visit(app, published.link_code)

    assert response.status_code == 404
    assert "This link is not active" in response.get_data(as_text=True)
    assert flask_requests == ["/s/unknown-code-123", f"/s/{published.link_code}"]
    assert stored_clicks() == []


def test_behind_a_proxy_the_forwarded_address_is_hashed(app, database_url, tmp_path, published):
    proxied = create_app({**_test_config(database_url, tmp_path), "TRUST_PROXY_HEADERS": True})
    try:
        response = visit(proxied, published.link_code, address="10.0.0.2", **{
            "X-Forwarded-For": "198.51.100.23"
        })  # fmt: skip
        assert response.status_code == 302
    finally:
        with proxied.app_context():
            db.engine.dispose()

    (click,) = stored_clicks()
    key = app.extensions["chorus_click_key"]
    expected = clicks.click_values(
        key, published.id, address="198.51.100.23", user_agent=HUMAN, referrer=None,
        at=click.clicked_at,
    )  # fmt: skip
    assert click.visitor == expected["visitor"]


def test_an_error_before_the_commit_leaves_the_click_to_flask(app, published, flask_requests):
    lean = lean_of(app)
    lookup, _ = lean.statements
    broken = PrecompiledStatement("INSERT INTO no_such_table VALUES (1)", None, {}, {})
    lean.statements = (lookup, broken)

    response = visit(app, published.link_code)

    assert response.status_code == 302
    assert flask_requests == [f"/s/{published.link_code}"]
    assert len(stored_clicks()) == 1  # counted once, by the view


def test_click_values_fill_every_column_with_unchanged_hashes():
    key = clicks.hashing_key("secret")
    at = datetime(2026, 11, 25, 9, tzinfo=UTC)
    values = clicks.click_values(key, 7, address="192.0.2.1", user_agent="UA", referrer=None, at=at)

    assert set(values) == set(clicks.CLICK_COLUMNS)
    visitor = hmac.new(key, b"192.0.2.1\nUA", hashlib.sha256).hexdigest()[:32]
    assert values["visitor"] == visitor  # stored hashes keep matching older clicks
    message = f"7\n{visitor}\n2026-11-25T09".encode()
    assert values["visit_key"] == hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def test_precompiled_statements_match_the_orm_rows(app, published):
    """The lean lookup reads what `target_for` reads, on this database's dialect."""
    lookup, _ = lean_of(app).statements
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(lookup.sql, lookup.parameters({"code": published.link_code}))
        assert clicks.target_of(cursor.fetchone()) == clicks.target_for(
            db.session, published.link_code
        )
        cursor.close()
    finally:
        connection.close()
    assert db.session.scalar(select(Click.id)) is None

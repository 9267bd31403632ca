"""Headers, cookies and redirects, checked by tests in place of a scanner: every response
of every route carries the security headers, and the cookies are locked down."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advocacy import create_app
from advocacy.auth.views import safe_next
from advocacy.security import SECURITY_HEADERS
from tests.conftest import all_routes, sign_in
from tests.test_app import FERNET_KEY, STRONG_KEY


def assert_locked_down(response, where: str) -> None:
    csp = dict(
        part.strip().split(" ", 1)
        for part in response.headers["Content-Security-Policy"].split(";")
    )
    assert csp["frame-ancestors"] == "'none'", where
    assert csp["object-src"] == "'none'", where
    assert csp["script-src"] == "'self'", where
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"], where
    assert response.headers["X-Content-Type-Options"] == "nosniff", where
    assert response.headers["X-Frame-Options"] == "DENY", where
    assert response.headers["Referrer-Policy"] == "same-origin", where


@pytest.mark.parametrize("who", ["anonymous", "admin"])
def test_every_route_answers_with_the_security_headers(app, client, login_as, who):
    if who == "admin":
        login_as("admin")
    checked = 0
    for _endpoint, method, url in all_routes(app):
        if method != "GET":
            continue
        with client.get(url) as response:
            assert_locked_down(response, f"GET {url} as {who}: {response.status_code}")
        checked += 1
    assert checked > 40


@pytest.mark.parametrize(
    "url", ["/no-such-page", "/s/unknown-code", "/static/css/chorus.css", "/healthz"]
)
def test_errors_static_files_and_tracked_links_carry_them_too(client, url):
    with client.get(url) as response:
        assert_locked_down(response, url)


def production_app(tmp_path):
    return create_app(
        {
            "SECRET_KEY": STRONG_KEY,
            "INSTANCE_PATH": str(tmp_path),
            "CHORUS_PRODUCTION": True,
            "BASE_URL": "https://chorus.example.com",
            "ENCRYPTION_KEYS": [FERNET_KEY],
            # Never reached: the pages below need no database.
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:9/none",
        }
    )


@pytest.mark.parametrize("url", ["/login", "/no-such-page", "/static/css/chorus.css"])
def test_production_sends_hsts_and_only_secure_cookies(tmp_path, url):
    client = production_app(tmp_path).test_client()
    with client.get(url, base_url="https://chorus.example.com") as response:
        hsts = response.headers["Strict-Transport-Security"]
        assert hsts == "max-age=31536000; includeSubDomains"
        assert set(SECURITY_HEADERS) <= set(response.headers.keys())
        for cookie in response.headers.getlist("Set-Cookie"):
            assert "; Secure" in cookie and "; HttpOnly" in cookie and "; SameSite=Lax" in cookie


def test_production_login_page_sets_a_secure_session_cookie(tmp_path):
    response = (
        production_app(tmp_path).test_client().get("/login", base_url="https://chorus.example.com")
    )
    [cookie] = response.headers.getlist("Set-Cookie")
    assert cookie.startswith("session=")
    assert "; Secure" in cookie and "; HttpOnly" in cookie and "; SameSite=Lax" in cookie


def test_the_session_and_remember_cookies_are_out_of_reach_of_scripts(client, make_user):
    user = make_user()
    response = sign_in(client, user.email, remember="y")
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    assert {"session", "remember_token"} <= set(cookies)
    for cookie in cookies.values():
        assert "; HttpOnly" in cookie and "; SameSite=Lax" in cookie
        assert "; Secure" not in cookie  # the demo runs on plain http://127.0.0.1


# What a browser does to a Location before following it: drops tab and newline characters
# and leading C0 controls and spaces (WHATWG URL parsing), and reads "\" as "/".
def as_a_browser_reads_it(target: str) -> str:
    cleaned = "".join(ch for ch in target if ch not in "\t\n\r").lstrip("\x00\x01\x02 ")
    return cleaned.replace("\\", "/")


@given(
    st.text(
        alphabet=st.sampled_from(list("/\\:.@?#%& \t\nabcehlpstvx-_0123456789") + ["\x00", "é"]),
        max_size=24,
    )
)
def test_next_accepts_only_a_path_on_this_site(target):
    kept = safe_next(target)
    if kept is None:
        return
    seen = as_a_browser_reads_it(kept)
    assert kept == target
    assert seen.startswith("/") and not seen.startswith("//")
    assert urlsplit(seen)[:2] == ("", "")


@pytest.mark.parametrize("target", ["/account", "/feed?network=x", "/dashboards/?days=90#top"])
def test_next_keeps_paths_on_this_site(target):
    assert safe_next(target) == target

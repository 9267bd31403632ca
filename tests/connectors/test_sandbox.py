"""The sandbox against the real client libraries: tweepy for X, plain requests for LinkedIn."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests
import tweepy
from flask import Flask
from oauthlib.oauth2.rfc6749.errors import OAuth2Error
from requests_oauthlib import OAuth2Session
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from connectors.sandbox import create_sandbox
from connectors.sandbox.state import SandboxState, engagement, sandbox_user
from connectors.sandbox.transport import (
    LINKEDIN_ROUTES,
    X_ROUTES,
    mount_sandbox,
    rewrite_url,
    with_prefix,
)

X_SCOPES = ["tweet.read", "tweet.write", "users.read", "like.read", "offline.access"]
X_TOKEN_URL = "https://api.twitter.com/2/oauth2/token"
X_CALLBACK = "https://chorus.example/connect/x/callback"
LI_CALLBACK = "https://chorus.example/connect/linkedin/callback"
ALL_METRICS = ["public_metrics", "non_public_metrics", "organic_metrics", "created_at"]
NONCE_RE = re.compile(r"name='nonce' value='([^']+)'")


class Clock:
    def __init__(self) -> None:
        self.current = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def state(clock: Clock, sleeps: list[float]) -> SandboxState:
    return SandboxState(now=clock, sleep=sleeps.append)


@pytest.fixture
def app(state: SandboxState) -> Flask:
    return create_sandbox(state)


def x_handler(app: Flask) -> tweepy.OAuth2UserHandler:
    handler = tweepy.OAuth2UserHandler(
        client_id="chorus-x", redirect_uri=X_CALLBACK, scope=X_SCOPES, client_secret="s3cret"
    )
    mount_sandbox(handler, app, routes=X_ROUTES)
    return handler


def approve(app: Flask, url: str, routes: dict[str, str], account: str = "alice") -> str:
    """Play the browser on the consent page; return the redirect back to Chorus."""
    browser = app.test_client()
    page = browser.get(rewrite_url(url, routes))
    assert page.status_code == 200, page.text
    action = re.search(r"action='([^']+)'", page.text).group(1)
    form = {"nonce": NONCE_RE.search(page.text).group(1), "account": account}
    back = browser.post(action, data={**form, "decision": "allow"})
    assert back.status_code == 302
    return back.headers["Location"]


def x_client(app: Flask, token: str) -> tweepy.Client:
    client = tweepy.Client(bearer_token=token)
    mount_sandbox(client.session, app, routes=X_ROUTES)
    return client


def x_token(state: SandboxState, handle: str = "alice") -> str:
    return state.issue_access_token("x", handle, X_SCOPES)


def li_session(app: Flask, token: str | None, version: str | None = "202506") -> requests.Session:
    session = requests.Session()
    mount_sandbox(session, app, routes=LINKEDIN_ROUTES)
    if token:
        session.headers["Authorization"] = f"Bearer {token}"
    session.headers["X-Restli-Protocol-Version"] = "2.0.0"
    if version:
        session.headers["LinkedIn-Version"] = version
    return session


def li_token(state: SandboxState, handle: str = "alice") -> str:
    return state.issue_access_token("linkedin", handle, ["openid", "profile", "w_member_social"])


def li_post(session: requests.Session, handle: str, commentary: str) -> requests.Response:
    body = {
        "author": f"urn:li:person:{sandbox_user(handle).linkedin_sub}",
        "commentary": commentary,
        "visibility": "PUBLIC",
        "distribution": {
            "feedDistribution": "MAIN_FEED",
            "targetEntities": [],
            "thirdPartyDistributionChannels": [],
        },
        "content": {"article": {"source": "https://chorus.example/l/1", "title": "News"}},
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
    }
    return session.post("https://api.linkedin.com/rest/posts", json=body)


# X OAuth ------------------------------------------------------------------------------
def test_tweepy_oauth_flow_gets_tokens_and_profile(app: Flask) -> None:
    handler = x_handler(app)
    url = handler.get_authorization_url()
    assert url.startswith("https://twitter.com/i/oauth2/authorize?")
    token = handler.fetch_token(approve(app, url, X_ROUTES))
    assert token["expires_in"] == 7200 and token["token_type"] == "bearer"
    assert sorted(token["scope"]) == sorted(X_SCOPES) and token["refresh_token"]
    me = x_client(app, token["access_token"]).get_me(
        user_fields=["public_metrics"], user_auth=False
    )
    alice = sandbox_user("alice")
    assert (me.data.id, me.data.username, me.data.name) == (int(alice.x_id), "alice", "Alice")
    assert me.data.public_metrics["followers_count"] == alice.followers
    assert 50 <= alice.followers <= 20_000


def test_wrong_pkce_verifier_is_refused(app: Flask) -> None:
    handler = x_handler(app)
    redirect_back = approve(app, handler.get_authorization_url(), X_ROUTES)
    stranger = x_handler(app)  # another worker without the verifier
    stranger._client.code_verifier = "w" * 64
    with pytest.raises(OAuth2Error, match="authorization code was invalid"):
        stranger.fetch_token(redirect_back)


def test_verifier_kept_server_side_completes_the_flow_in_another_handler(app: Flask) -> None:
    first = x_handler(app)
    url = first.get_authorization_url()
    verifier, state_value = first._client.code_verifier, parse_qs(urlsplit(url).query)["state"]
    redirect_back = approve(app, url, X_ROUTES)
    assert parse_qs(urlsplit(redirect_back).query)["state"] == state_value
    second = x_handler(app)
    token = OAuth2Session.fetch_token(
        second,
        X_TOKEN_URL,
        authorization_response=redirect_back,
        auth=second.auth,
        include_client_id=True,
        code_verifier=verifier,
    )
    assert token["access_token"]


def test_reused_code_is_refused(app: Flask) -> None:
    handler = x_handler(app)
    redirect_back = approve(app, handler.get_authorization_url(), X_ROUTES)
    handler.fetch_token(redirect_back)
    with pytest.raises(OAuth2Error):
        handler.fetch_token(redirect_back)


def test_wrong_redirect_uri_is_refused(app: Flask, state: SandboxState) -> None:
    code = state.issue_code(
        "x", client_id="c", redirect_uri=X_CALLBACK, scopes=("tweet.read",), handle="alice"
    )
    session = requests.Session()
    mount_sandbox(session, app, routes=X_ROUTES)
    form = {"grant_type": "authorization_code", "code": code, "client_id": "c"}
    response = session.post(X_TOKEN_URL, data={**form, "redirect_uri": "https://evil.example/"})
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "Value passed for the authorization code was invalid.",
    }


def test_refresh_rotates_tokens_and_the_old_refresh_token_dies(app: Flask) -> None:
    handler = x_handler(app)
    first = handler.fetch_token(approve(app, handler.get_authorization_url(), X_ROUTES))
    second = handler.refresh_token(
        X_TOKEN_URL, refresh_token=first["refresh_token"], auth=handler.auth, client_id="chorus-x"
    )
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert x_client(app, second["access_token"]).get_me(user_auth=False).data.username == "alice"
    with pytest.raises(OAuth2Error, match="token was invalid"):
        handler.refresh_token(
            X_TOKEN_URL, refresh_token=first["refresh_token"], auth=handler.auth, client_id="x"
        )


def test_auto_approve_redirects_straight_back_for_the_login_hint(state: SandboxState) -> None:
    app = create_sandbox(state, auto_approve=True)
    handler = x_handler(app)
    browser = app.test_client()
    answer = browser.get(rewrite_url(handler.get_authorization_url(), X_ROUTES) + "&login_hint=bob")
    assert answer.status_code == 302
    token = handler.fetch_token(answer.headers["Location"])
    assert x_client(app, token["access_token"]).get_me(user_auth=False).data.username == "bob"


def test_authorize_refuses_plain_pkce(app: Flask) -> None:
    query = "response_type=code&client_id=c&redirect_uri=https://a.example/cb&scope=tweet.read"
    answer = app.test_client().get(f"/x/i/oauth2/authorize?{query}&state=s&code_challenge=abc")
    assert answer.status_code == 400
    assert "S256" in answer.text


def test_deny_sends_the_error_back_to_the_redirect_uri(app: Flask) -> None:
    browser = app.test_client()
    page = browser.get(rewrite_url(x_handler(app).get_authorization_url(), X_ROUTES))
    nonce = NONCE_RE.search(page.text).group(1)
    answer = browser.post("/x/i/oauth2/authorize", data={"nonce": nonce, "decision": "deny"})
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert answer.headers["Location"].startswith(X_CALLBACK)
    assert query["error"] == ["access_denied"] and query["state"]
    again = browser.post("/x/i/oauth2/authorize", data={"nonce": nonce, "decision": "allow"})
    assert again.status_code == 400  # the nonce is single use


def test_the_consent_page_has_an_icon_of_its_own(app: Flask) -> None:
    """Without one, a browser asks the host for /favicon.ico: a 404 from Chorus in the demo,
    where the sandbox is served under Chorus's own address."""
    page = app.test_client().get(rewrite_url(x_handler(app).get_authorization_url(), X_ROUTES))
    assert page.status_code == 200
    assert "<link rel='icon' href='data:,'>" in page.text


def test_authorize_page_escapes_hostile_client_id_and_login_hint(app: Flask) -> None:
    hostile = "<script>alert(1)</script>"
    query = (
        f"response_type=code&client_id={quote(hostile)}&redirect_uri=https://a.example/cb"
        f"&scope=tweet.read&state=s&code_challenge=abc&code_challenge_method=S256"
        f"&login_hint={quote(chr(39) + '><img src=x onerror=alert(1)>')}"
    )
    page = app.test_client().get(f"/x/i/oauth2/authorize?{query}").text
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&#39;&gt;&lt;img src=x onerror=alert(1)&gt;" in page


# X API --------------------------------------------------------------------------------
def test_expired_or_bogus_token_gets_401(app: Flask, state: SandboxState, clock: Clock) -> None:
    client = x_client(app, x_token(state))
    client.get_me(user_auth=False)
    clock.advance(hours=2, seconds=1)
    with pytest.raises(tweepy.Unauthorized) as raised:
        client.get_me(user_auth=False)
    assert raised.value.response.json() == {
        "title": "Unauthorized",
        "type": "about:blank",
        "status": 401,
        "detail": "Unauthorized",
    }
    with pytest.raises(tweepy.Unauthorized):
        x_client(app, "bogus").get_me(user_auth=False)


def test_metrics_are_zero_at_publish_and_grow_with_time(
    app: Flask, state: SandboxState, clock: Clock
) -> None:
    client = x_client(app, x_token(state))
    created = client.create_tweet(
        text="Our new product https://chorus.example/l/abc", user_auth=False
    )
    tweet_id = created.data["id"]
    assert created.data["edit_history_tweet_ids"] == [tweet_id]
    seen = []
    for _ in range(5):
        client = x_client(app, x_token(state))  # tokens last 2 hours
        tweet = client.get_tweets(ids=[tweet_id], tweet_fields=ALL_METRICS, user_auth=False).data[0]
        seen.append((tweet.public_metrics, tweet.non_public_metrics, tweet.organic_metrics))
        clock.advance(hours=6)
    assert all(v == 0 for part in seen[0] for v in part.values())
    for before, after in zip(seen, seen[1:], strict=False):
        for b, a in zip(before, after, strict=True):
            assert all(a[k] >= b[k] for k in b)
    assert seen[-1][0]["impression_count"] > 0 and seen[-1][0]["like_count"] > 0
    assert tweet.created_at == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_private_metrics_of_another_users_post_are_a_field_authorization_error(
    app: Flask, state: SandboxState
) -> None:
    alice_post = state.add_post("x", "alice", "hello")
    bob_post = state.add_post("x", "bob", "hi")
    bob = x_client(app, x_token(state, "bob"))
    answer = bob.get_tweets(
        ids=[alice_post.id, bob_post.id], tweet_fields=ALL_METRICS, user_auth=False
    )
    assert [t.id for t in answer.data] == [int(bob_post.id)]
    assert answer.errors == [
        {
            "value": alice_post.id,
            "detail": "Sorry, you are not authorized to access 'non_public_metrics' on the "
            f"Tweet with ids: {alice_post.id}.",
            "title": "Field Authorization Error",
            "resource_type": "tweet",
            "parameter": "non_public_metrics",
            "resource_id": alice_post.id,
            "type": "https://api.twitter.com/2/problems/not-authorized-for-field",
        }
    ]
    public = bob.get_tweets(ids=[alice_post.id], tweet_fields=["public_metrics"], user_auth=False)
    assert public.data[0].public_metrics is not None and public.errors == []


def test_private_metrics_of_posts_older_than_30_days_are_refused(
    app: Flask, state: SandboxState, clock: Clock
) -> None:
    old = state.add_post("x", "alice", "old", created_at=clock() - timedelta(days=31))
    answer = x_client(app, x_token(state)).get_tweets(
        ids=[old.id], tweet_fields=["organic_metrics"], user_auth=False
    )
    assert answer.data is None
    assert answer.errors[0]["title"] == "Field Authorization Error"
    assert answer.errors[0]["parameter"] == "organic_metrics"


def test_unknown_ids_are_not_found_errors(app: Flask, state: SandboxState) -> None:
    answer = x_client(app, x_token(state)).get_tweets(ids=["123"], user_auth=False)
    assert answer.data is None
    assert answer.errors[0]["title"] == "Not Found Error"
    assert answer.errors[0]["detail"] == "Could not find tweet with ids: [123]."


def test_lookup_takes_at_most_100_ids(app: Flask, state: SandboxState) -> None:
    client = x_client(app, x_token(state))
    ids = [state.add_post("x", "alice", f"post {n}").id for n in range(101)]
    assert len(client.get_tweets(ids=ids[:100], user_auth=False).data) == 100
    with pytest.raises(tweepy.BadRequest, match="not between 1 and 100"):
        client.get_tweets(ids=ids, user_auth=False)


def test_create_tweet_checks_length_and_scope(app: Flask, state: SandboxState) -> None:
    client = x_client(app, x_token(state))
    client.create_tweet(text="x" * 250 + " https://chorus.example/" + "y" * 100, user_auth=False)
    with pytest.raises(tweepy.BadRequest, match="too long"):
        client.create_tweet(text="x" * 281, user_auth=False)
    reader = x_client(app, state.issue_access_token("x", "alice", ["tweet.read", "users.read"]))
    with pytest.raises(tweepy.Forbidden):
        reader.create_tweet(text="hello", user_auth=False)


def test_engagers_grow_with_engagement(app: Flask, state: SandboxState, clock: Clock) -> None:
    client = x_client(app, x_token(state))
    post = state.add_post("x", "alice", "hello")
    empty = client.get_liking_users(post.id, user_auth=False)
    assert empty.data is None and empty.meta == {"result_count": 0}
    clock.advance(days=20)
    client = x_client(app, x_token(state))
    likers = client.get_liking_users(post.id, user_auth=False)
    assert 0 < likers.meta["result_count"] == len(likers.data) <= 100
    assert likers.data == client.get_liking_users(post.id, user_auth=False).data
    retweeters = client.get_retweeters(post.id, user_auth=False)
    quotes = client.get_quote_tweets(post.id, user_auth=False)
    assert retweeters.meta["result_count"] > 0 and quotes.meta["result_count"] > 0
    assert quotes.data[0].author_id and quotes.data[0].text


def test_recorded_engagement_is_listed_even_on_a_post_the_sandbox_never_saw(
    app: Flask, state: SandboxState
) -> None:
    company_post = "1234567890123456789"
    state.engage("x", company_post, "bob", "like")
    state.engage("x", company_post, "bob", "like")  # the same like twice counts once
    state.engage("x", company_post, "carol", "reshare")
    state.engage("x", company_post, "dave", "quote")
    client = x_client(app, x_token(state))

    likers = client.get_liking_users(company_post, user_auth=False).data
    retweeters = client.get_retweeters(company_post, user_auth=False).data
    quotes = client.get_quote_tweets(company_post, user_auth=False).data

    assert [(u.id, u.username) for u in likers] == [(int(sandbox_user("bob").x_id), "bob")]
    assert [u.username for u in retweeters] == ["carol"]
    assert [q.author_id for q in quotes] == [int(sandbox_user("dave").x_id)]


def test_recorded_engagers_come_before_the_fans_of_a_sandbox_post(
    app: Flask, state: SandboxState, clock: Clock
) -> None:
    post = state.add_post("x", "alice", "hello")
    clock.advance(days=20)
    state.engage("x", post.id, "bob", "like")
    client = x_client(app, x_token(state))

    likers = client.get_liking_users(post.id, user_auth=False).data

    assert likers[0].username == "bob" and len(likers) > 1
    assert all(u.username.startswith("fan") for u in likers[1:])


def test_engage_refuses_what_the_network_cannot_list(state: SandboxState) -> None:
    with pytest.raises(ValueError, match="cannot list"):
        state.engage("linkedin", "urn:li:activity:1", "bob", "reshare")
    with pytest.raises(ValueError, match="not a sandbox handle"):
        state.engage("x", "1", "not a handle", "like")
    state.engage("x", "1", "bob", "like")
    state.reset()
    assert state.engaged("x", "1", "like") == []


def test_x_responses_carry_rate_limit_headers(app: Flask, state: SandboxState) -> None:
    client = x_client(app, x_token(state))
    client.return_type = requests.Response
    response = client.get_me(user_auth=False)
    assert response.headers["x-rate-limit-limit"] == "75"
    assert response.headers["x-rate-limit-remaining"] == "74"
    assert int(response.headers["x-rate-limit-reset"]) > state.now().timestamp()


# Faults -------------------------------------------------------------------------------
def test_latency_fault_sleeps(app: Flask, state: SandboxState, sleeps: list[float]) -> None:
    state.set_faults("x", latency_ms=250)
    x_client(app, x_token(state)).get_me(user_auth=False)
    assert sleeps == [0.25]


def test_error_rate_fails_every_kth_request(app: Flask, state: SandboxState) -> None:
    client = x_client(app, x_token(state))
    state.set_faults("x", error_rate=0.5)
    outcomes = []
    for _ in range(4):
        try:
            client.get_me(user_auth=False)
            outcomes.append("ok")
        except tweepy.TwitterServerError as exc:
            assert exc.response.status_code == 503
            assert exc.response.json()["title"] == "Service Unavailable"
            outcomes.append("503")
    assert outcomes == ["ok", "503", "ok", "503"]


def test_rate_limit_fault_gives_429_with_reset(
    app: Flask, state: SandboxState, clock: Clock
) -> None:
    until = clock() + timedelta(minutes=7)
    state.set_faults("x", rate_limited_until=until)
    client = x_client(app, x_token(state))
    with pytest.raises(tweepy.TooManyRequests) as raised:
        client.get_me(user_auth=False)
    assert raised.value.reset_time == int(until.timestamp())
    assert raised.value.response.headers["x-rate-limit-remaining"] == "0"
    clock.advance(minutes=8)
    assert client.get_me(user_auth=False).data.username == "alice"


def test_revoked_fault_gives_401_and_kills_refresh(app: Flask, state: SandboxState) -> None:
    handler = x_handler(app)
    token = handler.fetch_token(approve(app, handler.get_authorization_url(), X_ROUTES))
    state.set_faults("x", revoked=True)
    with pytest.raises(tweepy.Unauthorized):
        x_client(app, token["access_token"]).get_me(user_auth=False)
    with pytest.raises(OAuth2Error):
        handler.refresh_token(
            X_TOKEN_URL, refresh_token=token["refresh_token"], client_id="chorus-x"
        )


def test_malformed_json_fault(app: Flask, state: SandboxState) -> None:
    state.set_faults("x", malformed_json=True)
    with pytest.raises(requests.JSONDecodeError):
        x_client(app, x_token(state)).get_me(user_auth=False)
    state.clear_faults()
    assert x_client(app, x_token(state)).get_me(user_auth=False).data.username == "alice"


def test_linkedin_faults(app: Flask, state: SandboxState, clock: Clock) -> None:
    session = li_session(app, li_token(state))
    url = "https://api.linkedin.com/v2/userinfo"
    state.set_faults("linkedin", rate_limited_until=clock() + timedelta(seconds=90))
    limited = session.get(url)
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "90"
    assert limited.json()["message"].startswith("Resource level throttle")
    state.set_faults("linkedin", error_rate=1.0)
    assert session.get(url).json() == {"status": 503, "message": "Service Unavailable"}
    state.set_faults("linkedin", revoked=True)
    assert session.get(url).json()["code"] == "INVALID_ACCESS_TOKEN"
    state.set_faults("linkedin", malformed_json=True)
    with pytest.raises(requests.JSONDecodeError):
        session.get(url).json()


def test_control_endpoints_only_answer_loopback(app: Flask, state: SandboxState) -> None:
    browser = app.test_client()
    until = "2030-01-01T00:00:00+00:00"
    answer = browser.post("/_control/faults", json={"network": "x", "rate_limited_until": until})
    assert answer.status_code == 200
    assert state.faults["x"].rate_limited_until == datetime(2030, 1, 1, tzinfo=UTC)
    assert browser.post("/_control/faults", json={"network": "mastodon"}).status_code == 400
    remote = {"REMOTE_ADDR": "10.0.0.8"}
    assert browser.post("/_control/reset", environ_base=remote).status_code == 403
    assert browser.post("/_control/reset").status_code == 200
    assert state.faults["x"].rate_limited_until is None


# LinkedIn -----------------------------------------------------------------------------
def test_linkedin_oauth_flow_and_userinfo(app: Flask) -> None:
    url = (
        "https://www.linkedin.com/oauth/v2/authorization?response_type=code&client_id=chorus-li"
        f"&redirect_uri={quote(LI_CALLBACK)}&state=xyz&scope=openid%20profile%20email%20w_member_social"
    )
    query = parse_qs(urlsplit(approve(app, url, LINKEDIN_ROUTES, "carol")).query)
    assert query["state"] == ["xyz"]
    session = li_session(app, None)
    form = {
        "grant_type": "authorization_code",
        "code": query["code"][0],
        "redirect_uri": LI_CALLBACK,
        "client_id": "chorus-li",
        "client_secret": "secret",
    }
    token_url = "https://www.linkedin.com/oauth/v2/accessToken"
    token = session.post(token_url, data=form).json()
    assert token["expires_in"] == 5184000 and token["token_type"] == "Bearer"
    assert token["scope"] == "openid,profile,email,w_member_social" and token["id_token"]
    again = session.post(token_url, data=form)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    session.headers["Authorization"] = f"Bearer {token['access_token']}"
    info = session.get("https://api.linkedin.com/v2/userinfo").json()
    carol = sandbox_user("carol")
    assert info["sub"] == carol.linkedin_sub and info["email"] == "carol@sandbox.example"
    assert info["name"] == "Carol" and info["email_verified"] is True


def test_linkedin_deny_returns_the_error(app: Flask) -> None:
    url = (
        "/linkedin/oauth/v2/authorization?response_type=code&client_id=c"
        f"&redirect_uri={quote(LI_CALLBACK)}&state=s1&scope=openid"
    )
    browser = app.test_client()
    nonce = NONCE_RE.search(browser.get(url).text).group(1)
    answer = browser.post("/linkedin/oauth/v2/authorization", data={"nonce": nonce})
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["error"] == ["user_cancelled_login"] and query["state"] == ["s1"]


def test_linkedin_bad_token_and_missing_version(app: Flask, state: SandboxState) -> None:
    bad = li_session(app, "nope").get("https://api.linkedin.com/v2/userinfo")
    assert bad.status_code == 401
    assert bad.json() == {
        "status": 401,
        "serviceErrorCode": 65600,
        "code": "INVALID_ACCESS_TOKEN",
        "message": "Invalid access token",
    }
    unversioned = li_post(li_session(app, li_token(state), version=None), "alice", "hi")
    assert unversioned.status_code == 400 and unversioned.json()["code"] == "VERSION_MISSING"


def test_linkedin_publish_and_metrics(app: Flask, state: SandboxState, clock: Clock) -> None:
    session = li_session(app, li_token(state))
    created = li_post(session, "alice", "Proud of the team")
    assert created.status_code == 201 and created.content == b""
    urn = created.headers["x-restli-id"]
    assert re.fullmatch(r"urn:li:share:\d+", urn)
    assert state.posts["linkedin"][urn.rsplit(":", 1)[1]].body["content"]["article"]
    assert li_post(session, "bob", "as someone else").json()["code"] == "ACCESS_DENIED"
    assert li_post(session, "alice", "x" * 3001).status_code == 422
    social_url = f"https://api.linkedin.com/rest/socialMetadata/{quote(urn, safe='')}"
    assert session.get(social_url).json()["reactionSummaries"] == {}
    clock.advance(days=3)
    social = session.get(social_url).json()
    assert social["entity"] == urn and social["commentsState"] == "OPEN"
    assert social["reactionSummaries"]["LIKE"]["count"] > 0
    assert social["commentSummary"]["count"] >= social["commentSummary"]["topLevelCount"]
    entity = f"(share:{quote(urn, safe='')})"
    query = f"q=entity&entity={entity}&queryType=IMPRESSION&aggregation=TOTAL"
    analytics_url = "https://api.linkedin.com/rest/memberCreatorPostAnalytics"
    new = session.get(analytics_url, params=query).json()
    assert new["paging"] == {"start": 0, "count": 10, "links": []}
    assert new["elements"][0]["metricType"] == "IMPRESSION" and new["elements"][0]["count"] > 0
    session.headers["LinkedIn-Version"] = "202504"
    old = session.get(analytics_url, params=query).json()["elements"][0]
    key = "com.linkedin.adsexternalapi.memberanalytics.v1.CreatorPostAnalyticsMetricTypeV1"
    assert old["metricType"] == {key: "IMPRESSION"} and old["count"] == new["elements"][0]["count"]
    followers = session.get("https://api.linkedin.com/rest/memberFollowersCount?q=me").json()
    assert followers["elements"] == [{"memberFollowersCount": sandbox_user("alice").followers}]


def test_linkedin_social_metadata_batch_get(app: Flask, state: SandboxState, clock: Clock) -> None:
    session = li_session(app, li_token(state))
    urns = [li_post(session, "alice", f"Post {n}").headers["x-restli-id"] for n in (1, 2)]
    clock.advance(days=3)
    unknown = "urn:li:ugcPost:999"
    ids = ",".join(quote(urn, safe="") for urn in [*urns, unknown, urns[0]])
    batch_url = f"https://api.linkedin.com/rest/socialMetadata?ids=List({ids})"

    answer = session.get(batch_url)

    assert answer.status_code == 200
    body = answer.json()
    keys = [quote(urn, safe="") for urn in urns]
    assert sorted(body["results"]) == sorted(keys) and body["statuses"] == dict.fromkeys(keys, 200)
    for urn, key in zip(urns, keys, strict=True):
        single = session.get(f"https://api.linkedin.com/rest/socialMetadata/{key}").json()
        assert body["results"][key] == single and single["entity"] == urn
        assert single["reactionSummaries"]["LIKE"]["count"] > 0
    assert body["errors"] == {
        "urn%3Ali%3AugcPost%3A999": {
            "status": 404,
            "code": "NOT_FOUND",
            "message": f"Entity {unknown} not found",
        }
    }
    unencoded = session.get(f"https://api.linkedin.com/rest/socialMetadata?ids=List({urns[0]})")
    assert unencoded.status_code == 400
    assert session.get("https://api.linkedin.com/rest/socialMetadata").status_code == 400
    too_long = ",".join([quote(urns[0], safe="")] * 120)
    assert session.get(f"{batch_url.split('?')[0]}?ids=List({too_long})").status_code == 414
    refused = li_session(app, "nope").get(batch_url)
    assert refused.status_code == 401 and refused.json()["code"] == "INVALID_ACCESS_TOKEN"


def test_linkedin_metrics_need_metrics_access(app: Flask, state: SandboxState) -> None:
    state.linkedin_metrics_access = False
    session = li_session(app, li_token(state))
    urn = li_post(session, "alice", "hello").headers["x-restli-id"]
    urls = [
        f"https://api.linkedin.com/rest/socialMetadata/{quote(urn, safe='')}",
        f"https://api.linkedin.com/rest/socialMetadata?ids=List({quote(urn, safe='')})",
        "https://api.linkedin.com/rest/memberFollowersCount?q=me",
        "https://api.linkedin.com/rest/memberCreatorPostAnalytics?q=entity&entity=(share:"
        f"{quote(urn, safe='')})&queryType=REACTION&aggregation=TOTAL",
    ]
    for url in urls:
        answer = session.get(url)
        assert answer.status_code == 403 and answer.json()["code"] == "ACCESS_DENIED"


def test_linkedin_lists_who_reacted_and_commented(
    app: Flask, state: SandboxState, clock: Clock
) -> None:
    company_post = "urn:li:activity:7260000000000000001"
    state.engage("linkedin", company_post, "bob", "like")
    state.engage("linkedin", company_post, "carol", "comment")
    session = li_session(app, li_token(state))
    encoded = quote(company_post, safe="")

    reactions = session.get(
        f"https://api.linkedin.com/rest/reactions/(entity:{encoded})?q=entity&count=100"
    ).json()
    comments = session.get(
        f"https://api.linkedin.com/rest/socialActions/{encoded}/comments?count=100"
    ).json()

    bob, carol = (f"urn:li:person:{sandbox_user(h).linkedin_sub}" for h in ("bob", "carol"))
    assert reactions["paging"]["total"] == 1
    [reaction] = reactions["elements"]
    assert reaction["created"]["actor"] == bob and reaction["reactionType"] == "LIKE"
    assert reaction["root"] == company_post
    assert reaction["created"]["time"] == int(clock().timestamp() * 1000)
    [comment] = comments["elements"]
    assert comment["actor"] == carol and comment["object"] == company_post
    assert comment["message"]["text"]
    unknown = session.get(
        "https://api.linkedin.com/rest/reactions/(entity:urn%3Ali%3Ashare%3A1)?q=entity"
    )
    assert unknown.json()["elements"] == []


def test_linkedin_engagers_of_a_sandbox_post_page_through_its_fans(
    app: Flask, state: SandboxState, clock: Clock
) -> None:
    session = li_session(app, li_token(state))
    urn = li_post(session, "alice", "Proud of the team").headers["x-restli-id"]
    clock.advance(days=30)
    url = f"https://api.linkedin.com/rest/reactions/(entity:{quote(urn, safe='')})?q=entity"

    first = session.get(url).json()  # LinkedIn's default page is 10

    assert first["paging"]["start"] == 0 and len(first["elements"]) == 10
    assert first["paging"]["total"] > 10
    second = session.get(f"{url}&start=10&count=10").json()
    assert second["elements"][0] != first["elements"][0]
    assert session.get(f"{url}&count=many").status_code == 400


def test_linkedin_engagers_need_community_management_access(
    app: Flask, state: SandboxState
) -> None:
    state.linkedin_metrics_access = False
    session = li_session(app, li_token(state))
    encoded = quote("urn:li:activity:1", safe="")
    for url in (
        f"https://api.linkedin.com/rest/reactions/(entity:{encoded})?q=entity",
        f"https://api.linkedin.com/rest/socialActions/{encoded}/comments",
    ):
        answer = session.get(url)
        assert answer.status_code == 403 and answer.json()["code"] == "ACCESS_DENIED"


# Mounting -----------------------------------------------------------------------------
def test_works_mounted_under_a_prefix(state: SandboxState) -> None:
    host = Flask("host")
    host.wsgi_app = DispatcherMiddleware(host.wsgi_app, {"/_sandbox": create_sandbox(state)})
    routes = with_prefix(X_ROUTES, "/_sandbox")
    handler = tweepy.OAuth2UserHandler(client_id="c", redirect_uri=X_CALLBACK, scope=X_SCOPES)
    mount_sandbox(handler, host, routes=routes)
    browser = host.test_client()
    page = browser.get(rewrite_url(handler.get_authorization_url(), routes))
    action = re.search(r"action='([^']+)'", page.text).group(1)
    assert action == "/_sandbox/x/i/oauth2/authorize"
    form = {"nonce": NONCE_RE.search(page.text).group(1), "decision": "allow"}
    back = browser.post(action, data={**form, "account": "dave"})
    token = handler.fetch_token(back.headers["Location"])
    client = tweepy.Client(bearer_token=token["access_token"])
    mount_sandbox(client.session, host, routes=routes)
    assert client.get_me(user_auth=False).data.username == "dave"


def test_engagement_is_zero_at_publish_and_monotonic() -> None:
    ages = [timedelta(minutes=m) for m in (0, 1, 5, 60, 600, 6000, 60000)]
    series = [engagement("1790000000000007919", 5000, age) for age in ages]
    assert series[0].impressions == 0 and series[0].likes == 0
    for before, after in zip(series, series[1:], strict=False):
        assert all(getattr(after, f) >= getattr(before, f) for f in vars(before))
    assert series == [engagement("1790000000000007919", 5000, age) for age in ages]


def test_a_state_file_is_shared_by_processes_and_survives_a_restart(tmp_path):
    from connectors.sandbox.state import SandboxState

    path = str(tmp_path / "sandbox.json")
    web = SandboxState(path=path)
    token = web.issue_access_token("x", "ann", ["tweet.read"])
    post = web.add_post("x", "ann", "hello")

    cli = SandboxState(path=path)  # another process, or the demo after a restart

    assert cli.access_token("x", token).handle == "ann"
    assert cli.post("x", post.id).text == "hello"
    cli.set_faults("x", revoked=True)
    assert web.access_token("x", token) is None


def test_recorded_engagement_is_kept_in_the_state_file(tmp_path):
    import json

    from connectors.sandbox.state import SandboxState

    path = tmp_path / "sandbox.json"
    web = SandboxState(path=str(path))
    web.engage("linkedin", "urn:li:activity:1", "ann", "comment")

    [engaged] = SandboxState(path=str(path)).engaged("linkedin", "urn:li:activity:1", "comment")
    assert engaged.handle == "ann" and engaged.at.tzinfo is not None

    older = json.loads(path.read_text())
    del older["engagements"]  # a file written before engagements were kept
    path.write_text(json.dumps(older))
    assert SandboxState(path=str(path)).engagements == {"x": {}, "linkedin": {}}

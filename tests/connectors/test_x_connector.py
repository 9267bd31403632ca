"""The X connector against exact HTTP exchanges (responses): OAuth with PKCE, refresh,
batched public metrics of any author, and every error mapped to ours."""

from __future__ import annotations

import base64
import hashlib
import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from connectors.base import (
    AuthExpired,
    AuthorizationRequest,
    PermanentError,
    RateLimited,
    Tokens,
    TransientError,
    Unavailable,
)
from connectors.settings import NetworkSettings
from connectors.x import API, TOKEN_URL, X

SETTINGS = NetworkSettings(
    client_id="cid",
    client_secret="secret",
    authorize_url="https://twitter.com/i/oauth2/authorize",
    retries=1,
)
TOKENS = Tokens("access-1", "refresh-1")
REDIRECT = "https://chorus.example.com/networks/x/callback"


def _tweets_url() -> str:
    return f"{API}/2/tweets"


def test_authorization_url_carries_pkce_state_and_scopes():
    request = X(SETTINGS).authorization_url(REDIRECT)
    query = parse_qs(urlsplit(request.url).query)
    assert query["client_id"] == ["cid"] and query["redirect_uri"] == [REDIRECT]
    assert query["state"] == [request.state]
    assert query["code_challenge_method"] == ["S256"]
    expected = base64.urlsafe_b64encode(hashlib.sha256(request.verifier.encode()).digest())
    assert query["code_challenge"] == [expected.rstrip(b"=").decode()]
    assert set(query["scope"][0].split()) >= {"tweet.write", "offline.access", "users.read"}


def test_a_wrong_state_is_refused_before_any_call():
    request = AuthorizationRequest("u", "expected-state", "verifier")
    with responses.RequestsMock() as mocked:  # no call registered: any call would fail
        with pytest.raises(PermanentError, match="does not match"):
            X(SETTINGS).exchange_code(request, f"{REDIRECT}?state=other&code=c", REDIRECT)
        assert len(mocked.calls) == 0


@responses.activate
def test_another_worker_finishes_the_sign_in_with_the_stored_state_and_verifier():
    first_worker = X(SETTINGS).authorization_url(REDIRECT)
    stored = AuthorizationRequest("", first_worker.state, first_worker.verifier)
    responses.post(
        TOKEN_URL,
        json={
            "token_type": "bearer",
            "expires_in": 7200,
            "access_token": "a",
            "refresh_token": "r",
            "scope": "tweet.read tweet.write",
        },
    )

    tokens = X(SETTINGS).exchange_code(
        stored, f"{REDIRECT}?state={stored.state}&code=the-code", REDIRECT
    )

    assert (tokens.access_token, tokens.refresh_token) == ("a", "r")
    assert tokens.expires_at is not None and "tweet.write" in tokens.scopes
    body = parse_qs(responses.calls[0].request.body)
    assert body["code"] == ["the-code"] and body["code_verifier"] == [stored.verifier]
    assert body["grant_type"] == ["authorization_code"]


@responses.activate
def test_refresh_stores_the_new_pair():
    responses.post(
        TOKEN_URL,
        json={
            "token_type": "bearer",
            "expires_in": 7200,
            "access_token": "a2",
            "refresh_token": "r2",
        },
    )
    tokens = X(SETTINGS).refresh(TOKENS)
    assert (tokens.access_token, tokens.refresh_token) == ("a2", "r2")
    body = parse_qs(responses.calls[0].request.body)
    assert body["grant_type"] == ["refresh_token"] and body["refresh_token"] == ["refresh-1"]


@responses.activate
def test_a_refused_refresh_means_reconnect():
    responses.post(
        TOKEN_URL,
        status=400,
        json={
            "error": "invalid_request",
            "error_description": "Value passed for the token was invalid.",
        },
    )
    with pytest.raises(AuthExpired):
        X(SETTINGS).refresh(TOKENS)


def _tweet(tweet_id: str) -> dict:
    item = {
        "id": tweet_id,
        "text": "t",
        "edit_history_tweet_ids": [tweet_id],
        "public_metrics": {
            "retweet_count": 1,
            "reply_count": 2,
            "like_count": 3,
            "quote_count": 4,
            "bookmark_count": 5,
            "impression_count": 60,
        },
    }
    return item


@responses.activate
def test_metrics_for_n_posts_take_ceil_n_over_100_calls():
    def answer(request):
        ids = parse_qs(urlsplit(request.url).query)["ids"][0].split(",")
        return 200, {}, json.dumps({"data": [_tweet(i) for i in ids]})

    responses.add_callback(responses.GET, _tweets_url(), callback=answer)
    ids = [str(n) for n in range(1, 251)]

    metrics = X(SETTINGS).metrics(TOKENS, ids)

    assert len(responses.calls) == 3
    asked = [parse_qs(urlsplit(c.request.url).query) for c in responses.calls]
    assert [len(a["ids"][0].split(",")) for a in asked] == [100, 100, 50]
    assert all(a["tweet.fields"] == ["public_metrics"] for a in asked)
    assert [m.remote_id for m in metrics] == ids
    first = metrics[0]
    assert (first.impressions, first.likes, first.comments, first.reshares) == (60, 3, 2, 1)
    assert (first.quotes, first.bookmarks) == (4, 5)
    # X does not give these with public metrics: unknown, not zero, and said why.
    assert first.members_reached is None and first.link_clicks is None
    assert "link clicks" in first.missing[0]


@responses.activate
def test_deleted_posts_are_reported_missing_not_zero():
    responses.get(
        _tweets_url(),
        json={
            "data": [_tweet("1")],
            "errors": [
                {
                    "value": "3",
                    "title": "Not Found Error",
                    "resource_id": "3",
                    "detail": "Could not find tweet with ids: [3].",
                },
            ],
        },
    )

    metrics = {m.remote_id: m for m in X(SETTINGS).metrics(TOKENS, ["1", "3"])}

    assert len(responses.calls) == 1
    assert metrics["1"].likes == 3
    assert metrics["3"].likes is None and "deleted" in metrics["3"].missing[0]


@pytest.mark.parametrize(
    ("status", "body", "headers", "error"),
    [
        (401, {"title": "Unauthorized", "status": 401, "detail": "Unauthorized"}, {}, AuthExpired),
        (403, {"title": "Forbidden", "status": 403, "detail": "Your app tier"}, {}, PermanentError),
        (
            429,
            {"title": "Too Many Requests", "status": 429},
            {"x-rate-limit-reset": "2000000000"},
            RateLimited,
        ),
        (503, {"title": "Service Unavailable", "status": 503}, {}, TransientError),
    ],
)
@responses.activate
def test_errors_become_our_own(status, body, headers, error):
    responses.get(f"{API}/2/users/me", status=status, json=body, headers=headers)
    with pytest.raises(error) as raised:
        X(SETTINGS).profile(TOKENS)
    if error is RateLimited:
        assert raised.value.reset_at.year == 2033
    if status == 503:
        assert len(responses.calls) == SETTINGS.retries + 1  # retried with backoff


@responses.activate
def test_timeouts_and_malformed_answers_are_transient():
    responses.get(f"{API}/2/users/me", body=requests.Timeout("slow"))
    with pytest.raises(TransientError):
        X(SETTINGS).profile(TOKENS)
    responses.replace(responses.GET, f"{API}/2/users/me", body='{"data": [', status=200)
    with pytest.raises(TransientError, match="could not read"):
        X(SETTINGS).profile(TOKENS)


@responses.activate
def test_profile_and_publish_use_the_bearer_token():
    responses.get(
        f"{API}/2/users/me",
        json={
            "data": {
                "id": "42",
                "name": "Ann",
                "username": "ann",
                "public_metrics": {"followers_count": 1234},
            }
        },
    )
    responses.post(_tweets_url(), status=201, json={"data": {"id": "99", "text": "Hi"}})
    x = X(SETTINGS)

    profile = x.profile(TOKENS)
    post = x.publish(TOKENS, "Hi", "share-1", link="https://c.example/l/abc")

    assert (profile.remote_id, profile.handle, profile.follower_count) == ("42", "ann", 1234)
    assert post.remote_id == "99" and post.url.endswith("/99")
    assert all(c.request.headers["Authorization"] == "Bearer access-1" for c in responses.calls)
    assert json.loads(responses.calls[1].request.body) == {"text": "Hi https://c.example/l/abc"}


@responses.activate
def test_a_publish_is_never_retried():
    responses.post(_tweets_url(), status=503, json={"title": "Service Unavailable"})
    with pytest.raises(TransientError):
        X(SETTINGS).publish(TOKENS, "Hello", "share-1")
    assert len(responses.calls) == 1  # the post may exist: no second try


@pytest.mark.parametrize(
    ("status", "headers", "error"),
    [
        (503, {}, TransientError),
        (429, {"x-rate-limit-reset": "2000000000"}, RateLimited),
        (401, {}, PermanentError),
    ],
)
@responses.activate
def test_token_endpoint_failures_are_named(status, headers, error):
    responses.post(TOKEN_URL, status=status, headers=headers, body="<html>down</html>")
    with pytest.raises(error):
        X(SETTINGS).refresh(TOKENS)


@pytest.mark.parametrize(
    ("failure", "reached"),
    [
        ({"status": 503, "json": {"title": "Service Unavailable"}}, False),  # never got there
        ({"status": 502, "json": {"title": "Bad Gateway"}}, False),
        ({"status": 500, "json": {"title": "Internal Error"}}, True),  # it may exist
        ({"body": requests.ConnectTimeout("connect timed out")}, False),
        ({"body": requests.ReadTimeout("read timed out")}, True),
    ],
)
@responses.activate
def test_a_failed_publish_says_whether_it_may_have_reached_x(failure, reached):
    responses.post(f"{API}/2/tweets", **failure)

    with pytest.raises(Unavailable) as raised:
        X(SETTINGS).publish(TOKENS, "Hello", "key-1")

    assert raised.value.reached is reached
    assert len(responses.calls) == 1  # a publish is never retried in place

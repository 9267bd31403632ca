"""The LinkedIn connector against exact HTTP exchanges (responses)."""

from __future__ import annotations

import json
import math
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest
import responses

from connectors.base import (
    AuthExpired,
    AuthorizationRequest,
    Capability,
    PermanentError,
    RateLimited,
    Tokens,
    Unavailable,
)
from connectors.linkedin import ANALYTICS as ANALYTICS_TYPES
from connectors.linkedin import API, OAUTH, SOCIAL_BATCH, LinkedIn
from connectors.settings import NetworkSettings

SETTINGS = NetworkSettings(
    client_id="cid", client_secret="secret", authorize_url="", api_version="202510", retries=0
)
TOKENS = Tokens("li-token")
REDIRECT = "https://chorus.example.com/networks/linkedin/callback"
ANALYTICS = f"{API}/rest/memberCreatorPostAnalytics"
OLD_METRIC_TYPE = "com.linkedin.adsexternalapi.memberanalytics.v1.CreatorPostAnalyticsMetricTypeV1"


def test_authorization_url_keeps_the_state_it_was_given():
    request = LinkedIn(SETTINGS).authorization_url(REDIRECT)
    query = parse_qs(urlsplit(request.url).query)
    assert request.url.startswith(f"{OAUTH}/authorization?")
    assert query["state"] == [request.state] and query["redirect_uri"] == [REDIRECT]
    assert set(query["scope"][0].split()) == {"openid", "profile", "email", "w_member_social"}


@responses.activate
def test_the_code_is_exchanged_with_a_form_post():
    responses.post(
        f"{OAUTH}/accessToken",
        json={
            "access_token": "t",
            "expires_in": 5184000,
            "scope": "openid,profile,email,w_member_social",
        },
    )
    request = AuthorizationRequest("", "s1")
    tokens = LinkedIn(SETTINGS).exchange_code(request, f"{REDIRECT}?code=c&state=s1", REDIRECT)
    assert tokens.access_token == "t" and tokens.refresh_token is None
    assert "w_member_social" in tokens.scopes
    body = parse_qs(responses.calls[0].request.body)
    assert body["code"] == ["c"] and body["client_secret"] == ["secret"]
    with pytest.raises(PermanentError, match="does not match"):
        LinkedIn(SETTINGS).exchange_code(request, f"{REDIRECT}?code=c&state=evil", REDIRECT)


@responses.activate
def test_calls_carry_bearer_version_and_restli_headers_and_no_token_in_the_url():
    responses.get(
        f"{API}/v2/userinfo", json={"sub": "abc", "name": "Ann Lee", "email": "ann@example.com"}
    )
    responses.get(
        f"{API}/rest/memberFollowersCount", json={"elements": [{"memberFollowersCount": 812}]}
    )

    profile = LinkedIn(SETTINGS).profile(TOKENS)

    assert (profile.remote_id, profile.follower_count) == ("abc", 812)
    for call in responses.calls:
        assert call.request.headers["Authorization"] == "Bearer li-token"
        assert call.request.headers["LinkedIn-Version"] == "202510"
        assert call.request.headers["X-Restli-Protocol-Version"] == "2.0.0"
        assert "li-token" not in call.request.url


@responses.activate
def test_followers_without_permission_are_unknown_not_zero():
    responses.get(f"{API}/v2/userinfo", json={"sub": "abc", "name": "Ann"})
    responses.get(
        f"{API}/rest/memberFollowersCount",
        status=403,
        json={"status": 403, "code": "ACCESS_DENIED", "message": "Not enough"},
    )
    assert LinkedIn(SETTINGS).profile(TOKENS).follower_count is None


@responses.activate
def test_publish_returns_the_urn_from_the_restli_header():
    responses.get(f"{API}/v2/userinfo", json={"sub": "abc"})
    responses.post(f"{API}/rest/posts", status=201, headers={"x-restli-id": "urn:li:share:7"})

    post = LinkedIn(SETTINGS).publish(
        TOKENS, "Proud of the team #employee", "k1", link="https://c.example/l/x"
    )

    body = json.loads(responses.calls[1].request.body)
    assert body["author"] == "urn:li:person:abc" and body["lifecycleState"] == "PUBLISHED"
    assert body["content"]["article"]["source"] == "https://c.example/l/x"
    assert post.remote_id == "urn:li:share:7" and "urn:li:share:7" in post.url


SOCIAL = f"{API}/rest/socialMetadata"
DENIED = {"status": 403, "code": "ACCESS_DENIED", "message": "Not enough permissions"}


def social_body(urn, likes=15, comments=4):
    return {
        "reactionSummaries": {
            "LIKE": {"reactionType": "LIKE", "count": likes},
            "PRAISE": {"reactionType": "PRAISE", "count": 5},
        },
        "commentSummary": {"count": comments, "topLevelCount": comments},
        "entity": urn,
    }


def analytics_answer(request):
    kind = parse_qs(urlsplit(request.url).query)["queryType"][0]
    counts = {"IMPRESSION": 500, "MEMBERS_REACHED": 300, "RESHARE": 2}
    return 200, {}, json.dumps({"elements": [{"count": counts[kind], "metricType": kind}]})


def social_calls():
    return [c for c in responses.calls if c.request.url.startswith(f"{SOCIAL}?")]


@pytest.mark.parametrize("shape", ["string", "object"])
@responses.activate
def test_metrics_read_social_metadata_and_both_analytics_shapes(shape):
    responses.get(
        SOCIAL,
        json={
            "results": {"urn:li:share:7": social_body("urn:li:share:7")},
            "statuses": {"urn:li:share:7": 200},
            "errors": {},
        },
    )

    def answer(request):
        kind = parse_qs(urlsplit(request.url).query)["queryType"][0]
        metric = kind if shape == "string" else {OLD_METRIC_TYPE: kind}
        counts = {"IMPRESSION": 500, "MEMBERS_REACHED": 300, "RESHARE": 2}
        return 200, {}, json.dumps({"elements": [{"count": counts[kind], "metricType": metric}]})

    responses.add_callback(responses.GET, ANALYTICS, callback=answer)

    [metrics] = LinkedIn(SETTINGS).metrics(TOKENS, ["urn:li:share:7"])

    assert (metrics.impressions, metrics.members_reached, metrics.likes) == (500, 300, 20)
    assert (metrics.comments, metrics.reshares, metrics.link_clicks) == (4, 2, None)
    assert metrics.missing == ()
    assert responses.calls[0].request.url == f"{SOCIAL}?ids=List(urn%3Ali%3Ashare%3A7)"
    entity = parse_qs(urlsplit(responses.calls[1].request.url).query)["entity"][0]
    assert entity == "(share:urn:li:share:7)"


@responses.activate
def test_many_posts_cost_one_social_metadata_call_per_50_plus_their_analytics():
    def batch_answer(request):
        listed = urlsplit(request.url).query.removeprefix("ids=List(").removesuffix(")")
        results = {}
        for key in listed.split(","):  # Rest.li 2.0 answers with the keys encoded, as sent
            urn = unquote(key)
            results[key] = social_body(urn, likes=int(urn.rsplit(":", 1)[1]))
        return 200, {}, json.dumps({"results": results, "statuses": {}, "errors": {}})

    responses.add_callback(responses.GET, SOCIAL, callback=batch_answer)
    responses.add_callback(responses.GET, ANALYTICS, callback=analytics_answer)
    urns = [f"urn:li:{'ugcPost' if n % 2 else 'share'}:{n}" for n in range(1, 121)]

    found = LinkedIn(SETTINGS).metrics(TOKENS, [*urns, urns[0], urns[60]])

    assert [m.remote_id for m in found] == urns  # in order, each once
    assert [m.likes for m in found] == [n + 5 for n in range(1, 121)]
    assert all(m.impressions == 500 and m.comments == 4 and m.missing == () for m in found)
    batches = social_calls()
    assert len(batches) == math.ceil(len(urns) / SOCIAL_BATCH) == 3
    assert len(responses.calls) == len(batches) + len(ANALYTICS_TYPES) * len(urns)
    for batch, start in zip(batches, range(0, len(urns), SOCIAL_BATCH), strict=True):
        ids = ",".join(quote(urn, safe="") for urn in urns[start : start + SOCIAL_BATCH])
        assert batch.request.url == f"{SOCIAL}?ids=List({ids})"
    assert batches[0].request.url.startswith(
        f"{SOCIAL}?ids=List(urn%3Ali%3AugcPost%3A1,urn%3Ali%3Ashare%3A2,"
    )


@responses.activate
def test_a_post_in_the_batch_errors_is_deleted_or_restricted_and_the_others_are_read():
    urns = ["urn:li:share:1", "urn:li:ugcPost:2", "urn:li:share:3", "urn:li:share:4"]
    responses.get(
        SOCIAL,
        json={
            "results": {"urn:li:share:1": social_body("urn:li:share:1", likes=10)},
            "statuses": {"urn:li:share:1": 200},
            "errors": {
                "urn%3Ali%3AugcPost%3A2": {"status": 404, "message": "Not found"},
                "urn:li:share:3": {"status": 403, "message": "Not enough permissions"},
            },  # urn:li:share:4 is in neither: not found either
        },
    )
    responses.add_callback(responses.GET, ANALYTICS, callback=analytics_answer)

    one, two, three, four = LinkedIn(SETTINGS).metrics(TOKENS, urns)

    assert (one.likes, one.comments, one.impressions, one.missing) == (15, 4, 500, ())
    assert (two.likes, two.impressions, two.missing) == (None, None, ("deleted or not found",))
    assert four.missing == ("deleted or not found",)
    assert three.likes is None and three.comments is None and three.impressions == 500
    assert len(three.missing) == 1 and "likes and comments" in three.missing[0]
    entities = [parse_qs(urlsplit(c.request.url).query)["entity"][0] for c in responses.calls[1:]]
    assert sorted(set(entities)) == ["(share:urn:li:share:1)", "(share:urn:li:share:3)"]


@responses.activate
def test_metrics_without_permission_are_unknown_and_say_why():
    responses.get(SOCIAL, status=403, json=DENIED)
    responses.get(ANALYTICS, status=403, json=DENIED)
    found = LinkedIn(SETTINGS).metrics(TOKENS, ["urn:li:share:7", "urn:li:ugcPost:8"])
    for metrics in found:
        assert metrics.impressions is None and metrics.likes is None and metrics.comments is None
        assert len(metrics.missing) == 2 and all("r_member_social" in m for m in metrics.missing)
    assert len(social_calls()) == 1


@responses.activate
def test_a_deleted_post_is_said_to_be_deleted():
    responses.get(SOCIAL, status=404, json={"status": 404, "message": "Not found"})
    [metrics] = LinkedIn(SETTINGS).metrics(TOKENS, ["urn:li:share:7"])
    assert metrics.likes is None and metrics.missing == ("deleted or not found",)
    assert len(responses.calls) == 1


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ({"status": 401, "json": {"status": 401, "message": "Invalid access token"}}, AuthExpired),
        ({"status": 429, "json": {"status": 429, "message": "throttled"}}, RateLimited),
        ({"status": 503, "json": {"status": 503, "message": "down"}}, Unavailable),
        ({"json": {"results": {}, "errors": {"urn:li:share:7": {"status": 500}}}}, Unavailable),
        ({"json": {"results": {}, "errors": {"urn:li:share:7": {"status": 429}}}}, RateLimited),
    ],
)
@responses.activate
def test_other_social_metadata_failures_become_our_own(answer, error):
    responses.get(SOCIAL, **answer)
    with pytest.raises(error):
        LinkedIn(SETTINGS).metrics(TOKENS, ["urn:li:share:7"])


@responses.activate
def test_api_base_urls_from_settings_reach_a_sandbox_run_apart():
    apart = NetworkSettings(
        client_id="c",
        client_secret="s",
        authorize_url="",
        retries=0,
        base_urls={f"{API}/": "http://127.0.0.1:8765/linkedin"},
    )
    responses.get("http://127.0.0.1:8765/linkedin/v2/userinfo", json={"sub": "abc", "name": "A"})
    responses.get(
        "http://127.0.0.1:8765/linkedin/rest/memberFollowersCount",
        json={"elements": [{"memberFollowersCount": 3}]},
    )
    assert LinkedIn(apart).profile(TOKENS).follower_count == 3


@pytest.mark.parametrize(
    ("status", "headers", "error"),
    [(401, {}, AuthExpired), (429, {"Retry-After": "60"}, RateLimited), (422, {}, PermanentError)],
)
@responses.activate
def test_errors_become_our_own(status, headers, error):
    responses.get(
        f"{API}/v2/userinfo",
        status=status,
        headers=headers,
        json={"status": status, "message": "nope"},
    )
    with pytest.raises(error):
        LinkedIn(SETTINGS).profile(TOKENS)


def test_capabilities_say_what_is_missing_and_why():
    missing = LinkedIn.capabilities.missing
    assert Capability.REFRESH in missing and Capability.ENGAGERS not in missing
    assert Capability.ENGAGERS in LinkedIn.capabilities.available
    with pytest.raises(AuthExpired):
        LinkedIn(SETTINGS).refresh(TOKENS)


ACTIVITY = "urn:li:activity:9"
REACTIONS = f"{API}/rest/reactions/(entity:urn%3Ali%3Aactivity%3A9)"
COMMENTS = f"{API}/rest/socialActions/urn%3Ali%3Aactivity%3A9/comments"


@responses.activate
def test_engagers_are_the_members_who_reacted_or_commented():
    responses.get(
        REACTIONS,
        json={
            "paging": {"start": 0, "count": 100, "total": 3},
            "elements": [
                {
                    "reactionType": "LIKE",
                    "root": ACTIVITY,
                    "created": {"actor": "urn:li:person:a1"},
                },
                {"reactionType": "PRAISE", "created": {"actor": "urn:li:person:b2"}},
                {"reactionType": "LIKE", "created": {"actor": "urn:li:organization:5"}},
            ],
        },
    )
    responses.get(
        COMMENTS,
        json={
            "elements": [
                {"actor": "urn:li:person:a1", "object": ACTIVITY, "message": {"text": "Nice"}},
                {"actor": "urn:li:organization:5", "message": {"text": "Thanks"}},
            ]
        },
    )

    found = LinkedIn(SETTINGS).engagers(TOKENS, ACTIVITY)

    assert [(e.remote_id, e.action) for e in found] == [
        ("a1", "like"),
        ("b2", "like"),  # every reaction counts as a like
        ("a1", "comment"),
    ]
    reactions = parse_qs(urlsplit(responses.calls[0].request.url).query)
    assert reactions == {"q": ["entity"], "count": ["100"]}
    assert "li-token" not in responses.calls[0].request.url


@responses.activate
def test_engagers_without_community_management_access_say_what_the_admin_can_do():
    denied = {"status": 403, "code": "ACCESS_DENIED", "message": "Not enough permissions"}
    responses.get(REACTIONS, status=403, json=denied)

    with pytest.raises(PermanentError, match="Community Management API") as refused:
        LinkedIn(SETTINGS).engagers(TOKENS, ACTIVITY)

    assert "developer portal" in str(refused.value)


@responses.activate
def test_timeouts_5xx_and_malformed_answers_are_transient():
    import requests

    from connectors.base import TransientError

    responses.get(f"{API}/v2/userinfo", body=requests.Timeout("slow"))
    with pytest.raises(TransientError):
        LinkedIn(SETTINGS).profile(TOKENS)
    responses.replace(
        responses.GET,
        f"{API}/v2/userinfo",
        status=503,
        json={"status": 503, "message": "Service Unavailable"},
    )
    with pytest.raises(TransientError):
        LinkedIn(SETTINGS).profile(TOKENS)
    responses.replace(responses.GET, f"{API}/v2/userinfo", body="{not json", status=200)
    with pytest.raises(TransientError, match="could not read"):
        LinkedIn(SETTINGS).profile(TOKENS)


@responses.activate
def test_a_post_is_never_retried():
    from connectors.base import TransientError

    retrying = NetworkSettings(client_id="c", client_secret="s", authorize_url="", retries=2)
    responses.get(f"{API}/v2/userinfo", json={"sub": "abc"})
    responses.post(f"{API}/rest/posts", status=504, json={"status": 504, "message": "timeout"})
    with pytest.raises(TransientError):
        LinkedIn(retrying).publish(TOKENS, "Hello", "k")
    assert sum(call.request.method == "POST" for call in responses.calls) == 1


def test_commentary_escapes_little_text_but_keeps_links_and_hashtags():
    from connectors.linkedin import little_text

    text = "Proud (really) of team_a @work #employee https://c.example/a_b(c) ~*[]{}<>| \\"
    assert little_text(text) == (
        r"Proud \(really\) of team\_a \@work #employee https://c.example/a_b(c) "
        r"\~\*\[\]\{\}\<\>\| \\"
    )

"""The X API v2 subset Chorus uses, under `/x`: OAuth 2.0 with PKCE, users/me, tweets."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, g, jsonify, redirect, request
from werkzeug.wrappers import Response as BaseResponse

from connectors.sandbox import (
    DEFAULT_HANDLE,
    authorize_problem,
    begin_authorization,
    delay_request,
    error_page,
    finish_authorization,
    guarded_api,
    sandbox_state,
    with_query,
)
from connectors.sandbox.state import AccessToken, Post, sandbox_user, stable_hash

NETWORK = "x"
AUTH_SCHEME = "bearer"
blueprint = Blueprint("sandbox_x", __name__, url_prefix="/x")
PROBLEMS = "https://api.twitter.com/2/problems/"
MAX_TWEET_LENGTH = 280
URL_RE = re.compile(r"https?://\S+")
TWEET_FIELDS = {
    "attachments", "author_id", "context_annotations", "conversation_id", "created_at",
    "edit_controls", "entities", "geo", "id", "in_reply_to_user_id", "lang",
    "non_public_metrics", "organic_metrics", "possibly_sensitive", "promoted_metrics",
    "public_metrics", "referenced_tweets", "reply_settings", "source", "text", "withheld",
}  # fmt: skip
USER_FIELDS = {
    "created_at", "description", "entities", "id", "location", "name", "pinned_tweet_id",
    "profile_image_url", "protected", "public_metrics", "url", "username", "verified",
    "verified_type", "withheld",
}  # fmt: skip
METRIC_FIELDS = {  # X's metric name -> Engagement attribute, per tweet field
    "public_metrics": {
        "retweet_count": "reshares", "reply_count": "comments", "like_count": "likes",
        "quote_count": "quotes", "bookmark_count": "bookmarks", "impression_count": "impressions",
    },
    "non_public_metrics": {
        "impression_count": "impressions", "url_link_clicks": "link_clicks",
        "user_profile_clicks": "profile_clicks",
    },
    "organic_metrics": {
        "impression_count": "impressions", "like_count": "likes", "reply_count": "comments",
        "retweet_count": "reshares", "url_link_clicks": "link_clicks",
        "user_profile_clicks": "profile_clicks",
    },
}  # fmt: skip
PRIVATE_FIELDS = ("non_public_metrics", "organic_metrics")
PRIVATE_METRICS_WINDOW = timedelta(days=30)
INVALID_CODE = "Value passed for the authorization code was invalid."


class InvalidRequest(Exception):
    """A 400 "Invalid Request" problem, as X returns for bad parameters."""


@blueprint.errorhandler(InvalidRequest)
def _invalid_request(exc: InvalidRequest) -> tuple[Response, int]:
    return jsonify(
        errors=[{"message": str(exc)}],
        title="Invalid Request",
        detail="One or more parameters to your request was invalid.",
        type=f"{PROBLEMS}invalid-request",
    ), 400


def _problem(status: int, title: str) -> tuple[Response, int]:
    return jsonify(title=title, type="about:blank", status=status, detail=title), status


@blueprint.before_request
def _latency() -> None:
    delay_request(NETWORK)


@blueprint.after_request
def _rate_limit_headers(response: Response) -> Response:
    if "rate" in g:
        limit, remaining, reset = g.rate
        response.headers["x-rate-limit-limit"] = str(limit)
        response.headers["x-rate-limit-remaining"] = str(max(remaining, 0))
        response.headers["x-rate-limit-reset"] = str(reset)
    return response


def _reject(problem: str) -> tuple[Response, int]:
    status, title = {
        "unauthorized": (401, "Unauthorized"),
        "forbidden": (403, "Forbidden"),
        "rate_limited": (429, "Too Many Requests"),
        "unavailable": (503, "Service Unavailable"),
    }[problem]
    return _problem(status, title)


def api(*, scopes: set[str], limit: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return guarded_api(NETWORK, scopes=scopes, limit=limit, reject=_reject)


# OAuth 2.0 ---------------------------------------------------------------------------
@blueprint.get("/i/oauth2/authorize")
def authorize() -> Any:
    """Consent page (or, with auto-approve, a straight redirect back with a code)."""
    args = request.args
    required = ("client_id", "redirect_uri", "scope", "state")
    problem = authorize_problem(args, required=required, pkce=True)
    if problem:
        return error_page(problem)
    params = {k: args.get(k, "") for k in ("client_id", "redirect_uri", "scope", "state")}
    params["code_challenge"] = args["code_challenge"]
    handle = args.get("login_hint") or DEFAULT_HANDLE
    return begin_authorization(network="X", params=params, handle=handle, approve=_approve)


def _approve(params: dict[str, str], handle: str) -> BaseResponse:
    code = sandbox_state().issue_code(
        NETWORK,
        client_id=params["client_id"],
        redirect_uri=params["redirect_uri"],
        scopes=tuple(params["scope"].split()),
        handle=handle,
        code_challenge=params["code_challenge"],
    )
    return redirect(with_query(params["redirect_uri"], {"state": params["state"], "code": code}))


@blueprint.post("/i/oauth2/authorize")
def decide() -> Any:
    return finish_authorization(
        network="X",
        approve=_approve,
        denial=lambda params: {"error": "access_denied", "state": params["state"]},
    )


def _oauth_error(error: str, description: str) -> tuple[Response, int]:
    return jsonify(error=error, error_description=description), 400


@blueprint.post("/2/oauth2/token")
def token() -> Any:
    """Authorization code (with PKCE) and refresh token grants; refresh tokens rotate."""
    form = request.form
    basic = request.authorization
    client_id = form.get("client_id") or (basic.username if basic else None)
    if not client_id:
        return _oauth_error("invalid_request", "Missing required parameter [client_id].")
    state = sandbox_state()
    if form.get("grant_type") == "authorization_code":
        grant = state.redeem_code(NETWORK, form.get("code", ""))
        verifier = form.get("code_verifier", "")
        if (
            grant is None
            or grant.client_id != client_id
            or grant.redirect_uri != form.get("redirect_uri")
            or _challenge(verifier) != grant.code_challenge
        ):
            return _oauth_error("invalid_request", INVALID_CODE)
        handle, scopes = grant.handle, grant.scopes
    elif form.get("grant_type") == "refresh_token":
        refresh = state.use_refresh_token(form.get("refresh_token", ""), client_id)
        if refresh is None:
            return _oauth_error("invalid_request", "Value passed for the token was invalid.")
        handle, scopes = refresh.handle, refresh.scopes
    else:
        return _oauth_error("unsupported_grant_type", "Unsupported grant type.")
    body: dict[str, Any] = {
        "token_type": AUTH_SCHEME,
        "expires_in": 7200,
        "access_token": state.issue_access_token(NETWORK, handle, scopes, client_id=client_id),
        "scope": " ".join(scopes),
    }
    if "offline.access" in scopes:
        body["refresh_token"] = state.issue_refresh_token(handle, scopes, client_id)
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


def _challenge(verifier: str) -> str | None:
    if not 43 <= len(verifier) <= 128:
        return None
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


# Resources ---------------------------------------------------------------------------
def _fields(name: str, allowed: set[str]) -> set[str]:
    requested = {f for f in request.args.get(name, "").split(",") if f}
    unknown = sorted(requested - allowed)
    if unknown:
        raise InvalidRequest(
            f"The `{name}` query parameter value [{unknown[0]}] is not one of "
            f"[{','.join(sorted(allowed))}]"
        )
    return requested


def _user_json(handle: str, fields: set[str]) -> dict[str, Any]:
    user = sandbox_user(handle)
    data: dict[str, Any] = {"id": user.x_id, "name": user.name, "username": user.handle}
    if "public_metrics" in fields:
        seed = stable_hash("x-profile", handle.lower())
        own = [p for p in sandbox_state().posts[NETWORK].values() if p.author == handle]
        data["public_metrics"] = {
            "followers_count": user.followers,
            "following_count": 20 + seed % 1500,
            "tweet_count": 100 + seed % 4000 + len(own),
            "listed_count": seed % 40,
        }
    return data


@blueprint.get("/2/users/me")
@api(scopes={"tweet.read", "users.read"}, limit=75)
def users_me(grant: AccessToken) -> Any:
    return jsonify(data=_user_json(grant.handle, _fields("user.fields", USER_FIELDS)))


@blueprint.post("/2/tweets")
@api(scopes={"tweet.read", "tweet.write", "users.read"}, limit=200)
def create_tweet(grant: AccessToken) -> Any:
    body = request.get_json(silent=True)
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise InvalidRequest("Post text is required and must be a non-empty string.")
    if len(URL_RE.sub("x" * 23, text)) > MAX_TWEET_LENGTH:
        raise InvalidRequest("Your Tweet text is too long.")
    state = sandbox_state()
    cutoff = state.now() - timedelta(hours=24)
    if any(
        p.author == grant.handle and p.text == text and p.created_at > cutoff
        for p in state.posts[NETWORK].values()
    ):
        detail = "You are not allowed to create a Tweet with duplicate content."
        return jsonify(title="Forbidden", type="about:blank", status=403, detail=detail), 403
    post = state.add_post(NETWORK, grant.handle, text)
    return jsonify(data={"id": post.id, "text": text, "edit_history_tweet_ids": [post.id]}), 201


@blueprint.get("/2/tweets")
@api(scopes={"tweet.read", "users.read"}, limit=900)
def lookup_tweets(grant: AccessToken) -> Any:
    ids = [i for i in request.args.get("ids", "").split(",") if i]
    if not 1 <= len(ids) <= 100:
        raise InvalidRequest(
            f"The number of values in the `ids` query parameter list [{len(ids)}] "
            "is not between 1 and 100"
        )
    for tweet_id in ids:
        if not tweet_id.isdigit():
            raise InvalidRequest(f"The `ids` query parameter value [{tweet_id}] is not valid")
    fields = _fields("tweet.fields", TWEET_FIELDS)
    private = [f for f in PRIVATE_FIELDS if f in fields]
    state = sandbox_state()
    data: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for tweet_id in ids:
        post = state.post(NETWORK, tweet_id)
        if post is None:
            errors.append(_not_found(tweet_id))
        elif private and not _may_see_private(grant, post):
            errors.append(_field_authorization_error(tweet_id, private[0]))
        else:
            data.append(_tweet_json(post, fields))
    body: dict[str, Any] = {"data": data} if data else {}
    if errors:
        body["errors"] = errors
    return jsonify(body)


@blueprint.get("/2/users/<user_id>/tweets")
@api(scopes={"tweet.read", "users.read"}, limit=900)
def user_tweets(grant: AccessToken, user_id: str) -> Any:
    """The user's timeline, newest first, one page of `max_results` (5 to 100); the
    sandbox knows a handle from its token only, so another user's timeline is empty."""
    if not user_id.isdigit():
        raise InvalidRequest(f"The `id` query parameter value [{user_id}] is not valid")
    count = request.args.get("max_results", "10")
    if not count.isdigit() or not 5 <= int(count) <= 100:
        raise InvalidRequest("The `max_results` query parameter value is not between 5 and 100")
    handle = grant.handle if sandbox_user(grant.handle).x_id == user_id else None
    mine = sandbox_state().posts_by(NETWORK, handle) if handle else []
    fields = _fields("tweet.fields", TWEET_FIELDS)
    data = [_tweet_json(post, fields) for post in mine[: int(count)]]
    meta: dict[str, Any] = {"result_count": len(data)}
    if data:
        meta |= {"newest_id": data[0]["id"], "oldest_id": data[-1]["id"]}
    return jsonify({"data": data, "meta": meta} if data else {"meta": meta})


def _may_see_private(grant: AccessToken, post: Post) -> bool:
    state = sandbox_state()
    return post.author == grant.handle and state.now() - post.created_at < PRIVATE_METRICS_WINDOW


def _not_found(tweet_id: str) -> dict[str, str]:
    detail = f"Could not find tweet with ids: [{tweet_id}]."
    return _tweet_error(tweet_id, "Not Found Error", detail, "ids", "resource-not-found")


def _field_authorization_error(tweet_id: str, field: str) -> dict[str, str]:
    detail = f"Sorry, you are not authorized to access '{field}' on the Tweet with ids: {tweet_id}."
    title = "Field Authorization Error"
    return _tweet_error(tweet_id, title, detail, field, "not-authorized-for-field")


def _tweet_error(tweet_id: str, title: str, detail: str, parameter: str, kind: str) -> dict:
    return {
        "value": tweet_id,
        "detail": detail,
        "title": title,
        "resource_type": "tweet",
        "parameter": parameter,
        "resource_id": tweet_id,
        "type": f"{PROBLEMS}{kind}",
    }


def _tweet_json(post: Post, fields: set[str]) -> dict[str, Any]:
    item: dict[str, Any] = {"id": post.id, "text": post.text, "edit_history_tweet_ids": [post.id]}
    if "created_at" in fields:
        item["created_at"] = post.created_at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if "author_id" in fields:
        item["author_id"] = sandbox_user(post.author).x_id
    counts = sandbox_state().engagement_of(post)
    for field, names in METRIC_FIELDS.items():
        if field in fields:
            item[field] = {name: getattr(counts, attr) for name, attr in names.items()}
    return item


def _engagers(tweet_id: str, action: str, count_of: Callable[[Any], int]) -> list[str]:
    """Who did `action`: the handles recorded with `SandboxState.engage` first (any post,
    also one the sandbox never saw), then, on the sandbox's own posts, synthetic fans as
    many as its figures say; at most 100, as one page of X's answer."""
    state = sandbox_state()
    handles = [e.handle for e in state.engaged(NETWORK, tweet_id, action)]
    post = state.post(NETWORK, tweet_id)
    if post is not None:
        count = min(count_of(state.engagement_of(post)), 100)
        handles += [f"fan{stable_hash(action, tweet_id, str(i)) % 10**8:08d}" for i in range(count)]
    return list(dict.fromkeys(handles))[:100]


def _listing(items: list[dict[str, Any]]) -> Response:
    if not items:
        return jsonify(meta={"result_count": 0})
    return jsonify(data=items, meta={"result_count": len(items)})


@blueprint.get("/2/tweets/<tweet_id>/liking_users")
@api(scopes={"tweet.read", "users.read", "like.read"}, limit=75)
def liking_users(grant: AccessToken, tweet_id: str) -> Any:
    handles = _engagers(tweet_id, "like", lambda e: e.likes)
    return _listing([_user_json(h, set()) for h in handles])


@blueprint.get("/2/tweets/<tweet_id>/retweeted_by")
@api(scopes={"tweet.read", "users.read"}, limit=75)
def retweeted_by(grant: AccessToken, tweet_id: str) -> Any:
    handles = _engagers(tweet_id, "reshare", lambda e: e.reshares)
    return _listing([_user_json(h, set()) for h in handles])


@blueprint.get("/2/tweets/<tweet_id>/quote_tweets")
@api(scopes={"tweet.read", "users.read"}, limit=75)
def quote_tweets(grant: AccessToken, tweet_id: str) -> Any:
    items = []
    for handle in _engagers(tweet_id, "quote", lambda e: e.quotes):
        quote_id = str(1_800_000_000_000_000_000 + stable_hash("quote", tweet_id, handle) % 10**17)
        items.append(
            {
                "id": quote_id,
                "text": f"Worth a read https://twitter.com/i/status/{tweet_id}",
                "author_id": sandbox_user(handle).x_id,
                "edit_history_tweet_ids": [quote_id],
            }
        )
    return _listing(items)

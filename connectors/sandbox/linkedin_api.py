"""The LinkedIn subset Chorus uses, under `/linkedin`: OAuth, userinfo, posts, metrics, and
who reacted to or commented on a post."""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote, unquote

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
from connectors.sandbox.state import AccessToken, Engaged, Post, sandbox_user, stable_hash

NETWORK = "linkedin"
AUTH_SCHEME = "Bearer"
blueprint = Blueprint("sandbox_linkedin", __name__, url_prefix="/linkedin")
TOKEN_SECONDS = 60 * 24 * 3600
MAX_COMMENTARY = 3000
VERSION_RE = re.compile(r"^(\d{6})(\.\d{2})?$")
STRING_METRIC_TYPE_SINCE = "202506"
METRIC_TYPE_KEY = "com.linkedin.adsexternalapi.memberanalytics.v1.CreatorPostAnalyticsMetricTypeV1"
ENTITY_RE = re.compile(r"^\((share|ugc):(urn%3Ali%3A(?:share|ugcPost)%3A(\d+))\)$")
URN_RE = re.compile(r"^urn:li:(?:share|ugcPost):(\d+)$")
POST_URN_RE = re.compile(r"^urn:li:(?:share|ugcPost|activity):\d+$")
REACTIONS_KEY_RE = re.compile(r"^\(entity:(urn:li:[A-Za-z]+:\d+)\)$")
MAX_PAGE = 100
BATCH_IDS_RE = re.compile(r"^List\(([^()]+)\)$")
MAX_QUERY = 4096  # LinkedIn answers 414 to a longer query string
REACTION_SHARES = (
    ("LIKE", 0.7),
    ("PRAISE", 0.12),
    ("EMPATHY", 0.08),
    ("INTEREST", 0.05),
    ("APPRECIATION", 0.03),
    ("ENTERTAINMENT", 0.02),
)
THROTTLED = "Resource level throttle APPLICATION DAY limit for calls to this resource is reached."
BAD_CODE = "The provided authorization grant or refresh token is invalid, expired or revoked."
MISMATCH = (
    "Unable to retrieve access token: appid/redirect uri/code verifier does not match "
    "authorization code. Or authorization code expired."
)


def _error(status: int, message: str, **extra: Any) -> tuple[Response, int]:
    return jsonify(status=status, **extra, message=message), status


def _access_denied(message: str) -> tuple[Response, int]:
    return _error(403, message, serviceErrorCode=100, code="ACCESS_DENIED")


def _reject(problem: str) -> tuple[Response, int]:
    if problem == "unauthorized":
        return _error(
            401, "Invalid access token", serviceErrorCode=65600, code="INVALID_ACCESS_TOKEN"
        )
    if problem == "forbidden":
        return _access_denied(f"Not enough permissions to access: {request.endpoint}")
    if problem == "rate_limited":
        limit = (
            "Resource level throttle APPLICATION DAY limit for calls to this resource is reached."
        )
        return _error(429, limit)
    return _error(503, "Service Unavailable")


def _rest_headers() -> tuple[Response, int] | None:
    """The versioned /rest API needs LinkedIn-Version and Rest.li protocol 2.0.0."""
    version = request.headers.get("LinkedIn-Version")
    if not version:
        return _error(
            400,
            "A version must be present. Please specify a version by adding the "
            "LinkedIn-Version header.",
            code="VERSION_MISSING",
        )
    if not VERSION_RE.match(version):
        return _error(426, f"Requested version {version} is not active", code="NONEXISTENT_VERSION")
    if request.headers.get("X-Restli-Protocol-Version") != "2.0.0":
        return _error(400, "This sandbox expects the header X-Restli-Protocol-Version: 2.0.0.")
    return None


def api(*, scopes: set[str], rest: bool = True) -> Callable[[Callable], Callable]:
    precheck = _rest_headers if rest else None
    return guarded_api(NETWORK, scopes=scopes, limit=1000, reject=_reject, precheck=precheck)


@blueprint.before_request
def _latency() -> None:
    delay_request(NETWORK)


@blueprint.after_request
def _retry_after(response: Response) -> Response:
    if response.status_code == 429 and "rate" in g:
        seconds = g.rate[2] - sandbox_state().now().timestamp()
        response.headers["Retry-After"] = str(max(1, math.ceil(seconds)))
    return response


# OAuth 2.0 ---------------------------------------------------------------------------
@blueprint.get("/oauth/v2/authorization")
def authorize() -> Any:
    args = request.args
    required = ("client_id", "redirect_uri", "scope")
    problem = authorize_problem(args, required=required, pkce=False)
    if problem:
        return error_page(problem)
    params = {k: args.get(k, "") for k in (*required, "state")}
    handle = args.get("login_hint") or DEFAULT_HANDLE
    return begin_authorization(network="LinkedIn", params=params, handle=handle, approve=_approve)


def _approve(params: dict[str, str], handle: str) -> BaseResponse:
    code = sandbox_state().issue_code(
        NETWORK,
        client_id=params["client_id"],
        redirect_uri=params["redirect_uri"],
        scopes=tuple(params["scope"].replace(",", " ").split()),
        handle=handle,
    )
    return redirect(with_query(params["redirect_uri"], {"code": code, "state": params["state"]}))


@blueprint.post("/oauth/v2/authorization")
def decide() -> Any:
    return finish_authorization(
        network="LinkedIn",
        approve=_approve,
        denial=lambda params: {
            "error": "user_cancelled_login",
            "error_description": "The user cancelled LinkedIn login",
            "state": params["state"],
        },
    )


@blueprint.post("/oauth/v2/accessToken")
def access_token() -> Any:
    """Authorization code grant only: LinkedIn gives refresh tokens to approved partners."""
    form = request.form
    for name in ("grant_type", "code", "redirect_uri", "client_id", "client_secret"):
        if not form.get(name):
            description = f'A required parameter "{name}" is missing'
            return jsonify(error="invalid_request", error_description=description), 400
    if form["grant_type"] != "authorization_code":
        return jsonify(error="unsupported_grant_type", error_description="Unsupported"), 400
    state = sandbox_state()
    grant = state.redeem_code(NETWORK, form["code"])
    if grant is None:
        return jsonify(error="invalid_grant", error_description=BAD_CODE), 400
    if grant.client_id != form["client_id"] or grant.redirect_uri != form["redirect_uri"]:
        return jsonify(error="invalid_request", error_description=MISMATCH), 400
    body: dict[str, Any] = {
        "access_token": state.issue_access_token(
            NETWORK, grant.handle, grant.scopes, client_id=grant.client_id
        ),
        "expires_in": TOKEN_SECONDS,
        "scope": ",".join(grant.scopes),
        "token_type": AUTH_SCHEME,
    }
    if "openid" in grant.scopes:
        body["id_token"] = _id_token(grant.handle, grant.client_id)
    return jsonify(body)


def _id_token(handle: str, client_id: str) -> str:
    """An unsigned JWT-shaped string: the sandbox does not sign anything."""
    now = int(sandbox_state().now().timestamp())
    claims = {"iss": "https://www.linkedin.com/oauth", "aud": client_id, "iat": now}
    claims |= {"exp": now + 3600, "sub": sandbox_user(handle).linkedin_sub}
    parts = [{"alg": "none", "typ": "JWT"}, claims]
    encoded = [base64.urlsafe_b64encode(json.dumps(p).encode()).rstrip(b"=") for p in parts]
    return b".".join([*encoded, b"sandbox"]).decode()


# Resources ---------------------------------------------------------------------------
@blueprint.get("/v2/userinfo")
@api(scopes={"openid"}, rest=False)
def userinfo(grant: AccessToken) -> Any:
    user = sandbox_user(grant.handle)
    given, _, family = user.name.partition(" ")
    body: dict[str, Any] = {"sub": user.linkedin_sub}
    if "profile" in grant.scopes:
        body |= {"name": user.name, "given_name": given, "family_name": family or given}
        body["picture"] = f"https://media.licdn.com/sandbox/{user.linkedin_sub}.jpg"
        body["locale"] = {"country": "US", "language": "en"}
    if "email" in grant.scopes:
        body |= {"email": f"{user.handle}@sandbox.example", "email_verified": True}
    return jsonify(body)


@blueprint.post("/rest/posts")
@api(scopes={"w_member_social"})
def create_post(grant: AccessToken) -> Any:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _error(400, "The request body must be a JSON object.")
    for name in ("author", "commentary", "visibility", "distribution", "lifecycleState"):
        if name not in body:
            return _error(
                422, f"ERROR :: /{name} :: field is required but not found and has no default"
            )
    author = f"urn:li:person:{sandbox_user(grant.handle).linkedin_sub}"
    if body["author"] != author:
        return _access_denied(f"Member is not allowed to create a post as {body['author']}")
    commentary = str(body["commentary"])
    if len(commentary) > MAX_COMMENTARY:
        return _error(422, f"ERROR :: /commentary :: longer than {MAX_COMMENTARY} characters")
    state = sandbox_state()
    for post in state.posts[NETWORK].values():
        if post.author == grant.handle and post.text == commentary:
            return _error(422, f"Content is a duplicate of urn:li:share:{post.id}")
    post = state.add_post(NETWORK, grant.handle, commentary, body=body)
    return Response(status=201, headers={"x-restli-id": f"urn:li:share:{post.id}"})


@blueprint.get("/rest/posts")
@api(scopes={"w_member_social"})
def posts_by_author(grant: AccessToken) -> Any:
    """FINDER q=author: the member's posts, newest first; needs r_member_social (here: the
    sandbox's metrics access), as LinkedIn's does."""
    denied = _no_metrics_access()
    if denied:
        return denied
    if request.args.get("q") != "author" or not request.args.get("author"):
        return _error(400, "Invalid query parameters passed to request")
    author = request.args["author"]
    if author != _person(grant.handle):
        return _access_denied(f"Member is not allowed to read the posts of {author}")
    mine = sandbox_state().posts_by(NETWORK, grant.handle)
    asked = request.args.get("count", "10")
    count = min(int(asked), 100) if asked.isdigit() else 10
    elements = [
        {
            "id": f"urn:li:share:{post.id}",
            "author": author,
            "commentary": post.text,
            "content": (post.body or {}).get("content"),
            "createdAt": int(post.created_at.timestamp() * 1000),
            "lifecycleState": "PUBLISHED",
        }
        for post in mine[:count]
    ]
    return jsonify(paging={"start": 0, "count": count, "links": []}, elements=elements)


def _no_metrics_access() -> tuple[Response, int] | None:
    if sandbox_state().linkedin_metrics_access:
        return None
    return _access_denied(f"Not enough permissions to access: {request.endpoint}")


def _post_for_urn(urn: str) -> Post | None:
    match = URN_RE.match(urn)
    return sandbox_state().post(NETWORK, match.group(1)) if match else None


def _reactions(post: Post) -> dict[str, int]:
    likes = sandbox_state().engagement_of(post).likes
    counts = {kind: math.floor(likes * share) for kind, share in REACTION_SHARES}
    return {kind: count for kind, count in counts.items() if count}


def _social_summary(post: Post, urn: str) -> dict[str, Any]:
    comments = sandbox_state().engagement_of(post).comments
    return {
        "reactionSummaries": {
            kind: {"reactionType": kind, "count": count} for kind, count in _reactions(post).items()
        },
        "commentsState": "OPEN",
        "commentSummary": {"count": comments, "topLevelCount": math.ceil(comments * 0.8)},
        "reactionsState": "OPEN",
        "entity": urn,
    }


def _not_found(urn: str) -> dict[str, Any]:
    return {"status": 404, "code": "NOT_FOUND", "message": f"Entity {urn} not found"}


@blueprint.get("/rest/socialMetadata/<path:urn>")
@api(scopes=set())
def social_metadata(grant: AccessToken, urn: str) -> Any:
    denied = _no_metrics_access()
    if denied:
        return denied
    post = _post_for_urn(urn)
    if post is None:
        return jsonify(_not_found(urn)), 404
    return jsonify(_social_summary(post, urn))


@blueprint.get("/rest/socialMetadata")
@api(scopes=set())
def social_metadata_batch(grant: AccessToken) -> Any:
    """BATCH_GET `ids=List(urn%3Ali%3Ashare%3A1,...)`, each URN encoded as Rest.li 2.0 wants.
    Keys come back in that encoded form; an unknown URN is a 404 in `errors`."""
    denied = _no_metrics_access()
    if denied:
        return denied
    if len(request.query_string) > MAX_QUERY:
        return _error(414, "Request-URI Too Long")
    listed = BATCH_IDS_RE.match(_raw_arg("ids") or "")
    if listed is None or any(":" in key for key in listed.group(1).split(",")):
        return _error(400, "Invalid query parameters passed to request")
    results: dict[str, Any] = {}
    statuses: dict[str, int] = {}
    errors: dict[str, Any] = {}
    for urn in dict.fromkeys(unquote(key) for key in listed.group(1).split(",")):
        key, post = quote(urn, safe=""), _post_for_urn(urn)
        if post is None:
            errors[key] = _not_found(urn)
        else:
            results[key], statuses[key] = _social_summary(post, urn), 200
    return jsonify(results=results, statuses=statuses, errors=errors)


def _raw_arg(name: str) -> str | None:
    """A query value before percent-decoding: Rest.li parses `(share:urn%3A...)` itself."""
    for pair in request.query_string.decode("latin-1").split("&"):
        key, _, value = pair.partition("=")
        if unquote(key) == name:
            return value
    return None


def _collection(elements: list[dict[str, Any]]) -> Response:
    return jsonify(paging={"start": 0, "count": 10, "links": []}, elements=elements)


@blueprint.get("/rest/memberCreatorPostAnalytics")
@api(scopes=set())
def member_creator_post_analytics(grant: AccessToken) -> Any:
    denied = _no_metrics_access()
    if denied:
        return denied
    entity = ENTITY_RE.match(_raw_arg("entity") or "")
    query_type = request.args.get("queryType", "")
    if (
        request.args.get("q") != "entity"
        or entity is None
        or query_type not in ("IMPRESSION", "MEMBERS_REACHED", "RESHARE", "REACTION", "COMMENT")
        or request.args.get("aggregation", "TOTAL") != "TOTAL"
    ):
        return _error(400, "Invalid query parameters passed to request")
    post = _post_for_urn(unquote(entity.group(2)))
    if post is None:
        return _error(404, "Entity not found", code="NOT_FOUND")
    if post.author != grant.handle:
        return _access_denied("Members may only read analytics of their own posts.")
    counts = sandbox_state().engagement_of(post)
    count = {
        "IMPRESSION": counts.impressions,
        "MEMBERS_REACHED": counts.members_reached,
        "RESHARE": counts.reshares,
        "REACTION": sum(_reactions(post).values()),
        "COMMENT": counts.comments,
    }[query_type]
    version = request.headers["LinkedIn-Version"][:6]
    metric_type: Any = query_type
    if version < STRING_METRIC_TYPE_SINCE:
        metric_type = {METRIC_TYPE_KEY: query_type}
    return _collection([{"count": count, "metricType": metric_type}])


@blueprint.get("/rest/memberFollowersCount")
@api(scopes=set())
def member_followers_count(grant: AccessToken) -> Any:
    denied = _no_metrics_access()
    if denied:
        return denied
    if request.args.get("q") != "me":
        return _error(400, "Invalid query parameters passed to request")
    return _collection([{"memberFollowersCount": sandbox_user(grant.handle).followers}])


# Who engaged (the Community Management API: the same access as the figures) -------------
def _person(handle: str) -> str:
    return f"urn:li:person:{sandbox_user(handle).linkedin_sub}"


def _stamp(handle: str, at: datetime) -> dict[str, Any]:
    return {"actor": _person(handle), "time": int(at.timestamp() * 1000)}


def _fans(urn: str, counts: dict[str, int]) -> list[tuple[str, str]]:
    """(handle, kind) of synthetic members, as many as the sandbox's own post's figures say
    (`counts`: kind -> how many)."""
    fans = []
    for kind, count in counts.items():
        fans += [
            (f"fan{stable_hash(urn, kind, str(i)) % 10**8:08d}", kind)
            for i in range(min(count, MAX_PAGE))
        ]
    return fans[:MAX_PAGE]


def _recorded(urn: str, action: str) -> list[Engaged]:
    return sandbox_state().engaged(NETWORK, urn, action)


def _page(elements: list[dict[str, Any]]) -> Any:
    """One page (`start`, `count` up to 100; LinkedIn's default is 10) with the total."""
    try:
        start = max(int(request.args.get("start", 0)), 0)
        count = min(max(int(request.args.get("count", 10)), 0), MAX_PAGE)
    except ValueError:
        return _error(400, "Invalid query parameters passed to request")
    return jsonify(
        paging={"start": start, "count": count, "links": [], "total": len(elements)},
        elements=elements[start : start + count],
    )


@blueprint.get("/rest/reactions/<path:key>")
@api(scopes=set())
def reactions(grant: AccessToken, key: str) -> Any:
    """Reactions on a post: the recorded likes first, then the sandbox's own fans. A post the
    sandbox never saw (a company post) has only what was recorded."""
    denied = _no_metrics_access()
    if denied:
        return denied
    entity = REACTIONS_KEY_RE.match(key)
    if request.args.get("q") != "entity" or entity is None:
        return _error(400, "Invalid query parameters passed to request")
    urn = entity.group(1)
    post = _post_for_urn(urn)
    now = sandbox_state().now()
    found = [(e.handle, "LIKE", e.at) for e in _recorded(urn, "like")]
    found += [(h, kind, now) for h, kind in _fans(urn, _reactions(post) if post else {})]
    return _page(
        [
            {
                "id": f"urn:li:reaction:({_person(handle)},{urn})",
                "reactionType": kind,
                "root": urn,
                "created": _stamp(handle, at),
                "lastModified": _stamp(handle, at),
            }
            for handle, kind, at in found
        ]
    )


@blueprint.get("/rest/socialActions/<path:urn>/comments")
@api(scopes=set())
def comments(grant: AccessToken, urn: str) -> Any:
    """Comments on a post, the recorded ones first, then the sandbox's own fans'."""
    denied = _no_metrics_access()
    if denied:
        return denied
    if not POST_URN_RE.match(urn):
        return _error(400, f"Invalid entity urn {urn}")
    post = _post_for_urn(urn)
    now = sandbox_state().now()
    counts = {"COMMENT": sandbox_state().engagement_of(post).comments} if post else {}
    found = [(e.handle, e.at) for e in _recorded(urn, "comment")]
    found += [(handle, now) for handle, _kind in _fans(urn, counts)]
    elements = []
    for number, (handle, at) in enumerate(found, start=1):
        comment_id = str(6_900_000_000_000_000_000 + stable_hash(urn, handle, str(number)) % 10**17)
        elements.append(
            {
                "id": comment_id,
                "commentUrn": f"urn:li:comment:({urn},{comment_id})",
                "actor": _person(handle),
                "object": urn,
                "message": {"text": "Great news, congratulations to the team!"},
                "created": _stamp(handle, at),
                "lastModified": _stamp(handle, at),
            }
        )
    return _page(elements)

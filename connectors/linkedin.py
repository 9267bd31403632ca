"""LinkedIn: python-linkedin-v2 builds the authorization URL; the token exchange and every
API call go through our own `requests` session with `Authorization: Bearer`, the
`LinkedIn-Version` header and Rest.li 2.0 (the library puts tokens in query strings and
cannot read Python 3 error bodies).

Metrics need LinkedIn's restricted permissions (r_member_social, Community Management API).
Without them the numbers are None (unknown) and `capabilities.missing` says why; Chorus's
own tracked-link clicks still count. Who reacted to or commented on a post (engagers) needs
the same access; without it the call fails with a reason an admin can act on.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import parse_qs, quote, unquote, urlsplit

import requests
from linkedin_v2.linkedin import LinkedInAuthentication

from connectors.base import (
    AuthExpired,
    AuthorizationRequest,
    Capabilities,
    Capability,
    ConnectorError,
    Engager,
    PermanentError,
    PostMetrics,
    Profile,
    RateLimited,
    RemotePost,
    Tokens,
    TransientError,
    Unavailable,
    carries_link,
    register,
)
from connectors.settings import NOT_REACHED_STATUSES, NetworkSettings, reached

API = "https://api.linkedin.com"
OAUTH = "https://www.linkedin.com/oauth/v2"
SCOPES = ("openid", "profile", "email", "w_member_social")
DEFAULT_VERSION = "202510"
DEFAULT_TOKEN_SECONDS = 60 * 24 * 3600  # LinkedIn member tokens last 60 days
ANALYTICS = ("IMPRESSION", "MEMBERS_REACHED", "RESHARE")
RESTRICTED = "needs LinkedIn's r_member_social / Community Management API access for this app"
NO_ENGAGERS_ACCESS = (
    "LinkedIn lists who reacted to or commented on a post only to apps with its Community "
    "Management API (r_member_social). An admin can request that access for Chorus's app in "
    "the LinkedIn developer portal."
)
PERSON = "urn:li:person:"
RECENT_POSTS = 50  # the member's latest posts, where a lost publish is looked for
ENGAGERS_PAGE = 100  # one page each of reactions and comments, the most LinkedIn gives
# URNs per socialMetadata BATCH_GET: an encoded ugcPost URN is ~41 characters, so 50 keep the
# query near 2 KB, well under the 4 KB LinkedIn allows (it answers 414 beyond).
SOCIAL_BATCH = 50
Result = TypeVar("Result")
# One post's socialMetadata body, or why it could not be read (`_NotFound`, `_Forbidden`).
_Social = dict[str, Any] | PermanentError


@register
class LinkedIn:
    name = "linkedin"
    label = "LinkedIn"
    handle_prefix = ""  # shown by the sign-in email
    sandbox_authorize_path = "/linkedin/oauth/v2/authorization"
    base_url_settings = {
        "LINKEDIN_API_BASE_URL": f"{API}/",
        "LINKEDIN_OAUTH_BASE_URL": f"{OAUTH}/",
    }
    capabilities = Capabilities(
        frozenset(
            {
                Capability.PUBLISH,
                Capability.PUBLIC_METRICS,
                Capability.PRIVATE_METRICS,
                Capability.FOLLOWERS,
                Capability.ENGAGERS,
            }
        ),
        missing={
            Capability.REFRESH: "LinkedIn gives refresh tokens only to approved partners",
        },
    )

    # A member's post analytics need that member's own token.
    metrics_across_authors = False

    def __init__(self, settings: NetworkSettings) -> None:
        self.settings = settings
        self.http = settings.session()

    # OAuth

    def authorization_url(self, redirect_uri: str) -> AuthorizationRequest:
        auth = LinkedInAuthentication(
            self.settings.client_id, self.settings.client_secret, redirect_uri, list(SCOPES)
        )
        auth.AUTHORIZATION_URL = self.settings.authorize_url or f"{OAUTH}/authorization"
        auth.state = secrets.token_urlsafe(24)  # else it makes a new one on every read
        return AuthorizationRequest(url=auth.authorization_url, state=auth.state)

    def exchange_code(
        self, request: AuthorizationRequest, callback_url: str, redirect_uri: str
    ) -> Tokens:
        query = parse_qs(urlsplit(callback_url).query)
        if query.get("error"):
            raise PermanentError(f"LinkedIn did not authorize Chorus: {query['error'][0]}.")
        if query.get("state", [""])[0] != request.state:
            raise PermanentError("The answer from LinkedIn does not match this sign-in.")
        response = self._call(
            lambda: self.http.post(
                f"{OAUTH}/accessToken",
                data={
                    "grant_type": "authorization_code",
                    "code": query.get("code", [""])[0],
                    "redirect_uri": redirect_uri,
                    "client_id": self.settings.client_id,
                    "client_secret": self.settings.client_secret,
                },
                timeout=self.settings.timeout_seconds,
            ),
            retry=False,  # a code works once
        )
        data = _json(response)
        if not data.get("access_token"):
            raise TransientError("LinkedIn's answer had no access token; try again.")
        lifetime = int(data.get("expires_in") or DEFAULT_TOKEN_SECONDS)
        scope = data.get("scope", "")
        return Tokens(
            data["access_token"],
            data.get("refresh_token"),
            self.settings.now() + timedelta(seconds=lifetime),
            tuple(s for s in scope.replace(",", " ").split() if s),
        )

    def refresh(self, tokens: Tokens) -> Tokens:
        raise AuthExpired("LinkedIn connections last 60 days; reconnect to renew it.")

    # API calls

    def _headers(self, tokens: Tokens) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {tokens.access_token}",
            "LinkedIn-Version": self.settings.api_version or DEFAULT_VERSION,
            "X-Restli-Protocol-Version": "2.0.0",
        }

    def _call(
        self, send: Callable[[], requests.Response], *, retry: bool = True
    ) -> requests.Response:
        """Send, with every failure mapped to our errors, retried when LinkedIn is down."""

        def checked() -> requests.Response:
            try:
                return _checked(send(), self.settings.now)
            except (requests.ConnectionError, requests.Timeout) as error:
                raise Unavailable(
                    f"LinkedIn is not answering ({error}).", reached=reached(error)
                ) from error

        return self.settings.with_retries(checked, retry=retry)

    def _get(self, tokens: Tokens, path: str) -> dict:
        return _json(
            self._call(
                lambda: self.http.get(
                    f"{API}{path}",
                    headers=self._headers(tokens),
                    timeout=self.settings.timeout_seconds,
                )
            )
        )

    def profile(self, tokens: Tokens) -> Profile:
        info = self._get(tokens, "/v2/userinfo")
        try:
            followers = self._get(tokens, "/rest/memberFollowersCount?q=me")
            count = next(
                (e.get("memberFollowersCount") for e in followers.get("elements", [])), None
            )
        except PermanentError:
            count = None  # needs restricted access: unknown, not zero
        if not info.get("sub"):
            raise TransientError("LinkedIn's profile answer had no member id; try again.")
        return Profile(info["sub"], info.get("email", info["sub"]), info.get("name", ""), count)

    def publish(
        self, tokens: Tokens, text: str, idempotency_key: str, link: str | None = None
    ) -> RemotePost:
        author = f"urn:li:person:{self._get(tokens, '/v2/userinfo')['sub']}"
        body = {
            "author": author,
            "commentary": little_text(text),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        if link:
            body["content"] = {"article": {"source": link, "title": text[:200]}}
        response = self._call(
            lambda: self.http.post(
                f"{API}/rest/posts",
                json=body,
                headers=self._headers(tokens),
                timeout=self.settings.timeout_seconds,
            ),
            retry=False,
        )
        urn = response.headers.get("x-restli-id")
        if not urn:
            raise TransientError("LinkedIn did not say which post it created.")
        return RemotePost(urn, f"https://www.linkedin.com/feed/update/{urn}/")

    def find_post(self, tokens: Tokens, link: str) -> RemotePost | None:
        """Among the member's latest posts (the posts FINDER, which needs r_member_social:
        without it, a PermanentError), the one whose article or commentary holds `link`."""
        author = quote(f"{PERSON}{self._get(tokens, '/v2/userinfo')['sub']}", safe="")
        found = _json(
            self._call(
                lambda: self.http.get(
                    f"{API}/rest/posts?q=author&author={author}&count={RECENT_POSTS}",
                    headers={**self._headers(tokens), "X-RestLi-Method": "FINDER"},
                    timeout=self.settings.timeout_seconds,
                )
            )
        )
        for post in found.get("elements", []):
            source = ((post.get("content") or {}).get("article") or {}).get("source")
            carried = source == link or carries_link(str(post.get("commentary", "")), link)
            if carried and post.get("id"):
                urn = str(post["id"])
                return RemotePost(urn, f"https://www.linkedin.com/feed/update/{urn}/")
        return None

    def metrics(self, tokens: Tokens, remote_ids: Sequence[str]) -> list[PostMetrics]:
        """Likes and comments of up to SOCIAL_BATCH posts in one socialMetadata BATCH_GET;
        the creator analytics stay three calls a post, as their `entity` finder takes one
        post and one `queryType` a call."""
        urns = list(dict.fromkeys(remote_ids))
        social: dict[str, _Social] = {}
        for start in range(0, len(urns), SOCIAL_BATCH):
            social |= self._social_metadata(tokens, urns[start : start + SOCIAL_BATCH])
        return [self._post_metrics(tokens, urn, social[urn]) for urn in urns]

    def _social_metadata(self, tokens: Tokens, urns: Sequence[str]) -> dict[str, _Social]:
        """Each post's socialMetadata, or why it could not be read (`_NotFound`, `_Forbidden`).

        Rest.li keys `results` and `errors` by the URN, plain or encoded; a URN in neither
        is not found. A 403 or 404 of the whole batch holds for each of its posts; any other
        failure, of the batch or of one post, is raised as our error."""
        ids = ",".join(quote(urn, safe="") for urn in urns)
        try:
            batch = self._get(tokens, f"/rest/socialMetadata?ids=List({ids})")
        except (_NotFound, _Forbidden) as error:
            return dict.fromkeys(urns, error)
        results = {unquote(k): v for k, v in (batch.get("results") or {}).items()}
        errors = {unquote(k): v for k, v in (batch.get("errors") or {}).items()}
        statuses = {unquote(k): v for k, v in (batch.get("statuses") or {}).items()}
        found: dict[str, _Social] = {}
        for urn in urns:
            if isinstance(results.get(urn), dict):
                found[urn] = results[urn]
                continue
            entry = errors.get(urn) if isinstance(errors.get(urn), dict) else {}
            status = entry.get("status") or statuses.get(urn)
            failed = status if isinstance(status, int) and status >= 400 else 404
            error = _error(failed, entry.get("message"))
            if not isinstance(error, (_NotFound, _Forbidden)):
                raise error
            found[urn] = error
        return found

    def _post_metrics(self, tokens: Tokens, urn: str, social: _Social) -> PostMetrics:
        """Likes and comments from socialMetadata (`social`, read beforehand); impressions,
        members reached and reshares from the creator analytics. What the app may not read
        stays None, with the reason."""
        values: dict[str, int | None] = dict.fromkeys((*ANALYTICS, "likes", "comments"))
        missing: list[str] = []
        if isinstance(social, _NotFound):
            return PostMetrics(remote_id=urn, missing=("deleted or not found",))
        if isinstance(social, PermanentError):
            missing.append(f"likes and comments: {RESTRICTED}")
        else:
            values["likes"] = sum(
                int(r.get("count", 0)) for r in (social.get("reactionSummaries") or {}).values()
            )
            values["comments"] = int((social.get("commentSummary") or {}).get("count", 0))
        kind = "ugc" if ":ugcPost:" in urn else "share"
        for metric in ANALYTICS:
            try:
                data = self._get(
                    tokens,
                    "/rest/memberCreatorPostAnalytics?q=entity&entity="
                    f"({kind}:{quote(urn, safe='')})&queryType={metric}&aggregation=TOTAL",
                )
            except PermanentError:
                missing.append(f"impressions, reach and reshares: {RESTRICTED}")
                break
            values[metric] = sum(
                int(e.get("count", 0))
                for e in data.get("elements", [])
                if _metric_type(e) == metric
            )
        return PostMetrics(
            remote_id=urn,
            impressions=values["IMPRESSION"],
            members_reached=values["MEMBERS_REACHED"],
            likes=values["likes"],
            comments=values["comments"],
            reshares=values["RESHARE"],
            missing=tuple(missing),
        )

    def engagers(self, tokens: Tokens, post_ref: str) -> list[Engager]:
        """Members who reacted to (any reaction is a "like") or commented on the post `post_ref`
        (its URN), one page of each; organizations are left out, as they are not people."""
        entity = quote(post_ref, safe="")
        try:
            reactions = self._get(
                tokens, f"/rest/reactions/(entity:{entity})?q=entity&count={ENGAGERS_PAGE}"
            )
            comments = self._get(
                tokens, f"/rest/socialActions/{entity}/comments?count={ENGAGERS_PAGE}"
            )
        except _Forbidden as error:
            raise PermanentError(NO_ENGAGERS_ACCESS) from error
        found = [
            Engager(sub, "", "like")
            for e in reactions.get("elements", [])
            if (sub := _member((e.get("created") or {}).get("actor")))
        ]
        found += [
            Engager(sub, "", "comment")
            for e in comments.get("elements", [])
            if (sub := _member(e.get("actor") or (e.get("created") or {}).get("actor")))
        ]
        return found


_RESERVED = re.compile(r"([\\|{}@\[\]()<>#*_~])")
_KEEP = re.compile(r"https?://\S+|#\w+")


def little_text(text: str) -> str:
    """Commentary in LinkedIn's "little" format: reserved characters are backslash-escaped,
    or LinkedIn silently cuts the post at the first one; links and #hashtags stay as they
    are, so they still link."""
    parts, position = [], 0
    for match in _KEEP.finditer(text):
        parts.append(_RESERVED.sub(r"\\\1", text[position : match.start()]))
        parts.append(match.group(0))
        position = match.end()
    parts.append(_RESERVED.sub(r"\\\1", text[position:]))
    return "".join(parts)


def _member(actor: object) -> str | None:
    """The member id of a person URN (what `profile` stores as remote_id); None otherwise."""
    if isinstance(actor, str) and actor.startswith(PERSON):
        return actor.removeprefix(PERSON) or None
    return None


def _metric_type(element: dict) -> str | None:
    """`metricType` is a plain string in new API versions and a one-key object in older ones."""
    kind = element.get("metricType")
    if isinstance(kind, dict):
        return next(iter(kind.values()), None)
    return kind


def _json(response: requests.Response) -> dict:
    try:
        return response.json()
    except requests.JSONDecodeError as error:
        raise TransientError("LinkedIn sent an answer Chorus could not read.") from error


def _checked(response: requests.Response, now: Callable[[], datetime]) -> requests.Response:
    status = response.status_code
    if status < 400:
        return response
    try:
        message = response.json().get("message") or response.json().get("error_description")
    except (requests.JSONDecodeError, AttributeError):
        message = None
    raise _error(status, message, response.headers.get("Retry-After", ""), now)


def _error(
    status: int,
    message: str | None,
    retry_after: str = "",
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> ConnectorError:
    """Our error for a LinkedIn failure `status`: of a whole answer, or of one key of a batch;
    a rate limit resets `Retry-After` seconds after `now` (the caller's clock)."""
    message = message or f"HTTP {status}"
    if status == 401:
        return AuthExpired("The LinkedIn connection expired or was revoked; reconnect it.")
    if status == 429:
        delay = int(retry_after) if retry_after.isdigit() else None
        reset = now() + timedelta(seconds=delay) if delay is not None else None
        return RateLimited("LinkedIn's rate limit is reached.", reset)
    if status >= 500:
        return Unavailable(
            f"LinkedIn is not answering right now ({message}).",
            reached=status not in NOT_REACHED_STATUSES,
        )
    if status == 404:
        return _NotFound(f"LinkedIn does not know it: {message}")
    if status == 403:
        return _Forbidden(f"LinkedIn refused: {message}")
    return PermanentError(f"LinkedIn refused: {message}")


class _NotFound(PermanentError):
    """A 404: the post was deleted, or never existed."""


class _Forbidden(PermanentError):
    """A 403: this app or member lacks the permission the call needs."""

"""X (Twitter) through tweepy's API v2 `Client`, with OAuth 2.0 user context and PKCE.

Facts this relies on (tweepy 4.17): user-context calls with an OAuth 2.0 token need
`user_auth=False`; the PKCE verifier lives only on the handler, so Chorus keeps it
server-side and passes it back at the callback; tweepy has no refresh helper, so refresh goes
through the handler's inherited `refresh_token`; 429 raises `TooManyRequests` (never wait
in-process: `wait_on_rate_limit=False`); 5xx are not retried by tweepy.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from urllib.parse import parse_qs, urlsplit

import requests
import tweepy
from oauthlib.oauth2.rfc6749.errors import OAuth2Error
from requests_oauthlib import OAuth2Session

from connectors.base import (
    AuthExpired,
    AuthorizationRequest,
    Capabilities,
    Capability,
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

API = "https://api.twitter.com"
AUTHORIZE_URL = "https://twitter.com/i/oauth2/authorize"
TOKEN_URL = f"{API}/2/oauth2/token"
SCOPES = ("tweet.read", "tweet.write", "users.read", "like.read", "offline.access")
BATCH = 100
RECENT_POSTS = 100  # one page of the author's timeline, where a lost publish is looked for
LINK_CLICKS_PRIVATE = "link clicks: X shows them only to the author (Chorus counts its own)"
Result = TypeVar("Result")


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _tokens(token: dict, now: Callable[[], datetime]) -> Tokens:
    expires_in = token.get("expires_in")
    scope = token.get("scope") or ()
    return Tokens(
        access_token=token["access_token"],
        refresh_token=token.get("refresh_token"),
        expires_at=now() + timedelta(seconds=float(expires_in)) if expires_in else None,
        scopes=tuple(scope.split() if isinstance(scope, str) else scope),
    )


def _granted(fetch: Callable[[], dict]) -> dict:
    """The token, also when X granted other scopes than asked (oauthlib raises a Warning
    carrying the token then); the scopes stored are the ones granted."""
    try:
        return fetch()
    except Warning as changed:
        token = getattr(changed, "token", None)
        if token is None:
            raise
        return dict(token)


def _token_endpoint_failure(response: requests.Response) -> requests.Response:
    """oauthlib reads any failure of the token endpoint as a missing token: say what it was."""
    if response.status_code == 429:
        raise RateLimited("X's rate limit is reached.", _reset_time(response))
    if response.status_code >= 500:
        raise Unavailable(f"X's sign-in service is not answering ({response.status_code}).")
    if response.status_code == 401:
        raise PermanentError(
            "X refused Chorus's app credentials; check X_CLIENT_ID and X_CLIENT_SECRET."
        )
    return response


def _reset_time(response: requests.Response | None) -> datetime | None:
    reset = response.headers.get("x-rate-limit-reset") if response is not None else None
    return datetime.fromtimestamp(int(reset), UTC) if reset and reset.isdigit() else None


@register
class X:
    name = "x"
    label = "X"
    handle_prefix = "@"
    sandbox_authorize_path = "/x/i/oauth2/authorize"
    # Setting that may move an API host (to a sandbox run apart) -> the real prefix.
    base_url_settings = {"X_API_BASE_URL": f"{API}/"}
    capabilities = Capabilities(
        frozenset(Capability) - {Capability.PRIVATE_METRICS},
        missing={
            Capability.PRIVATE_METRICS: "Chorus reads X's public figures, impressions "
            "included, 100 posts a call; link clicks come from its own tracked links",
        },
    )
    # Public figures of anyone's posts are readable with any connected account's token.
    metrics_across_authors = True

    def __init__(self, settings: NetworkSettings) -> None:
        self.settings = settings

    # OAuth

    def _handler(self, redirect_uri: str) -> tweepy.OAuth2UserHandler:
        handler = tweepy.OAuth2UserHandler(
            client_id=self.settings.client_id,
            redirect_uri=redirect_uri,
            scope=list(SCOPES),
            client_secret=self.settings.client_secret,
        )
        self.settings.session(handler)
        for hook in ("access_token_response", "refresh_token_response"):
            handler.register_compliance_hook(hook, _token_endpoint_failure)
        return handler

    def authorization_url(self, redirect_uri: str) -> AuthorizationRequest:
        verifier = secrets.token_urlsafe(64)
        # oauthlib insists on https, so build on X's own page, then point the browser at
        # the configured one (the sandbox's, in the demo).
        url, state = self._handler(redirect_uri).authorization_url(
            AUTHORIZE_URL,
            state=secrets.token_urlsafe(24),
            code_challenge=_challenge(verifier),
            code_challenge_method="S256",
        )
        if self.settings.authorize_url:
            url = self.settings.authorize_url + url.removeprefix(AUTHORIZE_URL)
        return AuthorizationRequest(url=url, state=state, verifier=verifier)

    def exchange_code(
        self, request: AuthorizationRequest, callback_url: str, redirect_uri: str
    ) -> Tokens:
        """Check the state, then trade the code for tokens, proving the PKCE verifier."""
        query = parse_qs(urlsplit(callback_url).query)
        if query.get("error"):
            raise PermanentError(f"X did not authorize Chorus: {query['error'][0]}.")
        if query.get("state", [""])[0] != request.state or not request.verifier:
            raise PermanentError("The answer from X does not match this sign-in; try again.")
        code = query.get("code", [""])[0]
        handler = self._handler(redirect_uri)

        def fetch() -> dict:
            return OAuth2Session.fetch_token(
                handler,
                TOKEN_URL,
                code=code,
                auth=handler.auth,
                include_client_id=True,
                code_verifier=request.verifier,
                timeout=self.settings.timeout_seconds,
            )

        return self._call(lambda: _tokens(_granted(fetch), self.settings.now))

    def refresh(self, tokens: Tokens) -> Tokens:
        """X rotates refresh tokens: store the new pair every time."""
        if not tokens.refresh_token:
            raise AuthExpired("This X connection cannot be refreshed; reconnect it.")
        handler = self._handler("https://localhost/unused")

        def fetch() -> dict:
            return handler.refresh_token(
                TOKEN_URL,
                refresh_token=tokens.refresh_token,
                auth=handler.auth,
                client_id=self.settings.client_id,
                timeout=self.settings.timeout_seconds,
            )

        return self._call(lambda: _tokens(_granted(fetch), self.settings.now))

    # API calls

    def _client(self, tokens: Tokens) -> tweepy.Client:
        client = tweepy.Client(bearer_token=tokens.access_token, wait_on_rate_limit=False)
        self.settings.session(client.session)
        return client

    def _call(self, action: Callable[[], Result], *, retry: bool = True) -> Result:
        """One API call with every failure mapped to our errors, retried when X is down."""
        return self.settings.with_retries(lambda: _mapped(action), retry=retry)

    def profile(self, tokens: Tokens) -> Profile:
        me = self._call(
            lambda: self._client(tokens).get_me(user_fields=["public_metrics"], user_auth=False)
        ).data
        metrics = me.public_metrics or {}
        return Profile(str(me.id), me.username, me.name, metrics.get("followers_count"))

    def publish(
        self, tokens: Tokens, text: str, idempotency_key: str, link: str | None = None
    ) -> RemotePost:
        """X has no idempotency key: the caller records the share before calling this."""
        body = f"{text} {link}".strip() if link and link not in text else text
        data = self._call(
            lambda: self._client(tokens).create_tweet(text=body, user_auth=False), retry=False
        ).data
        return RemotePost(str(data["id"]), f"https://x.com/i/web/status/{data['id']}")

    def find_post(self, tokens: Tokens, link: str) -> RemotePost | None:
        """Among the author's latest posts, the one whose text or expanded links hold `link`."""
        client = self._client(tokens)
        me = self._call(lambda: client.get_me(user_auth=False)).data
        timeline = self._call(
            lambda: client.get_users_tweets(
                me.id, max_results=RECENT_POSTS, tweet_fields=["entities"], user_auth=False
            )
        )
        for tweet in timeline.data or []:
            urls = [u.get("expanded_url") for u in (tweet.entities or {}).get("urls", [])]
            if link in urls or carries_link(tweet.text, link):
                return RemotePost(str(tweet.id), f"https://x.com/i/web/status/{tweet.id}")
        return None

    def metrics(self, tokens: Tokens, remote_ids: Sequence[str]) -> list[PostMetrics]:
        """One call per 100 posts, whoever wrote them: public metrics (impressions and
        bookmarks included) are readable with any connected account's token. Link clicks
        are private to the author, and Chorus counts its own tracked-link clicks instead."""
        results: dict[str, PostMetrics] = {}
        ids = list(dict.fromkeys(remote_ids))
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            response = self._call(
                lambda b=batch: self._client(tokens).get_tweets(
                    ids=b, tweet_fields=["public_metrics"], user_auth=False
                )
            )
            for tweet in response.data or []:
                results[str(tweet.id)] = _metrics(tweet)
            for error in response.errors:
                if error.get("title") == "Not Found Error":
                    rid = str(error.get("resource_id") or error.get("value"))
                    results[rid] = PostMetrics(rid, missing=("deleted or not found",))
        return [results[i] for i in ids if i in results]

    def engagers(self, tokens: Tokens, post_ref: str) -> list[Engager]:
        client = self._client(tokens)
        found = []
        for action, call in (("like", client.get_liking_users), ("reshare", client.get_retweeters)):
            users = self._call(lambda c=call: c(post_ref, user_auth=False)).data or []
            found += [Engager(str(u.id), u.username, action) for u in users]
        quotes = (
            self._call(
                lambda: client.get_quote_tweets(
                    post_ref, tweet_fields=["author_id"], user_auth=False
                )
            ).data
            or []
        )
        found += [Engager(str(t.author_id), "", "quote") for t in quotes]
        return found


def _mapped(action: Callable[[], Result]) -> Result:
    try:
        return action()
    except tweepy.TwitterServerError as error:
        status = error.response.status_code
        raise Unavailable(
            f"X is not answering right now ({status}).", reached=status not in NOT_REACHED_STATUSES
        ) from error
    except (requests.ConnectionError, requests.Timeout) as error:
        raise Unavailable(
            f"X is not answering right now ({error}).", reached=reached(error)
        ) from error
    except tweepy.TooManyRequests as error:
        raise RateLimited("X's rate limit is reached.", _reset_time(error.response)) from error
    except tweepy.Unauthorized as error:
        raise AuthExpired("The X connection expired or was revoked; reconnect it.") from error
    except tweepy.Forbidden as error:
        raise PermanentError(f"X refused: {_message(error)}") from error
    except tweepy.HTTPException as error:
        raise PermanentError(f"X refused the request: {_message(error)}") from error
    except requests.JSONDecodeError as error:
        raise TransientError("X sent an answer Chorus could not read.") from error
    except OAuth2Error as error:
        if error.error in ("invalid_request", "invalid_grant"):
            raise AuthExpired(f"X refused the sign-in: {error.description}") from error
        raise PermanentError(f"X refused the sign-in: {error.description}") from error


def _message(error: tweepy.HTTPException) -> str:
    return "; ".join(error.api_messages) or str(error.response.status_code)


def _metrics(tweet: tweepy.Tweet) -> PostMetrics:
    public = tweet.public_metrics or {}
    return PostMetrics(
        remote_id=str(tweet.id),
        impressions=public.get("impression_count"),
        likes=public.get("like_count"),
        comments=public.get("reply_count"),
        reshares=public.get("retweet_count"),
        quotes=public.get("quote_count"),
        bookmarks=public.get("bookmark_count"),
        missing=(LINK_CLICKS_PRIVATE,),
    )

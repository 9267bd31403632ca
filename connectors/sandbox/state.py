"""In-memory state of the sandbox: users, OAuth codes and tokens, posts, who engaged with
which post, and fault switches.

Everything is deterministic given the clock (`SandboxState.now`), so tests can move time
and get the same numbers every run.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

NETWORKS = ("x", "linkedin")
HANDLE_RE = re.compile(r"^[A-Za-z0-9_]{1,15}$")
CODE_LIFETIME = timedelta(minutes=10)
TOKEN_LIFETIME = {"x": timedelta(hours=2), "linkedin": timedelta(days=60)}
RATE_WINDOW_SECONDS = 15 * 60
# What each emulated API can list about who engaged with a post.
ENGAGE_ACTIONS = {"x": ("like", "reshare", "quote"), "linkedin": ("like", "comment")}
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_POST_ID_BASE = {"x": 1_790_000_000_000_000_000, "linkedin": 7_200_000_000_000_000_000}


def stable_hash(*parts: str) -> int:
    """A 64-bit number from `parts`, the same in every process (unlike hash())."""
    return int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest()[:8], "big")


@dataclass(frozen=True)
class SandboxUser:
    """A sandbox account, derived entirely from its handle."""

    handle: str
    x_id: str
    linkedin_sub: str
    name: str
    followers: int


def sandbox_user(handle: str) -> SandboxUser:
    """The deterministic sandbox account for `handle` (ids, display name, 50-20,000 followers)."""
    seed = stable_hash("user", handle.lower())
    sub = "".join(_BASE62[(seed >> (6 * i)) % 62] for i in range(10))
    words = [w for w in handle.replace("_", " ").split() if w] or [handle]
    return SandboxUser(
        handle=handle,
        x_id=str(1_000_000_000 + seed % 9_000_000_000_000_000_000),
        linkedin_sub=sub,
        name=" ".join(w.capitalize() for w in words),
        followers=50 + seed % 19_951,
    )


@dataclass(frozen=True)
class Engagement:
    """What a post has collected so far; all counts are non-decreasing in time."""

    impressions: int
    members_reached: int
    likes: int
    comments: int
    reshares: int
    quotes: int
    bookmarks: int
    link_clicks: int
    profile_clicks: int


def engagement(post_id: str, followers: int, age: timedelta) -> Engagement:
    """Engagement of a post `age` after publishing: zero at publish time, then log growth."""
    minutes = max(age.total_seconds(), 0.0) / 60
    seed = 0.5 + (stable_hash("post", post_id) % 1000) / 1000
    impressions = math.floor(seed * math.log1p(minutes) * followers * 0.08)

    def share(rate: float) -> int:
        return math.floor(impressions * rate * (0.75 + seed / 2))

    return Engagement(
        impressions=impressions,
        members_reached=math.floor(impressions * 0.7),
        likes=share(0.02),
        comments=share(0.003),
        reshares=share(0.002),
        quotes=share(0.0008),
        bookmarks=share(0.001),
        link_clicks=share(0.012),
        profile_clicks=share(0.004),
    )


@dataclass
class AuthCode:
    network: str
    client_id: str
    redirect_uri: str
    code_challenge: str | None
    scopes: tuple[str, ...]
    handle: str
    expires_at: datetime


@dataclass
class AccessToken:
    network: str
    handle: str
    scopes: tuple[str, ...]
    client_id: str
    expires_at: datetime


@dataclass
class RefreshToken:
    handle: str
    scopes: tuple[str, ...]
    client_id: str


@dataclass
class Post:
    network: str
    id: str
    author: str
    text: str
    created_at: datetime
    body: dict[str, Any] | None = None


@dataclass
class Engaged:
    """Someone (a sandbox handle) engaged with a post: listed by the engager endpoints."""

    handle: str
    action: str
    at: datetime


@dataclass
class Faults:
    """Per-network fault switches; error_rate fails every k-th request, deterministically."""

    latency_ms: int = 0
    error_rate: float = 0.0
    rate_limited_until: datetime | None = None
    revoked: bool = False
    malformed_json: bool = False
    requests_seen: int = 0


@dataclass
class SandboxState:
    """Thread-safe in-memory store behind both emulated APIs."""

    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    sleep: Callable[[float], None] = field(default=time.sleep)
    linkedin_metrics_access: bool = True
    # A JSON file shared by every process (web, CLI, workers); None keeps it in memory.
    path: str | None = None

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._initial_metrics_access = self.linkedin_metrics_access
        self.reset()
        if self.path:
            from connectors.sandbox.storage import FileSyncedLock

            self._lock = FileSyncedLock(self, Path(self.path))

    def reset(self) -> None:
        """Forget every code, token, post, pending consent and fault (the clock stays)."""
        with self._lock:
            self.codes: dict[str, AuthCode] = {}
            self.tokens: dict[str, AccessToken] = {}
            self.refresh_tokens: dict[str, RefreshToken] = {}
            self.posts: dict[str, dict[str, Post]] = {n: {} for n in NETWORKS}
            # network -> post id (a tweet id, a LinkedIn URN) -> who engaged, oldest first
            self.engagements: dict[str, dict[str, list[Engaged]]] = {n: {} for n in NETWORKS}
            self.pending: dict[str, dict[str, str]] = {}
            self.faults: dict[str, Faults] = {n: Faults() for n in NETWORKS}
            self.rate_counts: dict[tuple[str, str, str, int], int] = {}
            self.linkedin_metrics_access = self._initial_metrics_access
            self._post_counter = 0

    # Consent pages -------------------------------------------------------------------
    def remember_pending(self, params: dict[str, str]) -> str:
        """Keep an authorize request server-side; the returned nonce goes in the form."""
        nonce = secrets.token_urlsafe(24)
        with self._lock:
            self.pending[nonce] = dict(params)
        return nonce

    def take_pending(self, nonce: str) -> dict[str, str] | None:
        """The authorize request behind `nonce`, once."""
        with self._lock:
            return self.pending.pop(nonce, None)

    # OAuth -----------------------------------------------------------------------------
    def issue_code(
        self,
        network: str,
        *,
        client_id: str,
        redirect_uri: str,
        scopes: tuple[str, ...],
        handle: str,
        code_challenge: str | None = None,
    ) -> str:
        code = secrets.token_urlsafe(32)
        with self._lock:
            self.codes[code] = AuthCode(
                network,
                client_id,
                redirect_uri,
                code_challenge,
                scopes,
                handle,
                self.now() + CODE_LIFETIME,
            )
        return code

    def redeem_code(self, network: str, code: str) -> AuthCode | None:
        """The code's grant if it is live; a code is burnt by the first attempt to use it."""
        with self._lock:
            grant = self.codes.pop(code, None)
        if grant is None or grant.network != network or grant.expires_at <= self.now():
            return None
        return grant

    def issue_access_token(
        self,
        network: str,
        handle: str,
        scopes: tuple[str, ...] | list[str],
        *,
        client_id: str = "sandbox-client",
    ) -> str:
        """A live access token; tests may call this to skip the consent page."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            self.tokens[token] = AccessToken(
                network, handle, tuple(scopes), client_id, self.now() + TOKEN_LIFETIME[network]
            )
        return token

    def issue_refresh_token(self, handle: str, scopes: tuple[str, ...], client_id: str) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self.refresh_tokens[token] = RefreshToken(handle, scopes, client_id)
        return token

    def use_refresh_token(self, token: str, client_id: str) -> RefreshToken | None:
        """The grant behind an X refresh token of `client_id`, which dies here (rotation)."""
        with self._lock:
            grant = self.refresh_tokens.get(token)
            if grant is None or grant.client_id != client_id or self.faults["x"].revoked:
                return None
            return self.refresh_tokens.pop(token)

    def access_token(self, network: str, token: str) -> AccessToken | None:
        """The live token's grant, or None when unknown, expired or revoked."""
        with self._lock:
            grant = self.tokens.get(token)
            revoked = self.faults[network].revoked
        if grant is None or grant.network != network or revoked:
            return None
        return grant if grant.expires_at > self.now() else None

    # Posts -----------------------------------------------------------------------------
    def add_post(
        self,
        network: str,
        author: str,
        text: str,
        *,
        created_at: datetime | None = None,
        body: dict[str, Any] | None = None,
    ) -> Post:
        """Store a post by handle `author`; tests may call it to seed old posts."""
        with self._lock:
            self._post_counter += 1
            post_id = str(_POST_ID_BASE[network] + self._post_counter * 7919)
            post = Post(network, post_id, author, text, created_at or self.now(), body)
            self.posts[network][post_id] = post
        return post

    def post(self, network: str, post_id: str) -> Post | None:
        with self._lock:
            return self.posts[network].get(post_id)

    def posts_by(self, network: str, handle: str) -> list[Post]:
        """The posts of `handle` on `network`, newest first (a timeline)."""
        with self._lock:
            mine = [p for p in self.posts[network].values() if p.author == handle]
        return sorted(mine, key=lambda p: (p.created_at, int(p.id)), reverse=True)

    def engage(self, network: str, post_id: str, handle: str, action: str) -> None:
        """Record that `handle` liked, reshared, quoted or commented on a post, which need
        not be one of the sandbox's own (a company post pasted into an engage ask). The post
        is the tweet id on X and the URN on LinkedIn; doing the same thing twice counts once."""
        if action not in ENGAGE_ACTIONS.get(network, ()):
            raise ValueError(f"{network!r} cannot list who did {action!r}")
        if not HANDLE_RE.match(handle):
            raise ValueError(f"{handle!r} is not a sandbox handle")
        with self._lock:
            engaged = self.engagements[network].setdefault(post_id, [])
            if not any(e.handle == handle and e.action == action for e in engaged):
                engaged.append(Engaged(handle, action, self.now()))

    def engaged(self, network: str, post_id: str, action: str) -> list[Engaged]:
        """Who was recorded doing `action` on the post, oldest first."""
        with self._lock:
            recorded = list(self.engagements[network].get(post_id, ()))
        return [e for e in recorded if e.action == action]

    def engagement_of(self, post: Post) -> Engagement:
        followers = sandbox_user(post.author).followers
        return engagement(post.id, followers, self.now() - post.created_at)

    # Faults and rate limits ------------------------------------------------------------
    def set_faults(
        self,
        network: str,
        *,
        latency_ms: int = 0,
        error_rate: float = 0.0,
        rate_limited_until: datetime | None = None,
        revoked: bool = False,
        malformed_json: bool = False,
    ) -> None:
        if network not in NETWORKS:
            raise ValueError(f"unknown network {network!r}")
        if latency_ms < 0 or not 0.0 <= error_rate <= 1.0:
            raise ValueError("latency_ms must be >= 0 and error_rate within [0, 1]")
        with self._lock:
            self.faults[network] = Faults(
                latency_ms, error_rate, rate_limited_until, revoked, malformed_json
            )

    def clear_faults(self) -> None:
        with self._lock:
            self.faults = {n: Faults() for n in NETWORKS}

    def delay(self, network: str) -> float:
        """Sleep for the network's injected latency; how many seconds that was."""
        latency = self.faults[network].latency_ms
        if latency:
            self.sleep(latency / 1000)
        return latency / 1000

    def rate_limited_until(self, network: str) -> datetime | None:
        until = self.faults[network].rate_limited_until
        return until if until is not None and until > self.now() else None

    def injected_error(self, network: str) -> bool:
        """True for every k-th API request when error_rate is 1/k (generally: floor steps)."""
        with self._lock:
            faults = self.faults[network]
            faults.requests_seen += 1
            rate = Fraction(faults.error_rate).limit_denominator(1000)
            seen = faults.requests_seen
            return math.floor(seen * rate) > math.floor((seen - 1) * rate)

    def count_call(self, network: str, key: str, user: str, limit: int) -> tuple[int, int]:
        """Count a call in the current 15-minute window: (remaining, reset epoch seconds)."""
        window = int(self.now().timestamp()) // RATE_WINDOW_SECONDS
        with self._lock:
            used = self.rate_counts.get((network, key, user, window), 0) + 1
            self.rate_counts[(network, key, user, window)] = used
        return limit - used, (window + 1) * RATE_WINDOW_SECONDS

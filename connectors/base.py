"""What every social network connector offers, in one Protocol and plain data classes.

The rest of Chorus reaches a network only through this. Implementations raise only the
errors below, never a client library's own exception. A metric a network does not give is
`None` (unknown), never 0.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable


class Capability(StrEnum):
    PUBLISH = "publish"
    PUBLIC_METRICS = "public metrics"
    PRIVATE_METRICS = "private metrics"
    FOLLOWERS = "followers"
    REFRESH = "refresh"
    ENGAGERS = "engagers"


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str | None = None
    expires_at: datetime | None = None
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class AuthorizationRequest:
    """Where to send the person, and what to keep server-side until the callback."""

    url: str
    state: str
    verifier: str | None = None


@dataclass(frozen=True)
class Profile:
    remote_id: str
    handle: str
    display_name: str
    follower_count: int | None


@dataclass(frozen=True)
class RemotePost:
    remote_id: str
    url: str


@dataclass(frozen=True)
class PostMetrics:
    remote_id: str
    impressions: int | None = None
    members_reached: int | None = None
    likes: int | None = None
    comments: int | None = None
    reshares: int | None = None
    quotes: int | None = None
    bookmarks: int | None = None
    link_clicks: int | None = None
    # What could not be read, and why (e.g. "private metrics: older than 30 days").
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class Engager:
    remote_id: str
    handle: str
    action: str  # "like", "reshare", "quote", "comment"


@dataclass(frozen=True)
class Capabilities:
    available: frozenset[Capability]
    # Capability -> the reason it is missing for this app, for the admin and the dashboards.
    missing: dict[Capability, str] = field(default_factory=dict)


class ConnectorError(Exception):
    """Base of every connector error; the message is safe to show to an admin."""


class AuthExpired(ConnectorError):
    """The token is expired or revoked: the person must reconnect."""


class RateLimited(ConnectorError):
    def __init__(self, message: str, reset_at: datetime | None) -> None:
        super().__init__(message)
        self.reset_at = reset_at


class TransientError(ConnectorError):
    """Worth retrying later: 5xx, timeouts, malformed answers."""


class Unavailable(TransientError):
    """The network did not answer (5xx, timeout, connection refused): a read is retried
    at once with backoff; other transient errors are left to the caller.

    `reached` is False only when the request certainly did not reach the network (the
    connection was refused, a gateway said the service is down), so a publish may be
    tried again without risking a second post."""

    def __init__(self, message: str, *, reached: bool = True) -> None:
        super().__init__(message)
        self.reached = reached


class PermanentError(ConnectorError):
    """Retrying will not help: the network refused the request and said why."""


@runtime_checkable
class Network(Protocol):
    name: str
    label: str  # how people call the network
    handle_prefix: str  # "@" where handles are shown as @handle
    sandbox_authorize_path: str  # the approval page inside connectors.sandbox
    base_url_settings: dict[str, str]  # setting name -> the real URL prefix it may move
    capabilities: Capabilities
    # True when one token may read the figures of posts by several authors in one call.
    metrics_across_authors: bool

    def authorization_url(self, redirect_uri: str) -> AuthorizationRequest: ...

    def exchange_code(
        self, request: AuthorizationRequest, callback_url: str, redirect_uri: str
    ) -> Tokens: ...

    def refresh(self, tokens: Tokens) -> Tokens: ...

    def profile(self, tokens: Tokens) -> Profile: ...

    def publish(
        self, tokens: Tokens, text: str, idempotency_key: str, link: str | None = None
    ) -> RemotePost: ...

    def find_post(self, tokens: Tokens, link: str) -> RemotePost | None:
        """The author's recent post that carries `link` (every share posts its own tracked
        link), or None: how a publish whose answer was lost is confirmed, not repeated."""
        ...

    def metrics(self, tokens: Tokens, remote_ids: Sequence[str]) -> list[PostMetrics]: ...

    def engagers(self, tokens: Tokens, post_ref: str) -> list[Engager]: ...


def carries_link(text: str, link: str) -> bool:
    """True when `text` holds `link` whole: not the start of a longer address."""
    return re.search(re.escape(link) + r"(?![\w\-/])", text) is not None


_registry: dict[str, type] = {}
# The modules that register a network; a third network is one new module added here.
NETWORK_MODULES = ("connectors.x", "connectors.linkedin")


def register(cls: type) -> type:
    """Class decorator: make a network available by its `name`."""
    _registry[cls.name] = cls
    return cls


def network_classes() -> dict[str, type]:
    """Every registered network by name (importing the network modules on first use)."""
    for module in NETWORK_MODULES:
        importlib.import_module(module)
    return dict(_registry)

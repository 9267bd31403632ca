"""How a connector reaches its network: credentials, browser-facing URLs, and an optional
transport that points the real client libraries at the sandbox."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError

from connectors.base import Unavailable

Mount = Callable[[requests.Session], None]
# Seconds waited before each new try of a read whose network did not answer.
RETRY_WAITS = (0.2, 0.4, 0.8)
Result = TypeVar("Result")


@dataclass(frozen=True)
class NetworkSettings:
    client_id: str
    client_secret: str | None
    # Where the person's browser is sent to approve Chorus (the real page, or the sandbox's).
    authorize_url: str
    # Called on every requests.Session a connector makes; the sandbox mounts itself here.
    mount: Mount | None = None
    # Sent as LinkedIn-Version on LinkedIn's REST API.
    api_version: str | None = None
    timeout_seconds: float = 15.0
    retries: int = 2
    # How the retries wait (tests record the waits instead of sleeping).
    sleep: Callable[[float], None] = time.sleep
    # The caller's clock, for token expiry (tests move it).
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    # Real URL prefix -> where to send it instead (e.g. a sandbox on another port); the
    # client libraries keep using the real URLs, an adapter rewrites them on the wire.
    base_urls: dict[str, str] = field(default_factory=dict)

    def with_retries(self, action: Callable[[], Result], *, retry: bool = True) -> Result:
        """Run `action`, trying again after `Unavailable` with a short backoff. Not for a
        publish (`retry=False`): a post may exist even when the answer was lost."""
        retries = self.retries if retry else 0
        for attempt in range(retries + 1):
            try:
                return action()
            except Unavailable:
                if attempt == retries:
                    raise
                self.sleep(RETRY_WAITS[min(attempt, len(RETRY_WAITS) - 1)])
        raise AssertionError("unreachable")

    def session(self, session: requests.Session | None = None) -> requests.Session:
        """A session that never waits forever (tweepy sets no timeout) and, in the demo,
        talks to the sandbox."""
        session = session or requests.Session()
        adapter = _TimeoutAdapter(self.timeout_seconds)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        for real, target in self.base_urls.items():
            if target.rstrip("/") != real.rstrip("/"):
                session.mount(real, _RewriteAdapter(self.timeout_seconds, real, target))
        if self.mount is not None:
            self.mount(session)
            for adapter in session.adapters.values():  # the sandbox's in-process transport
                if hasattr(adapter, "default_timeout"):
                    adapter.default_timeout = self.timeout_seconds
        return session


# Gateways answer these when the service behind them is down: the request went no further.
NOT_REACHED_STATUSES = (502, 503, 504)


def reached(error: requests.RequestException) -> bool:
    """False when a failed request certainly never reached the server (connection refused
    or never made); a read timeout or a dropped answer may have reached it."""
    if isinstance(error, requests.ConnectTimeout):
        return False
    if isinstance(error, requests.ConnectionError):
        reason = getattr(error.args[0], "reason", None) if error.args else None
        return not isinstance(reason, NewConnectionError)
    return True


class _TimeoutAdapter(HTTPAdapter):
    def __init__(self, timeout_seconds: float) -> None:
        super().__init__()
        self.timeout_seconds = timeout_seconds

    def send(self, request, timeout=None, **kwargs):  # type: ignore[override]
        return super().send(request, timeout=timeout or self.timeout_seconds, **kwargs)


class _RewriteAdapter(_TimeoutAdapter):
    def __init__(self, timeout_seconds: float, real: str, target: str) -> None:
        super().__init__(timeout_seconds)
        self.real, self.target = real.rstrip("/") + "/", target.rstrip("/") + "/"

    def send(self, request, **kwargs):  # type: ignore[override]
        if request.url.startswith(self.real):
            request.url = self.target + request.url[len(self.real) :]
        return super().send(request, **kwargs)

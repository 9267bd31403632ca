"""How a connector reaches its network: credentials, browser-facing URLs, and an optional
transport that points the real client libraries at the sandbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import requests

Mount = Callable[[requests.Session], None]


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
    # The caller's clock, for token expiry (tests move it).
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def session(self, session: requests.Session | None = None) -> requests.Session:
        session = session or requests.Session()
        if self.mount is not None:
            self.mount(session)
        return session

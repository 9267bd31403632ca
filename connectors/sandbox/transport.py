"""Serve `requests` calls in-process from a WSGI app, so real client libraries (tweepy,
plain requests) talk to the sandbox without a socket.

    session = requests.Session()
    mount_sandbox(session, create_sandbox(), routes=X_ROUTES)
    session.get("https://api.twitter.com/2/users/me")   # served by /x/2/users/me
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from urllib3 import HTTPHeaderDict, HTTPResponse
from werkzeug.test import EnvironBuilder, run_wsgi_app

from connectors.sandbox import LATENCY_KEY

__all__ = ["LINKEDIN_ROUTES", "X_ROUTES", "WSGITransport", "mount_sandbox", "rewrite_url"]

X_ROUTES = {
    "https://api.twitter.com/": "/x/",
    "https://twitter.com/": "/x/",
    "https://api.x.com/": "/x/",
    "https://x.com/": "/x/",
}
LINKEDIN_ROUTES = {
    "https://api.linkedin.com/": "/linkedin/",
    "https://www.linkedin.com/": "/linkedin/",
}


def with_prefix(routes: Mapping[str, str], prefix: str) -> dict[str, str]:
    """`routes` for a sandbox mounted under `prefix` (e.g. "/_sandbox") in a bigger app."""
    return {host: prefix.rstrip("/") + path for host, path in routes.items()}


def rewrite_url(url: str, routes: Mapping[str, str]) -> str | None:
    """The sandbox path (with query) for a real API `url`, or None when no route matches.

    The longest matching prefix wins; matching ignores case, like requests' mounts."""
    for prefix in sorted(routes, key=len, reverse=True):
        if url.lower().startswith(prefix.lower()):
            return routes[prefix] + url[len(prefix) :]
    return None


class WSGITransport(BaseAdapter):
    """A requests transport adapter that hands each request to a WSGI app.

    Without `routes` the URL's path is served as is; with `routes`, a URL starting with a
    key is served at the value path prefix. Redirects are returned as they are: following
    them is up to requests (`allow_redirects`)."""

    def __init__(self, app: Any, *, routes: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.app = app
        self.routes = dict(routes or {})
        # Used when the caller gives no timeout (tweepy never does); NetworkSettings sets it.
        self.default_timeout: float | None = None

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        url = request.url or ""
        original = urlsplit(url)
        target = urlsplit(rewrite_url(url, self.routes) or url)
        latency: dict[str, float] = {}
        builder = EnvironBuilder(
            path=target.path or "/",
            base_url=f"{original.scheme}://{original.netloc}",
            query_string=target.query,
            method=request.method or "GET",
            headers=[(k, _text(v)) for k, v in request.headers.items()],
            data=_body_bytes(request.body),
            environ_overrides={"REMOTE_ADDR": "127.0.0.1", LATENCY_KEY: latency},
        )
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        app_iter, status, headers = run_wsgi_app(self.app, environ, buffered=True)
        try:
            content = b"".join(app_iter)
        finally:
            close = getattr(app_iter, "close", None)
            if close is not None:
                close()
        waited = latency.get("seconds", 0.0)
        limit = _read_timeout(timeout if timeout is not None else self.default_timeout)
        if limit is not None and waited > limit:
            # As over a socket: the server did the work, the client stopped waiting.
            raise requests.ReadTimeout(
                f"Read timed out (read timeout={limit}): the sandbox took {waited}s",
                request=request,
            )
        return self._build_response(request, status, list(headers.items()), content)

    def _build_response(
        self,
        request: requests.PreparedRequest,
        status: str,
        headers: list[tuple[str, str]],
        content: bytes,
    ) -> requests.Response:
        code, _, reason = status.partition(" ")
        merged: CaseInsensitiveDict[str] = CaseInsensitiveDict()
        for name, value in headers:
            merged[name] = f"{merged[name]}, {value}" if name in merged else value
        response = requests.Response()
        response.status_code = int(code)
        response.reason = reason
        response.headers = merged
        response.raw = HTTPResponse(
            body=io.BytesIO(content),
            headers=HTTPHeaderDict(headers),
            status=int(code),
            reason=reason,
            preload_content=False,
            decode_content=False,
        )
        response.encoding = get_encoding_from_headers(merged)
        response.url = request.url or ""
        response.request = request
        response.connection = self  # type: ignore[assignment]  # requests types it HTTPAdapter
        return response

    def close(self) -> None:
        """Nothing to release: no sockets."""


def _read_timeout(timeout: Any) -> float | None:
    """The read part of a requests timeout: a number, or the second of (connect, read)."""
    if isinstance(timeout, tuple):
        timeout = timeout[1]
    return float(timeout) if timeout is not None else None


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        return body.read()
    if isinstance(body, Iterable):
        return b"".join(c if isinstance(c, bytes) else str(c).encode() for c in body)
    raise TypeError(f"cannot send a request body of type {type(body).__name__}")


def mount_sandbox(session: requests.Session, app: Any, *, routes: Mapping[str, str]) -> None:
    """Serve every URL starting with a key of `routes` from `app`, in-process."""
    transport = WSGITransport(app, routes=routes)
    for prefix in routes:
        session.mount(prefix, transport)

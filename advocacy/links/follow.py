"""Following a tracked link, shared by the two ways a request can be answered (the lean
WSGI path and the Flask view): what a click keeps of the request, and the redirect."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from werkzeug.utils import redirect
from werkzeug.wrappers import Response

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

USER_AGENT_LIMIT = 1000


class Visit(TypedDict):
    address: str
    user_agent: str
    referrer: str | None


def visit_of(environ: WSGIEnvironment) -> Visit:
    """What a click takes from the request (`clicks.click_values` arguments): what Flask's
    `request.remote_addr`, `user_agent.string` and `referrer` read, so behind ProxyFix the
    forwarded address."""
    return {
        "address": environ.get("REMOTE_ADDR") or "",
        "user_agent": environ.get("HTTP_USER_AGENT", "")[:USER_AGENT_LIMIT],
        "referrer": environ.get("HTTP_REFERER"),
    }


def tracked_redirect(url: str, response_class: type[Response]) -> Response:
    """The answer to a live link: 302 to the target, never cached nor indexed."""
    response = redirect(url, 302, Response=response_class)
    response.headers["Cache-Control"] = "no-store"  # every visit must reach us to count
    response.headers["X-Robots-Tag"] = "noindex"
    return response

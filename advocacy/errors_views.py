"""One place that turns errors into pages: clean 4xx/5xx, never a stack trace."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from advocacy.errors import ChorusError, LoginThrottled
from advocacy.extensions import db

MESSAGES = {
    400: ("Bad request", "Chorus could not understand that request."),
    401: ("Sign in needed", "Sign in to do that."),
    403: (
        "Not allowed",
        "Your account does not have access to this page. "
        "If you think it should, ask your Chorus admin.",
    ),
    404: (
        "Page not found",
        "There is nothing at this address. Check the link, or go back to the start page.",
    ),
    405: ("Not allowed", "This address does not accept that kind of request."),
    413: ("Too large", "What you sent is larger than Chorus accepts."),
    429: ("Slow down", "Too many attempts. Wait a few minutes and try again."),
    500: (
        "Something went wrong",
        "Chorus hit an unexpected error. Nothing you did caused it; "
        "try again, and tell your admin if it keeps happening.",
    ),
}


def _page(status: int, message: str | None = None, title: str | None = None):
    default_title, default = MESSAGES.get(status, MESSAGES[500 if status >= 500 else 400])
    body = render_template(
        "errors/error.html",
        status=status,
        title=title or default_title,
        message=message or default,
    )
    return body, status


def handle_http(error: HTTPException):
    status = error.code or 500
    if status >= 500:
        return handle_unexpected(error)
    body, status = _page(status)
    # Keep what the exception says beyond its page, such as a 405's Allow header.
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return body, status, headers


def handle_csrf(error: CSRFError):
    return _page(
        400,
        "This form expired or did not come from Chorus. "
        "Go back, reload the page and send it again.",
    )


def handle_domain(error: ChorusError):
    """A domain error that no form caught: its message on an error page, with its status."""
    db.session.rollback()
    body, status = _page(error.status_code, str(error), error.title)
    if isinstance(error, LoginThrottled):
        return body, status, {"Retry-After": str(error.retry_after_seconds)}
    return body, status


def handle_unexpected(error: Exception):
    """Flask has already logged the exception; the person sees a plain apology."""
    db.session.rollback()
    return _page(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(ChorusError, handle_domain)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(InternalServerError, handle_unexpected)

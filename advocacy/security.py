"""Sessions, the per-request access check and security headers."""

from __future__ import annotations

from flask import Flask, Response, abort, current_app, request
from flask_login import LoginManager, current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import Headers

from advocacy.authz import enforce_access
from advocacy.extensions import db
from advocacy.models import User

FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

# Dashboard pages only: plotly.js inserts an empty <style> element and fills it through the
# CSSOM (the hash is that of the empty string, so no other inline style passes), and makes
# PNG downloads from blob: images that only our own scripts can create. The CSS plotly.js
# would write into a filled <style> (MapLibre's) is linked as a stylesheet of ours instead
# (advocacy/dashboards/assets.py), so nothing else needs allowing.
PLOTLY_EMPTY_STYLE = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
CHART_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
    "style-src 'self'", f"style-src 'self' {PLOTLY_EMPTY_STYLE}"
).replace("img-src 'self' data:", "img-src 'self' data: blob:")

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


def load_user(session_token: str) -> User | None:
    """Called on every request: roles come fresh from the database, never from the cookie."""
    user = db.session.scalar(
        select(User)
        .where(User.session_token == session_token)
        .options(selectinload(User.roles), selectinload(User.department))
    )
    return user if user is not None and user.active else None


def apply_security_headers(headers: Headers, production: bool) -> None:
    """The headers every Chorus response carries, whichever way it was answered (Flask or
    the lean tracked-link path); a header a view already set (its own CSP) is kept."""
    for name, value in SECURITY_HEADERS.items():
        headers.setdefault(name, value)
    if production:
        headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)


def add_security_headers(response: Response) -> Response:
    apply_security_headers(response.headers, current_app.config["CHORUS_PRODUCTION"])
    return response


def refuse_nul_characters() -> None:
    """No text in Chorus contains NUL; PostgreSQL cannot store it. Refuse it everywhere."""
    values = [value for _, value in request.args.items(multi=True)]
    values.extend((request.view_args or {}).values())
    if request.method == "POST" and request.mimetype in FORM_TYPES:
        # Every value of a repeated field, and the names of uploaded files (kept in audit).
        values.extend(value for _, value in request.form.items(multi=True))
        values.extend(upload.filename or "" for _, upload in request.files.items(multi=True))
    if any("\x00" in str(value) for value in values):
        abort(400)


def no_store_for_signed_in(response: Response) -> Response:
    """Pages for a signed-in person (reset links in the outbox, reports) stay out of caches."""
    if current_user.is_authenticated:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask, login_manager: LoginManager) -> None:
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.before_request(refuse_nul_characters)
    app.before_request(enforce_access)
    app.after_request(add_security_headers)
    app.after_request(no_store_for_signed_in)

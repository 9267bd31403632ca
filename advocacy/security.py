"""Sessions, the per-request access check and security headers."""

from __future__ import annotations

from flask import Flask, Response, current_app
from flask_login import LoginManager
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from advocacy.authz import enforce_access
from advocacy.extensions import db
from advocacy.models import User

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


def load_user(session_token: str) -> User | None:
    """Called on every request: roles come fresh from the database, never from the cookie."""
    user = db.session.scalar(
        select(User)
        .where(User.session_token == session_token)
        .options(selectinload(User.roles), selectinload(User.department))
    )
    return user if user is not None and user.active else None


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config["CHORUS_PRODUCTION"]:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def init_app(app: Flask, login_manager: LoginManager) -> None:
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.before_request(enforce_access)
    app.after_request(add_security_headers)

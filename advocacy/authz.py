"""Who may open which view: one declaration per view, enforced for every request.

Each view declares its access with `@public`, `@signed_in` or `@roles_required(...)`.
`enforce_access` runs before every request and refuses any endpoint that has no
declaration, so a view that forgets one is closed, not open.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user

from advocacy.errors import NotCertified
from advocacy.models import ROLES
from training.gating import may_share

View = TypeVar("View", bound=Callable)
PUBLIC = "public"
SIGNED_IN = "signed-in"


def has_access(user, access: str | frozenset[str]) -> bool:
    """Pure rule: may this user (or anonymous) open a view with this declaration?"""
    if access == PUBLIC:
        return True
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if access == SIGNED_IN:
        return True
    return user.has_role(*access)


def public(view: View) -> View:
    view.access = PUBLIC
    return view


def signed_in(view: View) -> View:
    view.access = SIGNED_IN
    return view


def roles_required(*roles: str) -> Callable[[View], View]:
    unknown = set(roles) - set(ROLES)
    if not roles or unknown:
        raise ValueError(f"roles_required needs known roles, got {roles!r}")

    def declare(view: View) -> View:
        view.access = frozenset(roles)
        return view

    return declare


def certified_required(view: View) -> View:
    """Employees the gating policy lets share (any network); others get 403 with the reason.
    Services check again for the network at hand: this only keeps the door."""
    view.access = frozenset({"employee"})
    view.gated = True
    return view


def is_gated(app: Flask, endpoint: str | None) -> bool:
    return bool(getattr(app.view_functions.get(endpoint or ""), "gated", False))


def access_of(app: Flask, endpoint: str | None) -> str | frozenset[str] | None:
    if endpoint is None:
        return None
    if endpoint == "static" or endpoint.endswith(".static"):
        return PUBLIC
    view = app.view_functions.get(endpoint)
    return getattr(view, "access", None)


def enforce_access() -> object | None:
    """before_request hook: redirect anonymous users to sign in, refuse others with 403."""
    if request.routing_exception is not None:
        return None  # 404 / 405 are answered by their own handlers
    access = access_of(current_app, request.endpoint)
    if access is None:
        current_app.logger.error("View %s declares no access rule", request.endpoint)
        abort(403)
    if has_access(current_user, access):
        if is_gated(current_app, request.endpoint):
            decision = may_share(current_user)
            if not decision:
                raise NotCertified(decision.message)
        return None
    if not current_user.is_authenticated:
        if request.method == "GET":
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        abort(401)
    abort(403)

"""The tracked link behind every share: /s/<code> records the click and redirects."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, request

from advocacy import clock
from advocacy.authz import public
from advocacy.errors import NotFound
from advocacy.extensions import db
from advocacy.services import clicks

bp = Blueprint("links", __name__)
NOT_ACTIVE = "This link is not active. It may be mistyped, or the post it belongs to was withdrawn."


@bp.route("/s/<code>")
@public
def follow(code: str):
    target = clicks.target_for(db.session, code)
    if target is None:
        raise NotFound(NOT_ACTIVE)
    if request.method == "GET":  # a HEAD only asks where the link leads
        clicks.record_click(
            db.session,
            current_app.extensions["chorus_click_key"],
            target.share_id,
            address=request.remote_addr or "",
            user_agent=request.user_agent.string[:1000],
            referrer=request.referrer,
            at=clock.now(),
        )
    response = redirect(target.url, 302)
    response.headers["Cache-Control"] = "no-store"  # every visit must reach us to count
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def init_app(app) -> None:
    app.extensions["chorus_click_key"] = clicks.hashing_key(app.config["SECRET_KEY"])
    app.register_blueprint(bp)

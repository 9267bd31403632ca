"""The tracked link behind every share: /s/<code> records the click and redirects.

A GET of a live link is usually answered before Flask by `lean.LeanRedirects`; this view
answers everything else (HEAD, unknown codes, queries, errors) and behaves the same."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, request

from advocacy import clock
from advocacy.authz import public
from advocacy.errors import NotFound
from advocacy.extensions import db
from advocacy.links.follow import tracked_redirect, visit_of
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
            **visit_of(request.environ),
            at=clock.now(),
        )
    return tracked_redirect(target.url, current_app.response_class)


def init_app(app: Flask) -> None:
    app.extensions["chorus_click_key"] = clicks.hashing_key(app.config["SECRET_KEY"])
    app.register_blueprint(bp)

"""The start page and the health check."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from flask_login import current_user
from sqlalchemy import text

from advocacy import __version__
from advocacy.authz import public, signed_in
from advocacy.extensions import db
from training.gating import may_share

bp = Blueprint("core", __name__, template_folder="templates")


@bp.route("/")
@signed_in
def home():
    return render_template("core/home.html", sharing=may_share(current_user))


def _redis_status() -> str:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return "not configured"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError:
        return "unavailable"
    return "ok"


@bp.route("/healthz")
@public
def healthz():
    """For load balancers and monitors: 200 when the database answers, 503 when it does not."""
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # any failure to reach the database is "unavailable", never a 500
        db.session.rollback()
        database = "unavailable"
    body = {
        "status": "ok" if database == "ok" else "unavailable",
        "version": __version__,
        "database": database,
        "redis": _redis_status(),
    }
    return jsonify(body), 200 if database == "ok" else 503

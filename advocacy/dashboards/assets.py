"""GET /assets/plotly.min.js: the plotly.js of the installed plotly package, served by us.

`url_for("assets.plotly_js")` adds `?v=<plotly version>`; a request carrying the
current version may be cached for a year, any other for a day (with revalidation), so an
upgrade of plotly reaches browsers at once.
"""

from __future__ import annotations

from flask import Blueprint, Response, request, send_file

from advocacy.authz import public
from dashboards.static import plotly_js_path, plotly_js_version

bp = Blueprint("assets", __name__)
YEAR = 365 * 24 * 3600
DAY = 24 * 3600


@bp.url_defaults
def add_version(endpoint: str, values: dict) -> None:
    if endpoint == "assets.plotly_js":
        values.setdefault("v", plotly_js_version())


@bp.route("/assets/plotly.min.js")
@public
def plotly_js() -> Response:
    current = request.args.get("v") == plotly_js_version()
    response = send_file(
        plotly_js_path(),
        mimetype="text/javascript",
        max_age=YEAR if current else DAY,
        conditional=True,
        etag=True,
    )
    response.cache_control.public = True
    response.cache_control.immutable = current
    return response

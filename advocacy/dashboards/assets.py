"""GET /assets/plotly.min.js: the plotly.js of the installed plotly package, served by us;
GET /assets/plotly/<id>.css: the CSS that plotly.js would otherwise inject inline.

`url_for("assets.plotly_js")` (and `assets.plotly_css`) adds `?v=<plotly version>`; a
request carrying the current version may be cached for a year, any other for a day (with
revalidation), so an upgrade of plotly reaches browsers at once. Pages with charts include
`dashboards/_plotly.html`, which links the stylesheets before the scripts.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, request, send_file

from advocacy.authz import public
from dashboards.static import plotly_js_path, plotly_js_version, plotly_stylesheets

bp = Blueprint("assets", __name__)
YEAR = 365 * 24 * 3600
DAY = 24 * 3600


@bp.url_defaults
def add_version(endpoint: str, values: dict) -> None:
    if endpoint in ("assets.plotly_js", "assets.plotly_css"):
        values.setdefault("v", plotly_js_version())


@bp.app_context_processor
def stylesheets() -> dict:
    return {"plotly_stylesheets": plotly_stylesheets}


def _max_age() -> int:
    return YEAR if _current() else DAY


def _current() -> bool:
    return request.args.get("v") == plotly_js_version()


def _public(response: Response) -> Response:
    response.cache_control.public = True
    response.cache_control.immutable = _current()
    return response


@bp.route("/assets/plotly.min.js")
@public
def plotly_js() -> Response:
    response = send_file(
        plotly_js_path(),
        mimetype="text/javascript",
        max_age=_max_age(),
        conditional=True,
        etag=True,
    )
    return _public(response)


@bp.route("/assets/plotly/<element_id>.css")
@public
def plotly_css(element_id: str) -> Response:
    sheet = next((s for s in plotly_stylesheets() if s.element_id == element_id), None)
    if sheet is None:
        abort(404)
    response = Response(sheet.css, mimetype="text/css")
    response.cache_control.max_age = _max_age()
    response.add_etag()
    return _public(response.make_conditional(request))

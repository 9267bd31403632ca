"""plotly.js served from the installed plotly package, by us, to anyone, cached well."""

from __future__ import annotations

import plotly
import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from advocacy.authz import PUBLIC, access_of
from advocacy.dashboards.assets import DAY, YEAR, bp
from dashboards.static import plotly_js_path, plotly_js_version, plotly_stylesheets


@pytest.fixture
def assets_app(app: Flask) -> Flask:
    """The app with the assets blueprint, registered here until the factory does it."""
    if bp.name not in app.blueprints:
        app.register_blueprint(bp)
    return app


def script_url(app: Flask) -> str:
    with app.test_request_context():
        return url_for("assets.plotly_js")


def fetch(client: FlaskClient, url: str, **kwargs) -> TestResponse:
    """The response with its body read and the file behind it closed."""
    with client.get(url, **kwargs) as response:
        response.get_data()
    return response


def test_plotly_js_is_the_one_the_installed_package_ships():
    path = plotly_js_path()
    assert path.is_file() and path.name == "plotly.min.js"
    assert path.parent.parent.samefile(plotly.__path__[0])
    assert path.read_bytes()[:40].startswith(b"/**\n* plotly.js v")


def test_the_script_url_carries_the_plotly_version(assets_app):
    assert script_url(assets_app) == f"/assets/plotly.min.js?v={plotly_js_version()}"


def test_anyone_may_load_the_script(assets_app):
    assert access_of(assets_app, "assets.plotly_js") == PUBLIC
    response = fetch(assets_app.test_client(), script_url(assets_app))
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.get_data() == plotly_js_path().read_bytes()
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_versioned_script_is_cached_for_a_year_even_when_signed_in(
    assets_app, client, login_as
):
    login_as("executive")
    response = fetch(client, script_url(assets_app))
    assert response.cache_control.max_age == YEAR
    assert response.cache_control.public and response.cache_control.immutable
    assert "no-store" not in response.headers["Cache-Control"]


@pytest.mark.parametrize("query", ["", "?v=0.0.1"])
def test_an_unversioned_or_old_url_is_cached_for_a_day_only(assets_app, query):
    response = fetch(assets_app.test_client(), "/assets/plotly.min.js" + query)
    assert response.status_code == 200
    assert response.cache_control.max_age == DAY
    assert not response.cache_control.immutable


def test_a_browser_with_the_script_gets_not_modified(assets_app):
    client = assets_app.test_client()
    first = fetch(client, script_url(assets_app))
    again = fetch(client, script_url(assets_app), headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_every_style_plotly_js_would_inject_is_served_as_a_stylesheet(assets_app):
    bundle = plotly_js_path().read_text(encoding="utf-8")
    sheets = plotly_stylesheets()
    # Every <style> plotly.js creates is one we serve, but for its empty <style> filled
    # through the CSSOM (the one inline style the dashboards' CSP allows, by its hash).
    assert bundle.count('document.createElement("style")') == len(sheets) + 1
    client = assets_app.test_client()
    for sheet in sheets:
        with assets_app.test_request_context():
            url = url_for("assets.plotly_css", element_id=sheet.element_id)
        response = fetch(client, url)
        assert response.status_code == 200 and response.mimetype == "text/css"
        assert response.get_data(as_text=True) == sheet.css
        assert ".maplibregl-map" in sheet.css
        assert response.cache_control.max_age == YEAR and response.cache_control.immutable
        assert access_of(assets_app, "assets.plotly_css") == PUBLIC


def test_an_unknown_stylesheet_is_not_found(assets_app):
    assert fetch(assets_app.test_client(), "/assets/plotly/0123abcd.css").status_code == 404

"""WSGITransport: requests served in-process by a WSGI app, byte for byte."""

from __future__ import annotations

import pytest
import requests
from flask import Flask, jsonify, redirect, request

from connectors.sandbox.transport import (
    WSGITransport,
    mount_sandbox,
    rewrite_url,
    with_prefix,
)


@pytest.fixture
def echo_app() -> Flask:
    app = Flask(__name__)

    @app.route("/<path:path>", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    def echo(path: str):  # type: ignore[no-untyped-def]
        if path == "moved":
            return redirect("https://elsewhere.example/target", code=302)
        response = jsonify(
            method=request.method,
            path=request.path,
            query=request.query_string.decode(),
            args=request.args.to_dict(),
            header=request.headers.get("X-Probe"),
            json=request.get_json(silent=True),
            form=request.form.to_dict(),
            host=request.host,
            remote_addr=request.remote_addr,
        )
        response.status_code = int(request.args.get("status", 200))
        response.headers["X-Answer"] = "42"
        return response

    return app


@pytest.fixture
def session(echo_app: Flask) -> requests.Session:
    session = requests.Session()
    session.mount("https://api.example/", WSGITransport(echo_app))
    return session


def test_round_trips_method_path_query_and_headers(session: requests.Session) -> None:
    response = session.delete(
        "https://api.example/a/b", params={"x": "1 2", "y": "é"}, headers={"X-Probe": "yes"}
    )
    body = response.json()
    assert body["method"] == "DELETE"
    assert body["path"] == "/a/b"
    assert body["args"] == {"x": "1 2", "y": "é"}
    assert body["header"] == "yes"
    assert body["host"] == "api.example"
    assert body["remote_addr"] == "127.0.0.1"
    assert response.url == "https://api.example/a/b?x=1+2&y=%C3%A9"
    assert response.request.method == "DELETE"


def test_round_trips_json_body_status_and_response_headers(session: requests.Session) -> None:
    response = session.post("https://api.example/things?status=201", json={"text": "héllo"})
    assert response.status_code == 201
    assert response.reason == "CREATED"
    assert response.headers["x-answer"] == "42"
    assert response.headers["Content-Type"] == "application/json"
    assert response.encoding == "utf-8"
    assert response.json()["json"] == {"text": "héllo"}


def test_round_trips_form_body(session: requests.Session) -> None:
    response = session.post("https://api.example/form", data={"code": "abc", "n": "1"})
    assert response.json()["form"] == {"code": "abc", "n": "1"}


def test_raw_query_string_reaches_the_app_unchanged(session: requests.Session) -> None:
    query = "q=entity&entity=(share:urn%3Ali%3Ashare%3A1)"
    response = session.get("https://api.example/raw", params=query)
    assert response.json()["query"] == query


def test_redirect_is_returned_unfollowed(session: requests.Session) -> None:
    response = session.get("https://api.example/moved", allow_redirects=False)
    assert response.status_code == 302
    assert response.headers["Location"] == "https://elsewhere.example/target"
    assert response.is_redirect


def test_mount_sandbox_rewrites_hosts_to_path_prefixes(echo_app: Flask) -> None:
    session = requests.Session()
    routes = {"https://api.twitter.com/": "/x/", "https://twitter.com/": "/x/"}
    mount_sandbox(session, echo_app, routes=routes)
    assert session.get("https://api.twitter.com/2/tweets?ids=1").json()["path"] == "/x/2/tweets"
    assert session.get("https://twitter.com/i/oauth2/authorize").json()["path"] == (
        "/x/i/oauth2/authorize"
    )


def test_rewrite_url_prefers_the_longest_prefix() -> None:
    routes = with_prefix({"https://a.example/": "/a/", "https://a.example/v2/": "/b/"}, "/_s")
    assert rewrite_url("https://a.example/v2/x?y=1", routes) == "/_s/b/x?y=1"
    assert rewrite_url("https://A.example/z", routes) == "/_s/a/z"
    assert rewrite_url("https://other.example/", routes) is None

"""The lean path for GET /s/<code>, the one public hot path, answered ahead of Flask.

Flask's request handling (routing, the access hook, session and user loading, the ORM
session) and SQLAlchemy's execution machinery cost many times the work of a redirect.
This middleware answers only what it is sure of: a GET without a query string whose code
is live. It runs the service's own lookup and insert (`clicks.ACTIVE_LINK`,
`clicks.CLICK_INSERT`, compiled once) with the service's own row values on a connection
from the app's pool, and answers with the view's redirect and the app's headers. Anything
else (HEAD, unknown or malformed codes, queries, any error before the click is committed)
goes on to the Flask view, which stays the reference.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

from flask import Flask
from sqlalchemy import Engine
from werkzeug.wrappers import Response

from advocacy import clock
from advocacy.extensions import db
from advocacy.links.follow import tracked_redirect, visit_of
from advocacy.links.precompiled import PrecompiledStatement
from advocacy.security import apply_security_headers
from advocacy.services import clicks

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

PREFIX = "/s/"
Answer = tuple[str, tuple[tuple[str, str], ...], bytes]  # status, headers, body


class LeanRedirects:
    """WSGI middleware around Flask's own `wsgi_app`, inside ProxyFix (so it sees the
    address Flask would see); `advocacy.create_app` sets the order."""

    def __init__(self, app: Flask, wsgi_app: WSGIApplication) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        code = code_of(environ)
        answer = self.follow(code, environ) if code else None
        if answer is None:
            return self.wsgi_app(environ, start_response)
        status, headers, body = answer
        start_response(status, list(headers))
        return [body]

    def follow(self, code: str, environ: WSGIEnvironment) -> Answer | None:
        """Record the click and answer; None leaves the request to Flask."""
        try:
            target = self.record(code, environ)
        except Exception:  # nothing was kept: Flask tries again and reports any error
            self.app.logger.warning("Lean redirect failed for /s/%s", code, exc_info=True)
            return None
        if target is None:
            return None
        return answer_for(target.url, self.app.response_class, self.app.config["CHORUS_PRODUCTION"])

    def record(self, code: str, environ: WSGIEnvironment) -> clicks.Target | None:
        """One lookup, one insert, one commit. The commit is the last step that can fail,
        so a request whose click was kept is never sent on to Flask to be counted twice."""
        lookup, insert = self.statements
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(lookup.sql, lookup.parameters({"code": code}))
                target = clicks.target_of(cursor.fetchone())
                if target is not None:
                    key = self.app.extensions["chorus_click_key"]
                    values = clicks.click_values(
                        key, target.share_id, **visit_of(environ), at=clock.now()
                    )
                    cursor.execute(insert.sql, insert.parameters(values))
            finally:
                cursor.close()
            if target is not None:
                connection.commit()
            return target
        except BaseException:
            connection.invalidate()  # in an unknown state: the pool opens a fresh one
            raise
        finally:
            connection.close()

    @cached_property
    def engine(self) -> Engine:
        with self.app.app_context():
            return db.engine

    @cached_property
    def statements(self) -> tuple[PrecompiledStatement, PrecompiledStatement]:
        dialect = self.engine.dialect
        return (
            PrecompiledStatement.compile(clicks.ACTIVE_LINK, dialect),
            PrecompiledStatement.compile(clicks.CLICK_INSERT, dialect, clicks.CLICK_COLUMNS),
        )


def code_of(environ: WSGIEnvironment) -> str | None:
    """The code of a request the lean path may answer, else None. A query string sends the
    request to Flask, whose hooks look at query arguments (they refuse NUL characters)."""
    path = environ.get("PATH_INFO", "")
    if (
        environ.get("REQUEST_METHOD") != "GET"
        or environ.get("QUERY_STRING")
        or not path.startswith(PREFIX)
    ):
        return None
    code = path[len(PREFIX) :]
    return code if clicks.CODE.fullmatch(code) else None


@lru_cache(maxsize=1024)
def answer_for(url: str, response_class: type[Response], production: bool) -> Answer:
    """The redirect to `url` exactly as the Flask view's answer reaches the client: the
    view's own `tracked_redirect` plus the headers the app adds to every response. It
    depends only on its arguments, so it is built once per target (hot links repeat)."""
    response = tracked_redirect(url, response_class)
    apply_security_headers(response.headers, production)
    response.vary.add("Cookie")  # Flask adds it, as its hooks read the session
    return response.status, tuple(response.headers.items()), response.get_data()

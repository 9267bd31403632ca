"""Links that leave the app (in mail): built from CHORUS_BASE_URL, never from the Host header,
so nobody can make Chorus mail a reset link that points to their own site."""

from flask import current_app, url_for


def external_url(endpoint: str, **values: object) -> str:
    return current_app.config["BASE_URL"] + url_for(endpoint, **values)

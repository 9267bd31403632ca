"""The app factory, settings, health check, security headers and error pages."""

from __future__ import annotations

import re

import pytest

from advocacy import create_app
from advocacy.config import ConfigError, load_settings

STRONG_KEY = "k" * 48
FERNET_KEY = "x" * 43 + "="


PRODUCTION = {
    "CHORUS_ENV": "production",
    "SECRET_KEY": STRONG_KEY,
    "DATABASE_URL": "postgres://u@db/chorus",
    "CHORUS_BASE_URL": "https://chorus.example.com",
    "CHORUS_ENCRYPTION_KEYS": FERNET_KEY,
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"DATABASE_URL": "sqlite:////tmp/chorus.db"}, "DATABASE_URL"),
        ({"DATABASE_URL": "sqlite://"}, "DATABASE_URL"),
        ({"CHORUS_BASE_URL": ""}, "CHORUS_BASE_URL"),
        ({"CHORUS_BASE_URL": "http://chorus.example.com"}, "CHORUS_BASE_URL"),
        ({"CHORUS_ENCRYPTION_KEYS": ""}, "CHORUS_ENCRYPTION_KEYS"),
        ({"CHORUS_ENCRYPTION_KEYS": "not-a-key"}, "CHORUS_ENCRYPTION_KEYS"),
    ],
)
def test_production_refuses_unsafe_settings(tmp_path, change, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(tmp_path, {**PRODUCTION, **change})


def test_production_settings_secure_the_cookies(tmp_path):
    settings = load_settings(tmp_path, PRODUCTION)
    assert settings["SESSION_COOKIE_SECURE"] and settings["REMEMBER_COOKIE_SECURE"]
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/chorus"
    assert not (tmp_path / "secret_key").exists()


def test_demo_mode_keeps_a_generated_secret_key_in_the_instance_folder(tmp_path):
    first = load_settings(tmp_path, {})
    second = load_settings(tmp_path, {})
    assert len(first["SECRET_KEY"]) >= 32
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert first["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'chorus.db'}"
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_healthz_reports_version_and_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["version"]
    assert body["redis"] == "not configured"


def test_healthz_says_unavailable_when_the_database_is_down(tmp_path):
    app = create_app(
        {
            "SECRET_KEY": STRONG_KEY,
            "INSTANCE_PATH": str(tmp_path),
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=1",
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unavailable"


def test_healthz_checks_redis_when_configured(app, client):
    app.config["REDIS_URL"] = "redis://127.0.0.1:9/0"
    assert client.get("/healthz").get_json()["redis"] == "unavailable"


def test_security_headers_on_every_page(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers


def test_pages_carry_no_inline_script(client, login_as):
    """Scripts come only from our static files (the CSP allows nothing else)."""
    login_as("admin")
    for url in ("/", "/admin/users", "/account", "/admin/users/import"):
        page = client.get(url).get_data(as_text=True)
        scripts = re.findall(r"<script[^>]*>(.*?)</script>", page, re.S)
        assert scripts == [""]
        assert '<script src="/static/js/chorus.js" defer></script>' in page


def test_unknown_url_gets_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_wrong_method_gets_405_page(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert "Not allowed" in response.get_data(as_text=True)


def test_an_unexpected_error_shows_a_clean_500(app, client):
    def broken():
        raise RuntimeError("database exploded with secret detail")

    broken.access = "public"
    app.add_url_rule("/broken", "broken", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/broken")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong" in page
    assert "secret detail" not in page


def test_oversized_upload_gets_413(app, client, login_as):
    login_as("admin")
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/admin/users/import", data={"file": "x" * 5000})
    assert response.status_code == 413

"""Settings, read from the environment once, in the app factory.

Every setting has a safe default for the demo; production mode refuses defaults
that would be unsafe there.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path

from cryptography.fernet import Fernet

MIN_SECRET_KEY_LENGTH = 32


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says which setting and why."""


def _flag(env: Mapping[str, str], name: str, default: bool = False) -> bool:
    value = env.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _instance_secret(instance_path: Path, name: str, make: Callable[[], str]) -> str:
    """A random secret kept in the instance folder, so the demo survives a restart."""
    key_file = instance_path / name
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = make()
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _fernet_keys(value: str) -> list[str]:
    keys = [key.strip() for key in value.split(",") if key.strip()]
    for key in keys:
        try:
            Fernet(key)
        except ValueError as error:
            raise ConfigError(
                "CHORUS_ENCRYPTION_KEYS must be Fernet keys (32 url-safe base64 bytes), "
                "comma-separated, newest first; make one with: python -c 'from "
                "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
            ) from error
    return keys


def _number(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as error:
        raise ConfigError(f"{name} must be a whole number, not {value!r}.") from error


def load_settings(
    instance_path: Path, env: Mapping[str, str] | None = None, overrides: Mapping | None = None
) -> dict:
    """Return the Flask config mapping built from environment variables, then `overrides`."""
    env = os.environ if env is None else env
    production = env.get("CHORUS_ENV", "development").strip().lower() == "production"
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'chorus.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgres://")
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    secret_key = env.get("SECRET_KEY") or ""

    settings = {
        "CHORUS_PRODUCTION": production,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": env.get("REDIS_URL") or None,
        # Run background tasks inline, in the caller (tests; a demo without a consumer).
        "TASKS_IMMEDIATE": _flag(env, "CHORUS_TASKS_IMMEDIATE"),
        "ENCRYPTION_KEYS": _fernet_keys(env.get("CHORUS_ENCRYPTION_KEYS") or ""),
        # Networks without credentials talk to the built-in sandbox (demo mode).
        "X_CLIENT_ID": env.get("X_CLIENT_ID") or None,
        "X_CLIENT_SECRET": env.get("X_CLIENT_SECRET") or None,
        "LINKEDIN_CLIENT_ID": env.get("LINKEDIN_CLIENT_ID") or None,
        "LINKEDIN_CLIENT_SECRET": env.get("LINKEDIN_CLIENT_SECRET") or None,
        "LINKEDIN_API_VERSION": env.get("LINKEDIN_API_VERSION") or "202510",
        # Where the APIs are; change only to reach a sandbox run apart (python -m
        # connectors.sandbox): e.g. http://127.0.0.1:8765/x and .../linkedin.
        "X_API_BASE_URL": env.get("X_API_BASE_URL") or "https://api.twitter.com",
        "LINKEDIN_API_BASE_URL": env.get("LINKEDIN_API_BASE_URL") or "https://api.linkedin.com",
        "LINKEDIN_OAUTH_BASE_URL": env.get("LINKEDIN_OAUTH_BASE_URL")
        or "https://www.linkedin.com/oauth/v2",
        # Seconds a connector waits for a network's answer before giving up on the call.
        "NETWORK_TIMEOUT_SECONDS": _number(env, "CHORUS_NETWORK_TIMEOUT", 15),
        "TRUST_PROXY_HEADERS": _flag(env, "CHORUS_TRUST_PROXY"),
        "BASE_URL": (env.get("CHORUS_BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": _number(env, "MAIL_PORT", 587),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _flag(env, "MAIL_USE_TLS", default=True),
        "MAIL_FROM": env.get("MAIL_FROM") or "Chorus <chorus@localhost>",
        "LOGIN_MAX_FAILURES": _number(env, "LOGIN_MAX_FAILURES", 5),
        "LOGIN_FAILURE_WINDOW": timedelta(minutes=_number(env, "LOGIN_FAILURE_MINUTES", 15)),
        "PASSWORD_RESET_MAX_AGE": timedelta(hours=2),
        "INVITATION_MAX_AGE": timedelta(days=7),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_DURATION": timedelta(days=14),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "MAX_CONTENT_LENGTH": 6 * 1024 * 1024,  # a 5 MB image plus the form around it
        "WTF_CSRF_TIME_LIMIT": None,
    }
    settings.update(overrides or {})
    if settings["CHORUS_PRODUCTION"]:
        for cookie in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
            settings[cookie] = (overrides or {}).get(cookie, True)
        check_production(settings)
    else:
        if not settings["SECRET_KEY"]:
            settings["SECRET_KEY"] = _instance_secret(
                instance_path, "secret_key", lambda: secrets.token_urlsafe(48)
            )
        if not settings["ENCRYPTION_KEYS"]:
            settings["ENCRYPTION_KEYS"] = [
                _instance_secret(
                    instance_path, "encryption_key", lambda: Fernet.generate_key().decode()
                )
            ]
    return settings


def check_production(settings: Mapping) -> None:
    """Refuse settings that are only safe for a demo on one machine."""
    if len(settings["SECRET_KEY"]) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(
            f"SECRET_KEY must be set to a random value of at least {MIN_SECRET_KEY_LENGTH} "
            "characters in production; make one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    if not settings["ENCRYPTION_KEYS"]:
        raise ConfigError(
            "CHORUS_ENCRYPTION_KEYS must be set in production: OAuth tokens are encrypted "
            "with it. Make a key with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'"
        )
    if not settings["BASE_URL"].startswith("https://"):
        raise ConfigError(
            "CHORUS_BASE_URL must be the https:// address people use to reach Chorus in "
            "production; links in mail are built from it."
        )
    url = settings["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        # Refuses a temporary path (bandit B108 sees a use of one).
        in_tmp = path.startswith((tempfile.gettempdir(), "/tmp"))  # nosec B108
        if path in {"", ":memory:"} or url == "sqlite://" or in_tmp:
            raise ConfigError(
                "DATABASE_URL must point to a lasting database in production "
                "(PostgreSQL recommended), not an in-memory or temporary SQLite file."
            )

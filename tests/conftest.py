"""Fixtures: a migrated database per test run, emptied before each test; users per role."""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from hypothesis import settings
from sqlalchemy import create_engine, make_url, text

from advocacy import clock, create_app, tasks
from advocacy.extensions import Base, db
from advocacy.models import User
from advocacy.services.passwords import hash_password
from advocacy.services.users import department_named, ensure_roles

# Content and sharing fixtures (campaign, make_item, sharer, ...) for every test folder.
pytest_plugins = ["tests.sharing"]
# Browser and load tests need a live server and Chromium: `make test-e2e` runs them.
collect_ignore = [] if os.environ.get("CHORUS_E2E") else ["e2e"]

# Property tests draw the same examples on every run, so `make test` passes or fails the
# same way each time; HYPOTHESIS_PROFILE=explore draws new ones (and more) to hunt for bugs.
settings.register_profile("default", derandomize=True, print_blob=True)
settings.register_profile("explore", max_examples=500, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

PASSWORD = "correct horse battery"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture(scope="session", autouse=True)
def no_internet() -> Iterator[None]:
    """Tests talk only to this machine (the databases, the sandbox, local SMTP)."""
    original = socket.socket.connect

    def connect(self: socket.socket, address) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            if not (host in ("localhost", "::1") or str(host).startswith("127.")):
                raise OSError(f"tests may not reach the network ({host})")
        return original(self, address)

    socket.socket.connect = connect
    yield
    socket.socket.connect = original


def worker_number() -> int:
    """0, or which of pytest-xdist's parallel workers (`make test` runs one per core) this is."""
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))


def redis_test_url() -> str:
    """A Redis database of this worker's own (15, 14, ...), which its tests may flush."""
    return f"redis://127.0.0.1:6379/{15 - worker_number() % 16}"


def _database_of_this_worker(url: str) -> str:
    """Parallel workers each get a PostgreSQL database of their own beside the given one:
    `test`, then `test_gw1`, `test_gw2`... created when missing."""
    if worker_number() == 0:
        return url
    base = make_url(url)
    name = f"{base.database}_gw{worker_number()}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        )
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """SQLite in a temp folder, or the PostgreSQL of CHORUS_TEST_DATABASE_URL, migrated once."""
    url = os.environ.get("CHORUS_TEST_DATABASE_URL")
    if url:
        url = _database_of_this_worker(url)
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'chorus-test.db'}"
    app = create_app(_test_config(url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


def _test_config(url: str, instance: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-production-use",
        "SQLALCHEMY_DATABASE_URI": url,
        "MAIL_SERVER": None,
        "BASE_URL": "http://localhost",
        "INSTANCE_PATH": str(instance),
        "TASKS_IMMEDIATE": True,
    }


class RequestPerContextClient(FlaskClient):
    """Each request gets its own app context, as in a real server.

    Without this, requests reuse the test's app context and share `g` (the signed-in
    user, the CSRF token) and the SQLAlchemy session. Afterwards the test's session is
    expired, so it reads what the request wrote.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(_test_config(database_url, tmp_path))
    app.test_client_class = RequestPerContextClient
    with app.app_context():
        _empty_all_tables()
        yield app
        db.session.remove()
        db.engine.dispose()
    clock.set_clock(None)


def _empty_all_tables() -> None:
    with db.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


def app_with_a_real_queue(config: dict) -> Iterator[Flask]:
    """For tests with consumer processes: tasks go to the configured queue, not inline.
    Afterwards the suite's own (inline) app is built again, which resets the queue."""
    app = create_app(config)
    app.test_client_class = RequestPerContextClient
    with app.app_context():
        _empty_all_tables()
        tasks.huey.flush()
        yield app
        tasks.huey.flush()
        db.session.remove()
        db.engine.dispose()
    create_app(_test_config(config["SQLALCHEMY_DATABASE_URI"], Path(config["INSTANCE_PATH"])))
    clock.set_clock(None)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    """Create a user; by default an active employee with the password PASSWORD."""
    password_hash = hash_password(PASSWORD)
    counter = iter(range(1, 10_000))

    def make(
        email: str | None = None,
        *,
        roles: tuple[str, ...] = ("employee",),
        name: str | None = None,
        department: str | None = None,
        active: bool = True,
        password: str | None = PASSWORD,
    ) -> User:
        number = next(counter)
        role_rows = ensure_roles(db.session)
        user = User(
            email=email or f"person{number}@example.com",
            name=name or f"Person {number}",
            roles=[role_rows[role] for role in roles],
            department=department_named(db.session, department),
            active=active,
            password_hash=(password_hash if password == PASSWORD else hash_password(password))
            if password
            else None,
        )
        db.session.add(user)
        db.session.commit()
        return user

    return make


def csrf_token(client: FlaskClient) -> str:
    """A CSRF token valid for every form in this client's session."""
    page = client.get("/reset").get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, "no CSRF token on /reset"
    return match.group(1)


def post_form(client: FlaskClient, url: str, data: dict | None = None, **kwargs):
    """POST a form the way a browser does: with the session's CSRF token."""
    return client.post(url, data={"csrf_token": csrf_token(client), **(data or {})}, **kwargs)


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD, **extra):
    return post_form(client, "/login", {"email": email, "password": password, **extra})


@pytest.fixture
def login_as(client: FlaskClient, make_user) -> Callable[..., User]:
    """Sign the client in as a new user holding the given roles."""

    def login(*roles: str, **kwargs) -> User:
        user = make_user(roles=roles, **kwargs)
        response = sign_in(client, user.email)
        assert response.status_code == 303, response.get_data(as_text=True)
        return user

    return login


SAMPLE_ARGS = {
    "token": "not-a-real-token",
    "change": "deactivate",
    "filename": "css/chorus.css",
    "user_id": 999_999,  # tests swap in a real user: see TARGET_USER_PATH
    "slug": "no-such-course",
    "number": "CH-NONE-NONE",
    "network": "x",
    "name": "no-such-image-name.png",
    "kind": "csv",
}
TARGET_USER_PATH = "/users/999999"


def all_routes(
    app: Flask,
    values: Mapping[str, object] | None = None,
    endpoint_values: Mapping[str, Mapping[str, object]] | None = None,
) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every rule, with sample values for its arguments.

    `values` (argument name -> value) replace the samples, e.g. with ids of real objects;
    `endpoint_values` replace them again for one endpoint, or go in its query string."""
    routes = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            own = (endpoint_values or {}).get(rule.endpoint, {})
            chosen = {**SAMPLE_ARGS, **(values or {}), **own}
            args = {name: chosen.get(name, 1) for name in rule.arguments} | dict(own)
            url = app.url_for(rule.endpoint, **args) if args else rule.rule
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                routes.append((rule.endpoint, method, url))
    # Signing out last, so the rest is checked while signed in.
    return sorted(routes, key=lambda route: route[0] == "auth.logout")


@pytest.fixture
def frozen_clock() -> Callable[[datetime], None]:
    """Set the app clock to a fixed moment; call again to move it."""

    def set_to(moment: datetime) -> None:
        clock.set_clock(lambda: moment.astimezone(UTC))

    yield set_to
    clock.set_clock(None)

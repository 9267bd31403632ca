"""Input meant to break things gets a clear 4xx, never a 500."""

from __future__ import annotations

import pytest

from advocacy.config import ConfigError, load_settings
from tests.conftest import post_form, sign_in

HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    "url",
    [
        f"/admin/users?page={HUGE}",
        "/admin/users?page=-5",
        "/admin/users?page=abc",
        f"/admin/users?department={HUGE}",
        "/admin/users?department=x",
        f"/admin/outbox?page={HUGE}",
        "/admin/audit?page=9223372036854775807",
        f"/training/status?department={HUGE}&page={HUGE}",
    ],
)
def test_odd_query_numbers_are_handled(client, login_as, url):
    login_as("admin")
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", [f"/admin/users/{HUGE}", "/admin/users/0"])
def test_impossible_ids_are_not_found(client, login_as, url):
    login_as("admin")
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/login", {"email": "a\x00@example.com", "password": "whatever-123"}),
        ("/reset", {"email": "x\x00y@example.com"}),
    ],
)
def test_nul_characters_in_forms_are_refused(client, url, data):
    assert post_form(client, url, data).status_code == 400


def test_nul_characters_in_the_query_string_are_refused(client, login_as):
    login_as("admin")
    assert client.get("/admin/users?q=a%00b").status_code == 400


def test_405_keeps_the_allow_header(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]


def test_signed_in_pages_are_not_cached(client, login_as):
    assert "Cache-Control" not in client.get("/login").headers
    login_as("admin")
    assert client.get("/admin/outbox").headers["Cache-Control"] == "no-store"


def test_wrong_current_passwords_count_towards_the_sign_in_limit(app, client, login_as):
    user = login_as("employee")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        response = post_form(
            client,
            "/account",
            {
                "current": "wrong password!",
                "password": "new password 123",
                "confirm": "new password 123",
            },
        )
        assert response.status_code == 400
    assert sign_in(app.test_client(), user.email).status_code == 429


@pytest.mark.parametrize("name", ["MAIL_PORT", "LOGIN_MAX_FAILURES", "LOGIN_FAILURE_MINUTES"])
def test_a_setting_that_is_not_a_number_is_a_clear_config_error(tmp_path, name):
    with pytest.raises(ConfigError, match=name):
        load_settings(tmp_path, {name: "many"})


def test_seed_demo_refuses_to_run_in_production(app):
    app.config["CHORUS_PRODUCTION"] = True
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "does not run in production" in result.output


def test_guesses_still_being_checked_count_towards_the_limit(app, client, make_user):
    """Parallel guesses: each is written before its password is checked, so a burst cannot
    get more tries than the limit."""
    from sqlalchemy import func, select

    from advocacy.extensions import db
    from advocacy.models import LoginAttempt

    user = make_user("ann@example.com")
    limit = app.config["LOGIN_MAX_FAILURES"]
    db.session.add_all(LoginAttempt(email=user.email, ip="10.0.0.7") for _ in range(limit))
    db.session.commit()

    assert sign_in(client, user.email).status_code == 429
    assert db.session.scalar(select(func.count(LoginAttempt.id))) == limit  # refusal not kept


def test_a_successful_sign_in_does_not_count_against_the_limit(app, client, make_user):
    user = make_user("bo@example.com")
    for _ in range(app.config["LOGIN_MAX_FAILURES"] + 2):
        assert sign_in(app.test_client(), user.email).status_code == 303


def test_a_nul_in_a_repeated_field_or_query_argument_is_refused(client, login_as):
    """Only the first value of each field used to be checked."""
    from tests.hostile.conftest import changed_tables, database_state

    login_as("admin")
    before = database_state()

    assert post_form(client, "/admin/departments", {"name": ["Sales", "a\x00b"]}).status_code == 400
    assert client.get("/admin/users?q=a&q=b%00").status_code == 400
    assert changed_tables(before, database_state()) == []

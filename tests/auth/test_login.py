"""Signing in: credentials, the `next` page, audit events and throttling of guessing."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.auth.helpers import audit_events
from tests.conftest import CSRF_RE, PASSWORD, sign_in

NO_MATCH = "do not match an active account"
THROTTLED = "Too many failed sign-in attempts"
MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
START = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)


def fail_to_sign_in(client, email: str, times: int = MAX_FAILURES) -> None:
    for _ in range(times):
        assert sign_in(client, email, "wrong password").status_code == 400


def test_right_credentials_sign_in_and_home_shows_the_name(client, make_user):
    user = make_user("ana@example.com", name="Ana Lima")

    response = sign_in(client, user.email)

    assert response.status_code == 303
    assert response.location == "/"
    assert "Ana Lima" in client.get("/").get_data(as_text=True)


def test_wrong_password_is_refused_with_a_message(client, make_user):
    user = make_user()

    response = sign_in(client, user.email, "not the password")

    assert response.status_code == 400
    assert NO_MATCH in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_unknown_email_is_refused_with_the_same_message(client):
    response = sign_in(client, "nobody@example.com")

    assert response.status_code == 400
    assert NO_MATCH in response.get_data(as_text=True)


def test_deactivated_user_cannot_sign_in(client, make_user):
    user = make_user(active=False)

    response = sign_in(client, user.email)

    assert response.status_code == 400
    assert NO_MATCH in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_invited_user_without_a_password_cannot_sign_in(client, make_user):
    user = make_user(password=None)

    response = sign_in(client, user.email, "any password at all")

    assert response.status_code == 400
    assert NO_MATCH in response.get_data(as_text=True)


def test_email_is_case_insensitive(client, make_user):
    make_user("ana@example.com")

    response = sign_in(client, " Ana@EXAMPLE.com ")

    assert response.status_code == 303


def test_next_page_on_this_site_is_opened_after_sign_in(client, make_user):
    user = make_user()

    response = sign_in(client, user.email, next="/account")

    assert response.status_code == 303
    assert response.location == "/account"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example",
        "//evil.example",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "https:evil.example",
        "\t//evil.example",
        "/\t/evil.example",
        " //evil.example",
    ],
)
def test_next_page_elsewhere_is_refused_and_home_opens(client, make_user, target):
    user = make_user()

    response = sign_in(client, user.email, next=target)

    assert response.status_code == 303
    assert response.location == "/"


def test_encoded_slashes_in_next_stay_a_path_on_this_site(client, make_user):
    user = make_user()

    response = sign_in(client, user.email, next="/%2F%2Fevil.example")

    location = urlsplit(response.location)
    assert response.status_code == 303
    assert (location.scheme, location.netloc) == ("", "")
    assert response.location.startswith("/") and not response.location.startswith("//")


def test_anonymous_visit_to_a_signed_in_page_goes_there_after_sign_in(client, make_user):
    user = make_user()

    response = client.get("/account")

    assert response.status_code == 302
    login = urlsplit(response.location)
    assert login.path == "/login"
    assert parse_qs(login.query) == {"next": ["/account"]}
    page = client.get(response.location).get_data(as_text=True)
    assert 'name="next" type="hidden" value="/account"' in page
    token = CSRF_RE.search(page).group(1)
    signed_in = client.post(
        "/login",
        data={"csrf_token": token, "email": user.email, "password": PASSWORD, "next": "/account"},
    )
    assert signed_in.location == "/account"


def test_sign_ins_and_failures_are_audited_with_the_ip(client, make_user):
    user = make_user("ana@example.com")

    sign_in(client, "Ana@example.com", "wrong password")
    sign_in(client, user.email)

    [failed] = audit_events("login.failed")
    [succeeded] = audit_events("login.succeeded")
    assert (failed.subject, failed.ip) == ("ana@example.com", "127.0.0.1")
    assert (succeeded.subject, succeeded.ip, succeeded.actor_id) == (
        "ana@example.com",
        "127.0.0.1",
        user.id,
    )


def test_too_many_failures_refuse_even_the_right_password(client, make_user, frozen_clock):
    frozen_clock(START)
    user = make_user()
    fail_to_sign_in(client, user.email)

    response = sign_in(client, user.email)

    assert response.status_code == 429
    assert THROTTLED in response.get_data(as_text=True)
    assert response.headers["Retry-After"] == str(int(WINDOW.total_seconds()))
    assert client.get("/").status_code == 302


def test_failures_count_whatever_the_case_of_the_email(client, make_user, frozen_clock):
    frozen_clock(START)
    user = make_user("ana@example.com")
    fail_to_sign_in(client, "ANA@example.com")

    assert sign_in(client, user.email).status_code == 429


def test_four_failures_do_not_throttle(client, make_user, frozen_clock):
    frozen_clock(START)
    user = make_user()
    fail_to_sign_in(client, user.email, MAX_FAILURES - 1)

    assert sign_in(client, user.email).status_code == 303


def test_retry_after_counts_down_from_the_oldest_failure(client, make_user, frozen_clock):
    frozen_clock(START)
    user = make_user()
    fail_to_sign_in(client, user.email)
    frozen_clock(START + timedelta(minutes=10))

    response = sign_in(client, user.email)

    assert response.status_code == 429
    assert response.headers["Retry-After"] == str(5 * 60)
    assert "Try again in 5 minutes" in response.get_data(as_text=True)


def test_right_password_works_again_after_the_window(client, make_user, frozen_clock):
    frozen_clock(START)
    user = make_user()
    fail_to_sign_in(client, user.email)
    frozen_clock(START + WINDOW + timedelta(seconds=1))

    assert sign_in(client, user.email).status_code == 303


def test_throttling_one_email_does_not_block_another(client, make_user, frozen_clock):
    frozen_clock(START)
    target, other = make_user(), make_user()
    fail_to_sign_in(client, target.email)

    assert sign_in(client, other.email).status_code == 303

"""Resetting a forgotten password with a link that works once and for two hours."""

from datetime import timedelta

import pytest

from advocacy.models import User
from advocacy.services.accounts import INVITE_PURPOSE, make_token
from tests.auth.helpers import (
    NEW_PASSWORD,
    audit_events,
    choose_password,
    is_signed_in,
    links_aged,
    mailed_link,
    mailed_links,
    outbox_count,
)
from tests.conftest import PASSWORD, post_form, sign_in

NEUTRAL_MESSAGE = "If that address has an account, a reset link is on its way."
TWO_HOURS = int(timedelta(hours=2).total_seconds())


def request_reset(client, email: str):
    return post_form(client, "/reset", {"email": email})


@pytest.fixture
def user(make_user) -> User:
    return make_user("ana@example.com", name="Ana Lima")


@pytest.fixture
def reset_link(client, user) -> str:
    request_reset(client, user.email)
    return mailed_link(user.email, "reset")


def test_reset_request_mails_one_link_to_a_known_address(client, user):
    response = request_reset(client, "Ana@Example.com")

    assert response.status_code == 303
    assert response.location == "/login"
    assert NEUTRAL_MESSAGE in client.get("/login").get_data(as_text=True)
    assert outbox_count() == 1
    assert mailed_link(user.email, "reset").startswith("/reset/")


@pytest.mark.parametrize("active", [True, False], ids=["unknown", "deactivated"])
def test_no_account_gets_the_same_message_and_no_mail(client, make_user, active):
    email = "nobody@example.com" if active else make_user(active=False).email

    response = request_reset(client, email)

    assert response.status_code == 303
    assert NEUTRAL_MESSAGE in client.get("/login").get_data(as_text=True)
    assert outbox_count() == 0


def test_reset_link_sets_a_new_password_and_signs_in(app, client, user, reset_link):
    page = client.get(reset_link)
    assert page.status_code == 200
    assert "ana@example.com" in page.get_data(as_text=True)

    response = choose_password(client, reset_link)

    assert response.status_code == 303
    assert response.location == "/"
    home = client.get("/").get_data(as_text=True)
    assert "Your new password is saved and you are signed in." in home
    assert "Ana Lima" in home
    assert sign_in(app.test_client(), user.email, NEW_PASSWORD).status_code == 303
    assert sign_in(app.test_client(), user.email, PASSWORD).status_code == 400


def test_reset_signs_out_every_other_device(app, client, user, reset_link):
    laptop = app.test_client()
    sign_in(laptop, user.email, remember="y")

    choose_password(client, reset_link)

    assert not is_signed_in(laptop)


def test_reset_link_works_only_once(app, client, reset_link):
    choose_password(client, reset_link)

    again = app.test_client()
    reused = choose_password(again, reset_link, "another passphrase")
    for response in (again.get(reset_link), reused):
        assert response.status_code == 400
        assert "already been used" in response.get_data(as_text=True)


def test_using_the_newest_link_voids_older_ones(client, user):
    request_reset(client, user.email)
    request_reset(client, user.email)
    older, newest = mailed_links(user.email, "reset")

    choose_password(client, newest)

    assert client.get(older).status_code == 400


def test_reset_link_still_works_just_before_two_hours(client, reset_link):
    with links_aged(TWO_HOURS - 60):
        assert client.get(reset_link).status_code == 200
        assert choose_password(client, reset_link).status_code == 303


def test_reset_link_expires_after_two_hours(client, user, reset_link):
    with links_aged(TWO_HOURS + 1):
        page = client.get(reset_link)
        submitted = choose_password(client, reset_link)

    for response in (page, submitted):
        assert response.status_code == 400
        assert "expired" in response.get_data(as_text=True)
    assert sign_in(client, user.email).status_code == 303


def test_tampered_reset_link_is_refused(client, reset_link):
    prefix, token = reset_link.rsplit("/", 1)
    tampered = f"{prefix}/{'B' if token[0] == 'A' else 'A'}{token[1:]}"

    response = client.get(tampered)

    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)


def test_invitation_link_is_not_a_reset_link(app, client, user):
    token = make_token(app.config["SECRET_KEY"], INVITE_PURPOSE, user)

    assert client.get(f"/reset/{token}").status_code == 400


def test_differing_confirmation_is_refused(client, user, reset_link):
    response = choose_password(client, reset_link, confirm="something else entirely")

    assert response.status_code == 400
    assert "The two passwords differ." in response.get_data(as_text=True)
    assert sign_in(client, user.email).status_code == 303


@pytest.mark.parametrize(
    ("password", "message"),
    [("short", "between 10 and 256 characters"), ("ana@example.com", "must not be your email")],
    ids=["too-short", "email"],
)
def test_password_breaking_the_rules_is_refused(client, user, reset_link, password, message):
    response = choose_password(client, reset_link, password)

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert not is_signed_in(client)
    assert client.get(reset_link).status_code == 200
    assert sign_in(client, user.email).status_code == 303


def test_reset_requests_and_resets_are_audited(client, user, reset_link):
    request_reset(client, "nobody@example.com")
    choose_password(client, reset_link)

    requested = {
        (event.subject, event.details["known"])
        for event in audit_events("password.reset_requested")
    }
    assert requested == {("ana@example.com", True), ("nobody@example.com", False)}
    [reset] = audit_events("password.reset")
    assert (reset.subject, reset.actor_id, reset.ip) == ("ana@example.com", user.id, "127.0.0.1")

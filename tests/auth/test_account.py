"""The user's own account page: the profile and changing the password."""

from tests.auth.helpers import NEW_PASSWORD, audit_events, choose_password
from tests.conftest import PASSWORD, sign_in


def test_account_page_shows_the_profile(client, login_as):
    login_as("employee", "marketer", name="Ana Lima", department="Sales")

    page = client.get("/account")

    text = page.get_data(as_text=True)
    assert page.status_code == 200
    for fact in ("Ana Lima", "Sales", "employee", "marketer", "Change password"):
        assert fact in text


def test_password_change_needs_the_right_current_password(app, client, login_as):
    user = login_as("employee")

    response = choose_password(client, "/account", current="not my password")

    assert response.status_code == 400
    assert "Your current password is not right." in response.get_data(as_text=True)
    assert sign_in(app.test_client(), user.email, PASSWORD).status_code == 303


def test_password_change_is_confirmed_and_the_new_password_works(app, client, login_as):
    user = login_as("employee")

    response = choose_password(client, "/account", current=PASSWORD)

    assert response.status_code == 303
    assert response.location == "/account"
    assert "Your password is changed." in client.get("/account").get_data(as_text=True)
    assert sign_in(app.test_client(), user.email, NEW_PASSWORD).status_code == 303
    assert sign_in(app.test_client(), user.email, PASSWORD).status_code == 400
    [changed] = audit_events("password.changed")
    assert (changed.subject, changed.actor_id) == (user.email, user.id)


def test_new_password_must_be_repeated_the_same(client, login_as):
    login_as("employee")

    response = choose_password(client, "/account", current=PASSWORD, confirm="a different one")

    assert response.status_code == 400
    assert "The two passwords differ." in response.get_data(as_text=True)

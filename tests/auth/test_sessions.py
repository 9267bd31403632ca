"""Sessions: signing out, cookies, and changes that must end a session at once."""

from sqlalchemy import delete, select

from advocacy.extensions import db
from advocacy.models import Role
from advocacy.models.user import user_roles
from tests.auth.helpers import choose_password, is_signed_in
from tests.conftest import PASSWORD, post_form, sign_in


def copy_cookie(source, target, name: str) -> None:
    cookie = source.get_cookie(name)
    assert cookie is not None, f"no {name} cookie"
    target.set_cookie(name, cookie.value)


def test_sign_out_accepts_only_post(client, login_as):
    login_as("employee")

    assert client.get("/logout").status_code == 405
    assert is_signed_in(client)


def test_sign_out_ends_the_session(client, login_as):
    login_as("employee")

    response = post_form(client, "/logout")

    assert response.status_code == 303
    assert response.location == "/login"
    assert "You are signed out." in client.get("/login").get_data(as_text=True)
    assert not is_signed_in(client)


def test_session_cookie_from_before_sign_out_no_longer_works(app, client, login_as):
    login_as("employee")
    stolen = app.test_client()
    copy_cookie(client, stolen, "session")
    assert is_signed_in(stolen)

    post_form(client, "/logout")

    response = stolen.get("/account")
    assert response.status_code == 302
    assert response.location.startswith("/login")


def test_session_cookie_is_http_only_and_same_site_lax(client, login_as):
    login_as("employee")

    cookie = client.get_cookie("session")

    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_without_remember_me_there_is_no_remember_cookie(client, make_user):
    sign_in(client, make_user().email)

    assert client.get_cookie("remember_token") is None


def test_remember_me_sets_an_http_only_cookie_that_signs_in_later(app, client, make_user):
    sign_in(client, make_user().email, remember="y")

    cookie = client.get_cookie("remember_token")
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    next_visit = app.test_client()
    copy_cookie(client, next_visit, "remember_token")
    assert is_signed_in(next_visit)


def test_sign_out_makes_the_remember_cookie_useless(app, client, make_user):
    sign_in(client, make_user().email, remember="y")
    kept = app.test_client()
    copy_cookie(client, kept, "remember_token")

    post_form(client, "/logout")

    assert client.get_cookie("remember_token") is None
    assert not is_signed_in(kept)


def test_password_change_signs_out_other_sessions_but_not_this_one(app, client, make_user):
    user = make_user()
    phone = app.test_client()
    sign_in(client, user.email)
    sign_in(phone, user.email, remember="y")

    response = choose_password(client, "/account", current=PASSWORD)

    assert response.status_code == 303
    assert is_signed_in(client)
    assert not is_signed_in(phone)


def test_password_change_keeps_this_device_remembered(app, client, make_user):
    sign_in(client, make_user().email, remember="y")

    choose_password(client, "/account", current=PASSWORD)

    next_visit = app.test_client()
    copy_cookie(client, next_visit, "remember_token")
    assert is_signed_in(next_visit)


def test_deactivation_by_an_admin_ends_the_session_at_once(app, client, login_as, make_user):
    login_as("admin")
    user = make_user()
    their_browser = app.test_client()
    sign_in(their_browser, user.email, remember="y")
    assert is_signed_in(their_browser)

    response = post_form(client, f"/admin/users/{user.id}/deactivate")

    assert response.status_code == 303
    assert not is_signed_in(their_browser)


def test_roles_are_read_from_the_database_on_every_request(client, login_as):
    admin = login_as("admin", "employee")
    assert client.get("/admin/users").status_code == 200
    admin_role = db.session.scalar(select(Role.id).where(Role.name == "admin"))

    with db.engine.begin() as connection:  # as another admin's request would, not via our session
        connection.execute(
            delete(user_roles).where(
                user_roles.c.user_id == admin.id, user_roles.c.role_id == admin_role
            )
        )

    assert client.get("/admin/users").status_code == 403

"""Invitations: an admin adds a person, who chooses a password from the mailed link."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from advocacy.extensions import db
from advocacy.models import User
from advocacy.services import accounts, users
from tests.auth.helpers import (
    NEW_PASSWORD,
    audit_events,
    choose_password,
    is_signed_in,
    links_aged,
    mailed_link,
)
from tests.conftest import post_form, sign_in

SEVEN_DAYS = int(timedelta(days=7).total_seconds())
NEWCOMER = "bea@example.com"


@pytest.fixture
def invite_link(client, login_as) -> str:
    """An admin adds Bea Costa; the path of the link in her invitation."""
    login_as("admin", name="Admin Person")
    response = post_form(
        client,
        "/admin/users/new",
        {
            "email": NEWCOMER,
            "name": "Bea Costa",
            "department": "Sales",
            "roles": ["employee", "marketer"],
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return mailed_link(NEWCOMER, "invite")


def test_admin_adds_a_person_who_is_mailed_an_invitation(invite_link):
    bea = db.session.scalar(select(User).where(User.email == NEWCOMER))

    assert invite_link.startswith("/invite/")
    assert bea.name == "Bea Costa"
    assert bea.department.name == "Sales"
    assert bea.role_names == {"employee", "marketer"}
    assert bea.password_hash is None
    [sent] = audit_events("invitation.sent")
    assert sent.subject == NEWCOMER


def test_invited_person_chooses_a_password_and_is_signed_in(app, invite_link):
    browser = app.test_client()
    page = browser.get(invite_link)
    assert page.status_code == 200
    assert "Welcome, Bea Costa" in page.get_data(as_text=True)

    response = choose_password(browser, invite_link)

    assert response.status_code == 303
    assert response.location == "/"
    home = browser.get("/").get_data(as_text=True)
    assert "Welcome to Chorus! Your password is saved." in home
    assert "Bea Costa" in home
    assert sign_in(app.test_client(), NEWCOMER, NEW_PASSWORD).status_code == 303
    [accepted] = audit_events("invitation.accepted")
    assert accepted.subject == NEWCOMER


def test_invitation_link_works_only_once(app, invite_link):
    choose_password(app.test_client(), invite_link)

    someone_else = app.test_client()
    response = choose_password(someone_else, invite_link, "someone else's password")

    assert response.status_code == 400
    assert "already been used" in response.get_data(as_text=True)
    assert not is_signed_in(someone_else)


def test_invitation_link_expires_after_seven_days(app, invite_link):
    with links_aged(SEVEN_DAYS + 1):
        response = app.test_client().get(invite_link)

    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_invitation_of_a_deactivated_person_cannot_be_used(app, client, invite_link):
    bea = db.session.scalar(select(User).where(User.email == NEWCOMER))
    post_form(client, f"/admin/users/{bea.id}/deactivate")

    response = app.test_client().get(invite_link)

    assert response.status_code == 400


def test_a_link_mailed_to_a_corrected_address_stops_working(app, make_user):
    admin = make_user("boss@example.com", roles=("admin",))
    typo = make_user("wrong@example.org", name="New Admin", roles=("admin",), password=None)
    with app.test_request_context():
        accounts.send_invitation(
            db.session, app.config, typo, lambda token: f"/invite/{token}", invited_by=admin
        )
        db.session.commit()
        users.update_user(
            db.session,
            typo,
            users.UserChanges("right@example.com", "New Admin", None, {"admin"}),
            actor=admin,
        )
    link = mailed_link("wrong@example.org", "invite")

    response = app.test_client().get(link)

    assert response.status_code == 400
    assert "no longer valid" in response.get_data(as_text=True)

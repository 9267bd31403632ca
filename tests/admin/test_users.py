"""The people pages: listing, searching, adding, editing, (de)activating and inviting users."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from advocacy.extensions import db
from advocacy.models import Department, OutboxMessage, User
from tests.admin.conftest import (
    audit_events,
    count,
    department_names,
    flashes,
    form_errors,
    outbox_recipients,
    people_listed,
    stored_user,
)
from tests.conftest import PASSWORD, post_form, sign_in

SCRIPT = "<script>alert(1)</script>"
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
TICKED_ROLE = re.compile(
    r'<input checked id="roles-\d+" name="roles" type="checkbox" value="(\w+)">'
)


def add_person(client, **fields):
    data = {
        "email": "new.person@example.com",
        "name": "New Person",
        "department": "",
        "roles": ["employee"],
        **fields,
    }
    return post_form(client, "/admin/users/new", data)


def edit_person(client, user: User, **fields):
    data = {
        "email": user.email,
        "name": user.name,
        "department": user.department.name if user.department else "",
        "roles": sorted(user.role_names),
        **fields,
    }
    return post_form(client, f"/admin/users/{user.id}", data)


def people_page(client, **query) -> str:
    response = client.get("/admin/users", query_string=query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def ticked_roles(page: str) -> list[str]:
    return TICKED_ROLE.findall(page)


def row_of(page: str, name: str) -> str:
    """The people table row that starts with this name."""
    return page[page.index(name) :].split("</tr>")[0]


# The people list


def test_people_list_shows_each_person_with_department_roles_and_status(client, admin, make_user):
    make_user("mia@example.com", name="Mia Active", department="Sales", roles=("marketer",))
    make_user("ivo@example.com", name="Ivo Invited", password=None)
    make_user("dora@example.com", name="Dora Deactivated", active=False)

    page = people_page(client)

    assert people_listed(page) == ["Ada Admin", "Dora Deactivated", "Ivo Invited", "Mia Active"]
    assert "4 people" in page
    mia_row = row_of(page, "Mia Active")
    assert "mia@example.com" in mia_row
    assert "Sales" in mia_row
    assert '<span class="badge badge-role">marketer</span>' in mia_row
    assert '<span class="badge badge-ok">active</span>' in mia_row
    assert '<span class="badge">invited</span>' in row_of(page, "Ivo Invited")
    assert '<span class="badge badge-off">deactivated</span>' in row_of(page, "Dora Deactivated")


@pytest.mark.parametrize("typed", ["alice", "ALICE", "aLiCe mAr"])
def test_search_finds_people_by_name_whatever_the_case(client, admin, make_user, typed):
    make_user("a.martin@example.com", name="Alice Martin")
    make_user("bob@example.com", name="Bob Stone")

    assert people_listed(people_page(client, q=typed)) == ["Alice Martin"]


@pytest.mark.parametrize("typed", ["bob@example", "BOB@EXAMPLE.ORG", "Example.Org"])
def test_search_finds_people_by_email_whatever_the_case(client, admin, make_user, typed):
    make_user("alice@example.com", name="Alice Martin")
    make_user("bob@example.org", name="Bob Stone")

    assert people_listed(people_page(client, q=typed)) == ["Bob Stone"]


def test_search_finds_names_with_accented_capitals(client, admin, make_user):
    make_user("elodie@example.com", name="Élodie Durand")
    make_user("bob@example.com", name="Bob Stone")

    assert people_listed(people_page(client, q="Élodie")) == ["Élodie Durand"]
    assert people_listed(people_page(client, q="élodie")) == ["Élodie Durand"]


def test_search_takes_wildcard_characters_literally(client, admin, make_user):
    make_user("j_smith@example.com", name="Jo Smith")
    make_user("jasmith@example.com", name="Jay Asmith")
    make_user("ann@example.com", name="Ann 100% Lee")

    assert people_listed(people_page(client, q="j_smith")) == ["Jo Smith"]
    assert people_listed(people_page(client, q="100%")) == ["Ann 100% Lee"]


def test_search_with_no_match_shows_the_empty_state(client, admin):
    page = people_page(client, q="nobody-like-this")

    assert people_listed(page) == []
    assert "Nobody matches these filters" in page


def test_filter_by_role_lists_only_people_with_that_role(client, admin, make_user):
    make_user(name="Mark Marketer", roles=("marketer", "employee"))
    make_user(name="Eve Employee", roles=("employee",))
    make_user(name="Xena Executive", roles=("executive",))

    assert people_listed(people_page(client, role="marketer")) == ["Mark Marketer"]
    assert people_listed(people_page(client, role="employee")) == ["Eve Employee", "Mark Marketer"]
    assert people_listed(people_page(client, role="admin")) == ["Ada Admin"]


def test_filter_by_department_lists_only_its_people(client, admin, make_user):
    make_user(name="Sam Sales", department="Sales")
    make_user(name="Sue Sales", department="Sales")
    make_user(name="Max Marketing", department="Marketing")
    sales = db.session.scalar(select(Department).where(Department.name == "Sales"))

    page = people_page(client, department=sales.id)

    assert people_listed(page) == ["Sam Sales", "Sue Sales"]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("active", ["Ada Admin", "Ivo Invited", "Mia Active"]),
        ("deactivated", ["Dora Deactivated"]),
        ("", ["Ada Admin", "Dora Deactivated", "Ivo Invited", "Mia Active"]),
    ],
)
def test_filter_by_status(client, admin, make_user, status, expected):
    make_user(name="Mia Active")
    make_user(name="Ivo Invited", password=None)
    make_user(name="Dora Deactivated", active=False)

    assert people_listed(people_page(client, status=status)) == expected


def test_people_list_shows_25_people_per_page(client, admin, make_user):
    for number in range(1, 31):
        make_user(name=f"Member {number:02d}")

    first = people_page(client)
    second = people_page(client, page=2)

    assert "31 people" in first
    assert people_listed(first) == ["Ada Admin"] + [f"Member {n:02d}" for n in range(1, 25)]
    assert people_listed(second) == [f"Member {n:02d}" for n in range(25, 31)]
    assert "page=2" in first and "Next" in first
    assert "Previous" in second and "Next" not in second


def test_next_page_link_keeps_the_filters(client, admin, make_user):
    for number in range(1, 31):
        make_user(name=f"Member {number:02d}", roles=("marketer",))

    first = people_page(client, role="marketer", q="member")

    assert "30 people" in first
    assert len(people_listed(first)) == 25
    next_link = first[first.index('class="pagination"') :].split("Next")[0]
    assert "role=marketer" in next_link and "q=member" in next_link
    assert len(people_listed(people_page(client, role="marketer", q="member", page=2))) == 5


# Adding a person


def test_adding_a_person_stores_them_without_password_and_sends_an_invitation(client, admin):
    response = add_person(
        client,
        email=" Nina.Novak@Example.com ",
        name="Nina Novak",
        department="Research",
        roles=["marketer", "employee"],
    )

    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/users"
    nina = stored_user("nina.novak@example.com")
    assert nina.name == "Nina Novak"
    assert nina.password_hash is None
    assert nina.active
    assert nina.role_names == {"marketer", "employee"}
    assert nina.department.name == "Research"
    assert department_names() == ["Research"]
    invitation = db.session.scalar(select(OutboxMessage))
    assert invitation.recipient == "nina.novak@example.com"
    assert invitation.subject == "You are invited to Chorus"
    assert "http://localhost/invite/" in invitation.body
    [created] = audit_events("user.created")
    assert created.actor_id == admin.id
    assert created.subject == "nina.novak@example.com"
    assert created.details == {"roles": ["employee", "marketer"], "department": "Research"}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert (
        "success",
        "Nina Novak is added and an invitation was sent to nina.novak@example.com.",
    ) in flashes(page)
    assert "Nina Novak" in people_listed(page)


def test_invitation_link_from_the_outbox_opens_the_choose_password_page(client, admin):
    add_person(client)
    body = db.session.scalar(select(OutboxMessage.body))
    link = next(word for word in body.split() if word.startswith("http://localhost/invite/"))

    newcomer = client.application.test_client()
    assert newcomer.get(link.removeprefix("http://localhost")).status_code == 200


def test_adding_a_person_to_an_existing_department_reuses_it(client, admin, make_user):
    make_user(name="Sam Sales", department="Sales")

    add_person(client, department="  sales ")

    assert department_names() == ["Sales"]
    assert stored_user("new.person@example.com").department.name == "Sales"


def test_adding_a_person_to_a_department_with_an_accented_capital_reuses_it(
    client, admin, make_user
):
    make_user(name="Sam Student", department="Études")

    response = add_person(client, department="Études")

    assert response.status_code == 303
    assert department_names() == ["Études"]


def test_adding_a_person_with_a_taken_email_is_refused_and_keeps_the_input(
    client, admin, make_user
):
    make_user("taken@example.com", name="First Holder")
    users_before = count(User)

    response = add_person(client, email="Taken@Example.com", name="Second Typed Name")

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is already an account for taken@example.com." in form_errors(page)
    assert 'value="Second Typed Name"' in page
    assert count(User) == users_before
    assert count(OutboxMessage) == 0
    assert audit_events("user.created") == []


@pytest.mark.parametrize("email", ["not-an-email", "two@@example.com", "space in@example.com"])
def test_adding_a_person_with_an_invalid_email_is_refused(client, admin, email):
    response = add_person(client, email=email, name="Typo Person")

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "is not a valid email address" in form_errors(page)
    assert 'value="Typo Person"' in page
    assert count(User) == 1
    assert count(OutboxMessage) == 0


def test_adding_a_person_without_a_name_is_refused(client, admin):
    response = add_person(client, name="   ")

    assert response.status_code == 400
    assert count(User) == 1


def test_adding_a_person_with_an_unknown_role_is_refused(client, admin):
    response = add_person(client, roles=["employee", "superuser"])

    assert response.status_code == 400
    assert count(User) == 1


def test_adding_a_person_whose_name_has_a_nul_character_is_refused(client, admin):
    response = add_person(client, name="Nina\x00Novak")

    assert response.status_code == 400
    assert count(User) == 1


# Editing a person


def test_editing_roles_department_and_email_saves_them_and_audits_before_and_after(
    client, admin, make_user
):
    person = make_user("old@example.com", name="Pat Person", department="Sales")

    response = edit_person(
        client,
        person,
        email="new@example.com",
        department="Marketing",
        roles=["marketer", "employee"],
    )

    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/users/{person.id}"
    assert stored_user("old@example.com") is None
    edited = stored_user("new@example.com")
    assert edited.id == person.id
    assert edited.role_names == {"marketer", "employee"}
    assert edited.department.name == "Marketing"
    [updated] = audit_events("user.updated")
    assert updated.actor_id == admin.id
    assert updated.subject == f"user:{person.id}"
    assert updated.details == {
        "before": {
            "name": "Pat Person",
            "email": "old@example.com",
            "roles": ["employee"],
            "department": "Sales",
        },
        "after": {
            "name": "Pat Person",
            "email": "new@example.com",
            "roles": ["employee", "marketer"],
            "department": "Marketing",
        },
    }
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert ("success", "Saved Pat Person.") in flashes(page)
    assert 'value="new@example.com"' in page
    assert ticked_roles(page) == ["marketer", "employee"]


def test_edit_page_shows_the_person_as_stored(client, admin, make_user):
    person = make_user("pat@example.com", name="Pat Person", department="Sales", password=None)

    page = client.get(f"/admin/users/{person.id}").get_data(as_text=True)

    assert "<h1>Pat Person</h1>" in page
    assert 'value="pat@example.com"' in page
    assert 'value="Sales"' in page
    assert ticked_roles(page) == ["employee"]
    assert "invited, no password yet" in page
    assert "Send the invitation again" in page


def test_editing_to_another_persons_email_is_refused(client, admin, make_user):
    make_user("taken@example.com")
    person = make_user("pat@example.com", name="Pat Person")

    response = edit_person(client, person, email="TAKEN@example.com")

    assert response.status_code == 400
    assert "There is already an account for taken@example.com." in form_errors(
        response.get_data(as_text=True)
    )
    assert stored_user("pat@example.com") is not None
    assert audit_events("user.updated") == []


def test_the_last_active_admin_keeps_the_admin_role(client, admin):
    response = edit_person(client, admin, roles=["employee"])

    assert response.status_code == 400
    assert "Chorus needs at least one active admin" in form_errors(response.get_data(as_text=True))
    assert stored_user(admin.email).role_names == {"admin"}
    assert audit_events("user.updated") == []


def test_the_admin_role_can_be_removed_while_another_admin_remains(client, admin, make_user):
    other = make_user("other.admin@example.com", roles=("admin",))

    response = edit_person(client, other, roles=["employee"])

    assert response.status_code == 303
    assert stored_user("other.admin@example.com").role_names == {"employee"}


# Deactivating, activating and inviting again


def test_an_admin_cannot_deactivate_themself(client, admin):
    response = post_form(client, f"/admin/users/{admin.id}/deactivate")

    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert ("error", "You cannot deactivate your own account.") in flashes(page)
    assert stored_user(admin.email).active
    assert audit_events("user.deactivated") == []


def test_a_deactivated_person_is_signed_out_and_cannot_sign_in_until_activated(
    app, client, admin, make_user
):
    person = make_user("pat@example.com", name="Pat Person")
    pats_browser = app.test_client()
    assert sign_in(pats_browser, person.email).status_code == 303

    response = post_form(client, f"/admin/users/{person.id}/deactivate")

    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/users/{person.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert ("success", "Pat Person is deactivated and signed out.") in flashes(page)
    assert "Activate again" in page
    assert not stored_user("pat@example.com").active
    assert pats_browser.get("/account").status_code == 302
    refused = sign_in(app.test_client(), person.email)
    assert refused.status_code == 400
    assert "do not match an active account" in refused.get_data(as_text=True)
    assert "deactivated" in row_of(people_page(client), "Pat Person")
    assert [event.subject for event in audit_events("user.deactivated")] == ["pat@example.com"]

    response = post_form(client, f"/admin/users/{person.id}/activate")

    assert response.status_code == 303
    assert stored_user("pat@example.com").active
    assert sign_in(app.test_client(), person.email, PASSWORD).status_code == 303
    assert [event.subject for event in audit_events("user.activated")] == ["pat@example.com"]


def test_sending_the_invitation_again_puts_a_second_message_in_the_outbox(client, admin):
    add_person(client, email="nina@example.com", name="Nina Novak")
    nina = stored_user("nina@example.com")

    response = post_form(client, f"/admin/users/{nina.id}/invite")

    assert response.status_code == 303
    assert outbox_recipients() == ["nina@example.com", "nina@example.com"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert ("success", "A new invitation was sent to nina@example.com.") in flashes(page)
    assert len(audit_events("invitation.sent")) == 2


def test_no_invitation_is_sent_to_a_deactivated_person(client, admin, make_user):
    person = make_user("gone@example.com", name="Gus Gone", password=None, active=False)

    response = post_form(client, f"/admin/users/{person.id}/invite")

    assert outbox_recipients() == []
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert ("error", "Gus Gone is deactivated; activate them before inviting.") in flashes(page)


def test_no_invitation_is_sent_to_someone_who_has_a_password(client, admin, make_user):
    person = make_user("member@example.com", name="Mo Member")

    response = post_form(client, f"/admin/users/{person.id}/invite")

    assert outbox_recipients() == []
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert any(
        kind == "error" and "already chosen a password" in text for kind, text in flashes(page)
    )


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/admin/users/999999"),
        ("POST", "/admin/users/999999"),
        ("POST", "/admin/users/999999/deactivate"),
        ("POST", "/admin/users/999999/activate"),
        ("POST", "/admin/users/999999/invite"),
    ],
)
def test_an_unknown_user_id_answers_404(client, admin, method, url):
    if method == "GET":
        response = client.get(url)
    else:
        response = post_form(client, url, {"email": "x@example.com", "name": "X"})

    assert response.status_code == 404
    assert "There is no such user." in response.get_data(as_text=True)


# User text is escaped


@pytest.mark.parametrize(
    "page_of", ["people list", "edit page", "audit log", "outbox", "departments"]
)
def test_a_name_with_markup_is_shown_as_text(client, admin, page_of):
    add_person(client, email="mallory@example.com", name=SCRIPT, department=SCRIPT)
    mallory = stored_user("mallory@example.com")
    edit_person(client, mallory, roles=["marketer"])
    url = {
        "people list": "/admin/users",
        "edit page": f"/admin/users/{mallory.id}",
        "audit log": "/admin/audit",
        "outbox": "/admin/outbox",
        "departments": "/admin/departments",
    }[page_of]

    page = client.get(url).get_data(as_text=True)

    assert SCRIPT not in page
    assert ESCAPED_SCRIPT in page

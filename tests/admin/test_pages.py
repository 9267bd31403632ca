"""The departments page, the mail outbox and the append-only audit log."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from advocacy.extensions import db
from advocacy.models import AuditEvent, Department
from advocacy.services import audit
from advocacy.services.mail import MailSettings, send_mail
from tests.admin.conftest import audit_events, count, department_names, flashes, form_errors
from tests.conftest import post_form

DEPARTMENT_ROW = re.compile(
    r'<tr><td><a href="/admin/users\?department=\d+">([^<]*)</a></td>'
    r'<td class="num">(\d+)</td></tr>'
)
MAIL_SUMMARY = re.compile(r"<summary>(.*?) · to (.*?) · ")
AUDIT_ACTION = re.compile(r"<td><code>([^<]*)</code></td>")


def departments_listed(page: str) -> list[tuple[str, int]]:
    return [(html.unescape(name), int(size)) for name, size in DEPARTMENT_ROW.findall(page)]


def mails_listed(page: str) -> list[tuple[str, str]]:
    return [(html.unescape(subject), to) for subject, to in MAIL_SUMMARY.findall(page)]


def actions_listed(page: str) -> list[str]:
    return AUDIT_ACTION.findall(page)


def get_page(client, url: str, **query) -> str:
    response = client.get(url, query_string=query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def mail(app, to: str, subject: str) -> None:
    send_mail(db.session, MailSettings(app.config), to, subject, f"Hello {to}")
    db.session.commit()


# Departments


def test_departments_page_lists_each_department_with_its_number_of_people(client, admin, make_user):
    make_user(department="Sales")
    make_user(department="Sales", active=False)
    make_user(department="Marketing")
    post_form(client, "/admin/departments", {"name": "Legal"})

    page = get_page(client, "/admin/departments")

    assert departments_listed(page) == [("Legal", 0), ("Marketing", 1), ("Sales", 2)]


def test_departments_page_without_departments_shows_the_empty_state(client, admin):
    page = get_page(client, "/admin/departments")

    assert departments_listed(page) == []
    assert "No departments yet." in page


def test_adding_a_department_stores_it_and_audits_it(client, admin):
    response = post_form(client, "/admin/departments", {"name": "Legal"})

    assert response.status_code == 303
    page = get_page(client, response.headers["Location"])
    assert ("success", "Added the department Legal.") in flashes(page)
    assert departments_listed(page) == [("Legal", 0)]
    [created] = audit_events("department.created")
    assert (created.actor_id, created.subject) == (admin.id, "Legal")


def test_a_new_department_name_is_stored_without_stray_spaces(client, admin):
    post_form(client, "/admin/departments", {"name": "  Customer   Success "})

    assert department_names() == ["Customer Success"]


def test_adding_a_department_that_exists_is_refused(client, admin, make_user):
    make_user(department="Sales")

    response = post_form(client, "/admin/departments", {"name": "SALES"})

    assert response.status_code == 400
    assert "There is already a department called SALES." in form_errors(
        response.get_data(as_text=True)
    )
    assert department_names() == ["Sales"]
    assert audit_events("department.created") == []


def test_adding_a_department_that_exists_with_accented_capitals_is_refused(
    client, admin, make_user
):
    make_user(department="Études")

    response = post_form(client, "/admin/departments", {"name": "ÉTUDES"})

    assert response.status_code == 400
    assert department_names() == ["Études"]


def test_adding_a_department_without_a_name_is_refused(client, admin):
    response = post_form(client, "/admin/departments", {"name": "   "})

    assert response.status_code == 400
    assert count(Department) == 0


def test_a_department_links_to_its_people(client, admin, make_user):
    make_user(name="Sam Sales", department="Sales")
    make_user(name="Max Marketing", department="Marketing")
    sales = db.session.scalar(select(Department).where(Department.name == "Sales"))

    page = get_page(client, "/admin/departments")

    assert f'href="/admin/users?department={sales.id}"' in page
    people = get_page(client, "/admin/users", department=sales.id)
    assert "Sam Sales" in people and "Max Marketing" not in people


# The mail outbox


def test_outbox_lists_messages_newest_first(app, client, admin):
    mail(app, "ann@example.com", "First message")
    mail(app, "bob@example.com", "Second message")

    page = get_page(client, "/admin/outbox")

    assert mails_listed(page) == [
        ("Second message", "bob@example.com"),
        ("First message", "ann@example.com"),
    ]
    assert "2 messages" in page
    assert "Hello ann@example.com" in page


@pytest.mark.parametrize("typed", ["ann@example.com", "ANN@", "ann"])
def test_outbox_filters_by_recipient(app, client, admin, typed):
    mail(app, "ann@example.com", "For Ann")
    mail(app, "bob@example.com", "For Bob")
    mail(app, "ann@example.com", "For Ann again")

    page = get_page(client, "/admin/outbox", to=typed)

    assert mails_listed(page) == [
        ("For Ann again", "ann@example.com"),
        ("For Ann", "ann@example.com"),
    ]
    assert "2 messages" in page
    assert f'value="{typed}"' in page


def test_empty_outbox_shows_the_empty_state(client, admin):
    page = get_page(client, "/admin/outbox")

    assert mails_listed(page) == []
    assert "0 messages" in page
    assert "No mail yet." in page


def test_outbox_filter_without_match_shows_the_empty_state(app, client, admin):
    mail(app, "ann@example.com", "For Ann")

    page = get_page(client, "/admin/outbox", to="zed@")

    assert mails_listed(page) == []
    assert "No mail yet." in page


# The audit log


def test_audit_log_lists_events_newest_first(client, admin):
    for name in ("Alpha", "Beta"):
        post_form(client, "/admin/departments", {"name": name})

    page = get_page(client, "/admin/audit")

    assert actions_listed(page) == ["department.created", "department.created", "login.succeeded"]
    assert page.index("<td>Beta</td>") < page.index("<td>Alpha</td>")


def test_audit_log_shows_when_who_what_and_from_where(client, admin, frozen_clock):
    frozen_clock(datetime(2024, 5, 1, 9, 30, 15, tzinfo=UTC))
    post_form(client, "/admin/departments", {"name": "Legal"})

    page = get_page(client, "/admin/audit", action="department.created")

    row = page[page.index("<tbody>") : page.index("</tbody>")]
    assert "<td>2024-05-01 09:30:15</td>" in row
    assert "<td>ada@example.com</td>" in row
    assert "<td>Legal</td>" in row
    assert "<td>127.0.0.1</td>" in row


def test_audit_log_filters_by_action(client, admin):
    post_form(client, "/admin/departments", {"name": "Legal"})

    page = get_page(client, "/admin/audit", action="department.created")

    assert actions_listed(page) == ["department.created"]
    assert '<option value="department.created" selected>' in page
    assert '<option value="login.succeeded">' in page


def test_audit_log_filter_without_events_shows_the_empty_state(client, admin):
    page = get_page(client, "/admin/audit", action="user.deleted")

    assert actions_listed(page) == []
    assert "No events for this action." in page


def test_audit_log_pages_50_events_at_a_time(client, admin):
    for number in range(60):
        audit.record(db.session, "test.event", subject=f"event {number}")
    db.session.commit()

    first = get_page(client, "/admin/audit")
    second = get_page(client, "/admin/audit", page=2)

    assert len(actions_listed(first)) == 50
    assert "<td>event 59</td>" in first and "Next →" in first
    assert actions_listed(second) == ["test.event"] * 10 + ["login.succeeded"]
    assert "Next →" not in second


def test_audit_log_offers_no_way_to_change_or_delete_events(client, admin):
    post_form(client, "/admin/departments", {"name": "Legal"})

    page = get_page(client, "/admin/audit")

    forms = re.findall(r"<form[^>]*>", page)
    assert all('method="get"' in form or "/logout" in form for form in forms), forms
    assert not re.search(r"\b(edit|delete|remove)\b", page, re.I)
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)("/admin/audit").status_code == 405


def test_an_audit_event_cannot_be_changed_through_the_orm(app):
    event = audit.record(db.session, "login.failed", subject="ann@example.com")
    db.session.commit()

    event.subject = "someone-else@example.com"
    with pytest.raises(PermissionError, match="append-only"):
        db.session.commit()
    db.session.rollback()

    assert db.session.get(AuditEvent, event.id).subject == "ann@example.com"


def test_an_audit_event_cannot_be_deleted_through_the_orm(app):
    event = audit.record(db.session, "login.failed", subject="ann@example.com")
    db.session.commit()

    db.session.delete(event)
    with pytest.raises(PermissionError, match="append-only"):
        db.session.commit()
    db.session.rollback()

    assert count(AuditEvent) == 1

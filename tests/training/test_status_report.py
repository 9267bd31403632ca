"""The certification status report for admins and marketers: filters, coverage, CSV export."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import timedelta

import pytest

from advocacy.extensions import db
from advocacy.models import Department
from advocacy.services.accounts import find_by_email
from advocacy.services.certificates import revoke
from advocacy.services.demo import DEMO_PASSWORD
from tests.conftest import sign_in
from tests.training.conftest import START, certify, text_of
from training.gating import Reason, may_share

COVERAGE_ROW = re.compile(
    r'<tr( class="total")?><td>([^<]*)</td><td class="num">(\d+)</td>'
    r'<td class="num">(\d+)</td><td class="num">(\d+)%</td></tr>'
)
EMPLOYEE_ROW = re.compile(
    r'<td>([^<]*)<br><span class="muted">([^<]*)</span></td>\s*<td>([^<]*)</td>\s*'
    r'<td><span class="badge[^"]*">([^<]*)</span></td>'
)


@pytest.fixture
def staff(frozen_clock, course, make_user):
    """Six active employees in three groups, plus people the report must leave out."""
    frozen_clock(START)
    admin = make_user("ada@example.com", roles=("admin",), name="Ada Admin")
    people = {
        "sam": make_user("sam@example.com", name="Sam Sales", department="Sales"),
        "sue": make_user("sue@example.com", name="Sue Sales", department="Sales"),
        "sid": make_user("sid@example.com", name="Sid Sales", department="Sales"),
        "eve": make_user("eve@example.com", name="Eve Engineer", department="Engineering"),
        "ezra": make_user("ezra@example.com", name="Ezra Engineer", department="Engineering"),
        "nora": make_user("nora@example.com", name="Nora Nobody"),
    }
    certify(people["sam"], course, issued_at=START - timedelta(days=10))
    certify(people["sue"], course, issued_at=START - timedelta(days=400))  # expired
    certify(people["eve"], course, issued_at=START - timedelta(days=100))
    revoke(
        db.session,
        certify(people["ezra"], course, issued_at=START - timedelta(days=5)),
        actor=admin,
        reason="Shared a draft",
    )
    gone = make_user("gone@example.com", name="Gina Gone", department="Sales", active=False)
    certify(gone, course, issued_at=START - timedelta(days=10))
    make_user("mo@example.com", name="Mo Marketer", roles=("marketer",), department="Sales")
    return people


def viewer(app, make_user, *roles):
    client = app.test_client()
    person = make_user(roles=roles)
    assert sign_in(client, person.email).status_code == 303
    return client


def report(client, **params) -> str:
    response = client.get("/training/status", query_string=params)
    assert response.status_code == 200
    return text_of(response)


def employees(page: str) -> list[tuple[str, str, str]]:
    """(name, department, status) of each row, in the order shown."""
    return [
        (html.unescape(name), html.unescape(department), status)
        for name, _email, department, status in EMPLOYEE_ROW.findall(page)
    ]


def coverage(page: str) -> dict[str, tuple[int, int, int]]:
    return {name: (int(a), int(b), int(c)) for _t, name, a, b, c in COVERAGE_ROW.findall(page)}


def department_id(name: str) -> int:
    return db.session.scalar(db.select(Department.id).where(Department.name == name))


ALL_ROWS = [
    ("Eve Engineer", "Engineering", "certified"),
    ("Ezra Engineer", "Engineering", "revoked"),
    ("Nora Nobody", "", "not certified"),
    ("Sam Sales", "Sales", "certified"),
    ("Sid Sales", "Sales", "not certified"),
    ("Sue Sales", "Sales", "expired"),
]


@pytest.mark.parametrize("role", ["admin", "marketer"])
def test_the_report_lists_every_active_employee_with_their_status(app, make_user, staff, role):
    page = report(viewer(app, make_user, role))
    assert employees(page) == ALL_ROWS
    assert "6 employees" in page


def test_only_admins_see_the_extra_attempt_button(app, make_user, staff):
    assert "Grant an extra attempt" in report(viewer(app, make_user, "admin"))
    assert "Grant an extra attempt" not in report(viewer(app, make_user, "marketer"))


def test_filtering_by_department(app, make_user, staff):
    page = report(viewer(app, make_user, "admin"), department=department_id("Sales"))
    assert employees(page) == [row for row in ALL_ROWS if row[1] == "Sales"]


@pytest.mark.parametrize(
    ("status", "names"),
    [
        ("certified", ["Eve Engineer", "Sam Sales"]),
        ("lapsed", ["Ezra Engineer", "Sue Sales"]),
        ("never", ["Nora Nobody", "Sid Sales"]),
        ("nonsense", [row[0] for row in ALL_ROWS]),
    ],
)
def test_filtering_by_status(app, make_user, staff, status, names):
    page = report(viewer(app, make_user, "marketer"), status=status)
    assert [name for name, _d, _s in employees(page)] == names


def test_filters_combine(app, make_user, staff):
    page = report(
        viewer(app, make_user, "admin"), department=department_id("Sales"), status="lapsed"
    )
    assert employees(page) == [("Sue Sales", "Sales", "expired")]


def test_coverage_per_department_and_in_total(app, make_user, staff):
    page = report(viewer(app, make_user, "admin"))
    assert coverage(page) == {
        "Engineering": (2, 1, 50),
        "Sales": (3, 1, 33),
        "No department": (1, 0, 0),
        "All employees": (6, 2, 33),
    }
    total_rows = [row for row in COVERAGE_ROW.findall(page) if row[0]]
    assert [row[1] for row in total_rows] == ["All employees"]
    assert COVERAGE_ROW.findall(page)[-1][1] == "All employees"


def test_coverage_follows_the_clock(app, make_user, staff, frozen_clock):
    frozen_clock(START + timedelta(days=300))  # Eve's certificate has expired
    page = report(viewer(app, make_user, "admin"))
    assert coverage(page)["Engineering"] == (2, 0, 0)
    assert coverage(page)["All employees"] == (6, 1, 16)


def test_the_report_without_a_course_says_so(app, make_user):
    page = report(viewer(app, make_user, "admin"))
    assert "There is no course yet." in page


@pytest.mark.parametrize("role", ["executive", "employee"])
@pytest.mark.parametrize("url", ["/training/status", "/training/status.csv"])
def test_executives_and_employees_may_not_see_the_report(app, make_user, staff, role, url):
    assert viewer(app, make_user, role).get(url).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, staff):
    response = client.get("/training/status.csv")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# CSV export


def export(client, **params) -> list[list[str]]:
    response = client.get("/training/status.csv", query_string=params)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="certification-test-course-2030-03-01.csv"'
    )
    return list(csv.reader(io.StringIO(text_of(response))))


def test_the_csv_has_a_header_and_the_same_rows(app, make_user, staff):
    rows = export(viewer(app, make_user, "admin"))
    assert rows[0] == ["name", "email", "department", "status", "certificate", "issued", "expires"]
    assert [(r[0], r[2], r[3]) for r in rows[1:]] == ALL_ROWS
    sam = next(r for r in rows if r[0] == "Sam Sales")
    assert sam[1] == "sam@example.com"
    assert re.fullmatch(r"CH-[A-Z2-9]{4}-[A-Z2-9]{4}", sam[4])
    assert (sam[5], sam[6]) == ("2030-02-19", "2031-02-19")
    nora = next(r for r in rows if r[0] == "Nora Nobody")
    assert nora[4:] == ["", "", ""]


def test_the_csv_follows_the_filters(app, make_user, staff):
    rows = export(viewer(app, make_user, "marketer"), status="certified")
    assert [r[0] for r in rows[1:]] == ["Eve Engineer", "Sam Sales"]


def test_the_csv_is_not_limited_to_one_page(app, make_user, staff):
    for number in range(55):
        make_user(f"extra{number}@example.com", name=f"Extra {number:02}")
    rows = export(viewer(app, make_user, "admin"))
    assert len(rows) == 1 + 6 + 55


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://evil.example","click")', "+1+2", "-2+3", "@SUM(A1)"]
)
def test_csv_cells_that_look_like_formulas_start_with_an_apostrophe(app, make_user, staff, name):
    make_user("formula@example.com", name=name)
    rows = export(viewer(app, make_user, "admin"))
    cells = [r[0] for r in rows[1:]]
    assert f"'{name}" in cells
    assert name not in cells


# The demo


def test_the_demo_has_a_certified_advocate_and_an_uncertified_employee(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    advocate = find_by_email(db.session, "advocate@example.com")
    employee = find_by_email(db.session, "employee@example.com")
    assert may_share(advocate, "x") and may_share(advocate, "linkedin")
    assert may_share(employee, "x").reason == Reason.NOT_CERTIFIED
    samuel = find_by_email(db.session, "samuel.okafor@example.com")
    assert may_share(samuel, "x").reason == Reason.EXPIRED


def test_the_demo_admin_and_marketer_see_coverage(app):
    app.test_cli_runner().invoke(args=["seed-demo"])
    for email in ("admin@example.com", "marketer@example.com"):
        client = app.test_client()
        assert sign_in(client, email, DEMO_PASSWORD).status_code == 303
        page = report(client)
        table = coverage(page)
        assert table["All employees"][1] >= 1
        assert "Sales" in table
        names = [name for name, _d, _s in employees(page)]
        assert "Eli Employee" in names and "Avery Advocate" in names

"""Importing people from a CSV file: all rows or none, every problem with its line number."""

from __future__ import annotations

import pytest

from advocacy.models import Department, User
from advocacy.services import user_import
from advocacy.services.user_import import ImportRejected, RowError, parse
from advocacy.services.users import UserChanges
from tests.admin.conftest import (
    audit_events,
    count,
    department_names,
    flashes,
    form_errors,
    outbox_recipients,
    problems,
    stored_user,
    upload,
)
from tests.conftest import post_form

GOOD_FILE = b"""email,name,department,roles
jane.doe@example.com,Jane Doe,Sales,employee
raj.patel@example.com,Raj Patel,Marketing,marketer;employee
li.wei@example.com,Li Wei,Sales,
"""


def flash_after(client, response) -> list[tuple[str, str]]:
    assert response.status_code == 303, response.get_data(as_text=True)
    return flashes(client.get(response.headers["Location"]).get_data(as_text=True))


def assert_refused(response, *expected_problems: tuple[int, str]) -> str:
    """The import page answered 400 listing exactly these (line, fragment) problems."""
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    listed = problems(page)
    assert [line for line, _ in listed] == [line for line, _ in expected_problems], listed
    for (_, message), (_, fragment) in zip(listed, expected_problems, strict=True):
        assert fragment in message
    return page


def assert_nothing_imported(admin) -> None:
    assert count(User) == 1
    assert stored_user(admin.email).role_names == {"admin"}
    assert count(Department) == 0
    assert outbox_recipients() == []
    assert audit_events("users.imported") == []


# Through the import page


def test_a_good_file_creates_people_with_departments_and_roles(client, admin):
    response = upload(client, GOOD_FILE)

    assert response.headers["Location"] == "/admin/users"
    assert ("success", "Imported: 3 new, 0 updated, 0 unchanged.") in flash_after(client, response)
    raj = stored_user("raj.patel@example.com")
    assert raj.name == "Raj Patel"
    assert raj.department.name == "Marketing"
    assert raj.role_names == {"marketer", "employee"}
    assert raj.password_hash is None
    assert stored_user("jane.doe@example.com").department.name == "Sales"
    assert department_names() == ["Marketing", "Sales"]
    [imported] = audit_events("users.imported")
    assert imported.actor_id == admin.id
    assert imported.subject == "people.csv"
    assert imported.details == {"created": 3, "updated": 0, "unchanged": 0}


def test_a_row_without_roles_gets_the_employee_role(client, admin):
    upload(client, GOOD_FILE)

    assert stored_user("li.wei@example.com").role_names == {"employee"}


def test_every_new_person_gets_an_invitation(client, admin):
    upload(client, GOOD_FILE)

    assert sorted(outbox_recipients()) == [
        "jane.doe@example.com",
        "li.wei@example.com",
        "raj.patel@example.com",
    ]


def test_no_invitations_are_sent_when_the_box_is_unchecked(client, admin):
    response = upload(client, GOOD_FILE, send_invitations=False)

    assert response.status_code == 303
    assert count(User) == 4
    assert outbox_recipients() == []


def test_existing_people_are_updated_and_counted(client, admin, make_user):
    make_user("jane.doe@example.com", name="Jane Doe", department="Sales")
    make_user("raj.patel@example.com", name="Raj P.", department="Support")

    response = upload(client, GOOD_FILE.replace(b"raj.patel@", b"Raj.Patel@"))

    assert ("success", "Imported: 1 new, 1 updated, 1 unchanged.") in flash_after(client, response)
    raj = stored_user("raj.patel@example.com")
    assert raj.name == "Raj Patel"
    assert raj.department.name == "Marketing"
    assert raj.role_names == {"marketer", "employee"}
    assert raj.password_hash is not None
    assert count(User) == 4
    assert outbox_recipients() == ["li.wei@example.com"]


def test_a_file_without_roles_or_department_columns_keeps_them(client, admin, make_user):
    make_user("mona@example.com", name="Mona", roles=("marketer",), department="Marketing")

    response = upload(client, b"email,name\nmona@example.com,Mona Marketer\nnew@example.com,Nu\n")

    assert response.status_code == 303
    mona = stored_user("mona@example.com")
    assert mona.name == "Mona Marketer"
    assert mona.role_names == {"marketer"}
    assert mona.department.name == "Marketing"
    newcomer = stored_user("new@example.com")
    assert newcomer.role_names == {"employee"} and newcomer.department is None


def test_departments_are_matched_whatever_the_case(client, admin, make_user):
    make_user(department="Sales")
    content = b"email,name,department\nann@example.com,Ann,SALES\nbob@example.com,Bob,support\n"
    content += b"cy@example.com,Cy,Support\n"

    assert upload(client, content).status_code == 303

    assert department_names() == ["Sales", "support"]
    assert stored_user("cy@example.com").department.name == "support"


def test_people_join_an_existing_department_with_an_accented_capital(client, admin, make_user):
    make_user(department="Études")

    response = upload(client, b"email,name,department\nann@example.com,Ann,\xc3\x89tudes\n")

    assert response.status_code == 303
    assert department_names() == ["Études"]


def test_importing_the_same_file_twice_changes_nothing(client, admin):
    upload(client, GOOD_FILE)

    response = upload(client, GOOD_FILE)

    assert ("success", "Imported: 0 new, 0 updated, 3 unchanged.") in flash_after(client, response)
    assert len(outbox_recipients()) == 3


def test_a_file_with_bad_rows_imports_nothing_and_lists_every_problem(client, admin):
    bad_file = b"""email,name,department,roles
good@example.com,Good Person,Research,employee
not-an-email,Bad Email,Research,employee
fine@example.com,Fine Person,Support,marketer
wizard@example.com,Wizard,Research,wizard
noname@example.com,,Research,employee
GOOD@example.com,Good Again,Research,employee
short@example.com,Short Row
"""
    response = upload(client, bad_file)

    page = assert_refused(
        response,
        (3, "“not-an-email” is not a valid email address"),
        (5, "Unknown role wizard"),
        (6, "Give the person's name."),
        (7, "good@example.com appears again (first on line 2)."),
        (8, "Expected 4 values, found 2."),
    )
    assert "Nothing was imported: the file has 5 problem(s)." in form_errors(page)
    assert_nothing_imported(admin)


def test_line_numbers_count_the_lines_of_a_quoted_multi_line_field(client, admin):
    content = (
        b"email,name,department,roles\r\n"
        b'ann@example.com,Ann Lee,"Research\r\nand Development",employee\r\n'
        b"bob@example.com,Bob Stone,Sales,employee\r\n"
        b"bad-address,Carl Bad,Sales,employee\r\n"
    )

    assert_refused(upload(client, content), (5, "is not a valid email address"))


def test_a_file_that_is_not_utf8_is_refused_with_a_clear_message(client, admin):
    latin1 = "email,name\nzoe@example.com,Zoë Müller\n".encode("latin-1")

    assert_refused(upload(client, latin1), (1, "The file is not UTF-8 text; save it as CSV UTF-8."))
    assert_nothing_imported(admin)


@pytest.mark.parametrize("content", [b"", b"  \r\n\r\n"])
def test_an_empty_file_is_refused(client, admin, content):
    assert_refused(upload(client, content), (1, "The file is empty."))


def test_a_file_with_only_the_header_is_refused(client, admin):
    assert_refused(upload(client, b"email,name\n"), (2, "The file has a header but no users."))


def test_a_header_without_the_email_column_is_refused(client, admin):
    content = b"mail,name\nzoe@example.com,Zoe\n"

    assert_refused(upload(client, content), (1, "the column(s) email are missing"))
    assert_nothing_imported(admin)


def test_a_semicolon_separated_file_from_excel_is_imported(client, admin):
    content = (
        b"Email;Name;Department;Roles\r\n"
        b"jane.doe@example.com;Doe, Jane;Sales;marketer,employee\r\n"
        b"raj.patel@example.com;Patel, Raj;Marketing;\r\n"
    )

    assert upload(client, content).status_code == 303

    jane = stored_user("jane.doe@example.com")
    assert jane.name == "Doe, Jane"
    assert jane.department.name == "Sales"
    assert jane.role_names == {"marketer", "employee"}
    assert stored_user("raj.patel@example.com").role_names == {"employee"}


def test_a_file_starting_with_a_utf8_byte_order_mark_is_imported(client, admin):
    content = "\ufeffemail,name,department\nzoe@example.com,Zoë Müller,Forschung\n".encode()

    assert upload(client, content).status_code == 303

    zoe = stored_user("zoe@example.com")
    assert zoe.name == "Zoë Müller"
    assert zoe.department.name == "Forschung"


@pytest.mark.parametrize("filename", ["people.xlsx", "people.csv.exe", "people"])
def test_a_file_that_is_not_csv_is_refused(client, admin, filename):
    response = upload(client, GOOD_FILE, filename=filename)

    assert response.status_code == 400
    assert "Upload a .csv file." in response.get_data(as_text=True)
    assert_nothing_imported(admin)


def test_sending_the_form_without_a_file_is_refused(client, admin):
    response = post_form(client, "/admin/users/import", {"send_invitations": "y"})

    assert response.status_code == 400
    assert "Choose a CSV file." in response.get_data(as_text=True)
    assert_nothing_imported(admin)


def test_an_import_that_would_leave_no_admin_is_refused(client, admin):
    content = (
        b"email,name,roles\nada@example.com,Ada Admin,employee\nnew@example.com,New,employee\n"
    )

    response = upload(client, content)

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "would leave Chorus without an active admin" in page
    assert stored_user("ada@example.com").role_names == {"admin"}
    assert stored_user("new@example.com") is None
    assert outbox_recipients() == []


def test_an_import_may_move_the_admin_role_to_someone_else(client, admin):
    content = b"email,name,roles\nada@example.com,Ada Admin,employee\nnew@example.com,New,admin\n"

    assert upload(client, content).status_code == 303

    assert stored_user("ada@example.com").role_names == {"employee"}
    assert stored_user("new@example.com").role_names == {"admin"}


def test_a_control_character_in_a_name_is_reported_with_its_line(client, admin):
    content = b"email,name\nann@example.com,Ann\nbob@example.com,Bob\x00Stone\n"

    assert_refused(upload(client, content), (3, "name"))
    assert_nothing_imported(admin)


def test_an_unclosed_quote_is_reported_instead_of_swallowing_later_rows(client, admin):
    content = b'email,name\nann@example.com,"Ann Lee\nbob@example.com,Bob Stone\n'

    response = upload(client, content)

    assert response.status_code == 400
    assert problems(response.get_data(as_text=True))
    assert_nothing_imported(admin)


# parse() on its own


def parse_rows(content: bytes) -> list:
    return parse(content).rows


def test_parse_returns_each_row_with_the_line_it_starts_on():
    rows = parse_rows(b"email,name\n\nann@example.com,Ann\n\n\nbob@example.com,Bob\n")

    assert [(line, changes.email) for line, changes in rows] == [
        (3, "ann@example.com"),
        (6, "bob@example.com"),
    ]


def test_parse_tidies_values():
    [(_, changes)] = parse_rows(
        b" EMAIL , Name ,Department,ROLES\n  Ann.Lee@Example.COM ,  Ann   Lee , Sales ,"
        b" Marketer | EMPLOYEE \n"
    )

    assert changes == UserChanges(
        "ann.lee@example.com", "Ann Lee", "Sales", {"marketer", "employee"}
    )


@pytest.mark.parametrize(
    "roles", ["marketer;employee", "marketer|employee", "marketer/employee", "marketer employee"]
)
def test_parse_accepts_common_role_separators(roles):
    content = f'email,name,roles\nann@example.com,Ann,"{roles}"\n'.encode()

    [(_, changes)] = parse_rows(content)

    assert changes.roles == {"marketer", "employee"}


@pytest.mark.parametrize(
    ("content", "delimiter"),
    [
        (b"email\tname\tdepartment\nann@example.com\tAnn\tSales\n", "tab"),
        (b"email;name;department\r\nann@example.com;Ann;Sales\r\n", "semicolon"),
        (b'"email","name","department"\n"ann@example.com","Ann","Sales"\n', "quoted"),
        (b"email,name,department\rann@example.com,Ann,Sales\r", "old Mac line ends"),
        ("\ufeffemail,name,department\nann@example.com,Ann,Sales\n".encode(), "BOM"),
    ],
)
def test_parse_reads_the_usual_spreadsheet_exports(content, delimiter):
    assert parse_rows(content) == [
        (2, UserChanges("ann@example.com", "Ann", "Sales", {"employee"}))
    ]


def test_parse_needs_no_department_and_takes_columns_in_any_order():
    [(_, changes)] = parse_rows(b"name,email\nAnn,ann@example.com\n")

    assert changes == UserChanges("ann@example.com", "Ann", None, {"employee"})


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"email,name,role\nzed@example.com,Zed,admin\n", "unknown column(s) role"),
        (b"email,email,name\na@example.com,b@example.com,Ann\n", "email appear more than once"),
    ],
)
def test_parse_refuses_unknown_or_repeated_columns(content, fragment):
    with pytest.raises(ImportRejected) as rejected:
        parse(content)

    [error] = rejected.value.errors
    assert error.line == 1 and fragment in error.message


def test_parse_reports_the_header_on_its_real_line():
    with pytest.raises(ImportRejected) as rejected:
        parse(b"\n\nmail,name\nann@example.com,Ann\n")

    assert rejected.value.errors[0].line == 3


def test_parse_reports_too_long_names_and_departments():
    content = f"email,name,department\nann@example.com,{'A' * 201},{'D' * 121}\n".encode()

    with pytest.raises(ImportRejected) as rejected:
        parse(content)

    [error] = rejected.value.errors
    assert error.line == 2
    assert "at most 200 characters" in error.message
    assert "at most 120 characters" in error.message


def test_parse_reports_several_problems_of_one_row_together():
    with pytest.raises(ImportRejected) as rejected:
        parse(b"email,name,roles\nnope,,boss\n")

    [error] = rejected.value.errors
    assert error.line == 2
    assert "not a valid email address" in error.message
    assert "Give the person's name." in error.message
    assert "Unknown role boss" in error.message


def test_parse_treats_emails_differing_only_in_case_as_duplicates():
    with pytest.raises(ImportRejected) as rejected:
        parse(b"email,name\nann@example.com,Ann\nbob@example.com,Bob\nANN@example.com,Ann\n")

    assert rejected.value.errors == [
        RowError(4, "ann@example.com appears again (first on line 2).")
    ]


def test_parse_refuses_a_file_with_too_many_rows(monkeypatch):
    monkeypatch.setattr(user_import, "MAX_ROWS", 3)
    content = b"email,name\n" + b"".join(f"p{n}@example.com,P{n}\n".encode() for n in range(5))

    with pytest.raises(ImportRejected) as rejected:
        parse(content)

    [error] = rejected.value.errors
    assert "more than 3 rows" in error.message


def test_parse_refusal_says_how_many_problems_there_are():
    with pytest.raises(ImportRejected, match=r"the file has 2 problem\(s\)"):
        parse(b"email,name\nnope,Ann\nalso-nope,Bob\n")

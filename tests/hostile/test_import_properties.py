"""CSV import of people: whatever the file holds, every row is imported or none is, and each
bad row is reported on its own line; never a server error."""

from __future__ import annotations

import csv
import io
import itertools

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from advocacy.extensions import db
from advocacy.models import AuditEvent, User
from advocacy.services.user_import import ImportRejected, parse
from tests.admin.conftest import problems, upload
from tests.hostile.conftest import WITH_APP, changed_tables, database_state

NUMBERS = itertools.count(1)

CSVISH = st.lists(
    st.one_of(
        st.sampled_from(
            [b",", b";", b"\t", b'"', b"\n", b"\r\n", b"\r", b"\x00", b"\xef\xbb\xbf", b"\xff"]
        ),
        st.sampled_from([b"email", b"name", b"department", b"roles", b"Email", b"role"]),
        st.sampled_from([b"ann@example.com", b"not-an-email", b"admin", b"wizard"]),
        st.binary(max_size=8),
        st.text(max_size=8).map(str.encode),
    ),
    max_size=30,
).map(b"".join)


@settings(max_examples=300, deadline=None)
@given(raw=st.one_of(st.binary(max_size=200), CSVISH))
@example(raw=b'email,name\n"ann@example.com,Ann\n')
@example(raw=b"email,name\n" + b"\x00" * 10)
@example(raw=b"\xef\xbb\xbf\xef\xbb\xbf\n")
def test_parse_accepts_a_file_or_says_what_is_wrong_with_each_line(raw):
    try:
        parsed = parse(raw)
    except ImportRejected as rejected:
        assert rejected.errors
        for error in rejected.errors:
            assert error.line >= 1 and error.message.strip()
        return
    assert parsed.rows
    for line, changes in parsed.rows:
        assert line >= 2
        assert changes.email == changes.email.strip().lower() and "@" in changes.email
        assert changes.name and changes.name == " ".join(changes.name.split())
        assert not any(ch in changes.name for ch in "\x00\x07\x1b")


NAMES = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=40
).filter(lambda name: name.split())
BAD_ROWS = {  # what makes a row bad: (email, name, roles) -> a fragment of the message
    "email": (lambda n: (f"not-an-email-{n}", "Ann", ""), "is not a valid email address"),
    "no name": (lambda n: (f"p{n}@example.com", "  ", ""), "Give the person's name."),
    "control": (lambda n: (f"p{n}@example.com", "Bell\x07Ringer", ""), "control characters"),
    "long name": (lambda n: (f"p{n}@example.com", "N" * 201, ""), "at most 200 characters"),
    "role": (lambda n: (f"p{n}@example.com", "Ann", "wizard"), "Unknown role wizard"),
}
ROWS = st.lists(
    st.one_of(
        st.tuples(st.just("good"), NAMES, st.sampled_from(["", "employee", "marketer;employee"])),
        st.tuples(st.sampled_from(sorted(BAD_ROWS)), st.just(""), st.just("")),
        st.tuples(st.just("repeat"), st.just(""), st.just("")),
    ),
    min_size=1,
    max_size=8,
)


def written(rows) -> tuple[bytes, dict[int, str], list[tuple[str, str, set[str]]]]:
    """The file, the problem expected on each bad row's line, and the people it would add."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["email", "name", "department", "roles"])
    expected: dict[int, str] = {}
    people: list[tuple[str, str, set[str]]] = []
    line = 2
    for kind, name, roles in rows:
        n = next(NUMBERS)
        if kind == "good":
            email = f"Person.{n}@Example.com"
            people.append((email.lower(), " ".join(name.split()), set(roles.split(";")) - {""}))
        elif kind == "repeat" and people:
            email, name, roles = people[0][0].upper(), "Again", ""
            expected[line] = "appears again"
        elif kind == "repeat":
            continue
        else:
            make, fragment = BAD_ROWS[kind]
            email, name, roles = make(n)
            expected[line] = fragment
        start = out.tell()
        writer.writerow([email, name, "Research", roles])
        line += out.getvalue()[start:].count("\n")
    if line == 2:
        expected[2] = "The file has a header but no users."
    return out.getvalue().encode(), expected, people


@pytest.fixture
def admin(login_as):
    return login_as("admin", email="ada@example.com")


@WITH_APP
@given(rows=ROWS)
def test_an_import_is_all_rows_or_none_with_every_bad_line_reported(app, client, admin, rows):
    content, expected, people = written(rows)
    before = database_state()

    response = upload(client, content, send_invitations=False)

    if expected:
        assert response.status_code == 400
        listed = problems(response.get_data(as_text=True))
        assert [line for line, _ in listed] == sorted(expected), (content, listed)
        for line, message in listed:
            assert expected[line] in message
        assert changed_tables(before, database_state()) == []
    else:
        assert response.status_code == 303, response.get_data(as_text=True)
        db.session.expire_all()
        for email, name, roles in people:
            user = db.session.scalar(select(User).where(User.email == email))
            assert user is not None and user.name == name
            assert user.role_names == (roles or {"employee"})
            assert user.department.name == "Research"


@WITH_APP
@given(raw=st.one_of(st.binary(max_size=300), CSVISH))
@example(raw=b"email,name\n" + b"a@example.com," + b"N" * 5000 + b"\n")
def test_any_uploaded_bytes_get_an_answer_not_an_error(app, client, admin, raw):
    before = database_state()

    response = upload(client, raw, send_invitations=False)

    assert response.status_code in (303, 400)
    if response.status_code == 400:
        assert problems(response.get_data(as_text=True))
        assert changed_tables(before, database_state()) == []


def test_a_nul_in_the_uploaded_file_name_is_refused_not_stored(app, client, admin):
    """The file name goes into the audit log, where PostgreSQL refuses NUL: a 500 before."""
    before = database_state()

    response = upload(client, b"email,name\nann@example.com,Ann\n", filename="peo\x00ple.csv")

    assert response.status_code == 400
    assert changed_tables(before, database_state()) == []
    assert (
        db.session.scalar(select(AuditEvent).where(AuditEvent.action == "users.imported")) is None
    )

"""CSV import of users: every bad row is reported, and nothing is imported unless all are good."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from advocacy.errors import ValidationFailed
from advocacy.models import Department, User
from advocacy.services import audit
from advocacy.services.users import (
    MAX_DEPARTMENT_LENGTH,
    UserChanges,
    active_admin_count,
    checked_email,
    checked_name,
    checked_roles,
    checked_text,
    department_named,
    ensure_roles,
)

REQUIRED_COLUMNS = ("email", "name")
KNOWN_COLUMNS = ("email", "name", "department", "roles")
DEFAULT_ROLES = frozenset({"employee"})
MAX_ROWS = 100_000
_ROLE_SEPARATORS = re.compile(r"[;|,/\s]+")


@dataclass
class RowError:
    line: int
    message: str


@dataclass
class ParsedFile:
    """The good rows with the line each starts on, and which optional columns the file has."""

    rows: list[tuple[int, UserChanges]]
    columns: set[str]


@dataclass
class ImportResult:
    created: list[User] = field(default_factory=list)
    updated: int = 0
    unchanged: int = 0


class ImportRejected(ValidationFailed):
    """The file has bad rows; `errors` lists each with its line number."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"Nothing was imported: the file has {len(errors)} problem(s).")
        self.errors = errors


def _reject(line: int, message: str) -> ImportRejected:
    return ImportRejected([RowError(line, message)])


def parse(raw: bytes) -> ParsedFile:
    """Read a users CSV, or raise ImportRejected listing every problem with its line."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _reject(1, "The file is not UTF-8 text; save it as CSV UTF-8.") from error
    if not text.strip():
        raise _reject(1, "The file is empty.")
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect, strict=True)
    header = [column.strip().lower() for column in next(reader)]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise _reject(
            1,
            f"The header row needs the column(s) {', '.join(missing)}; "
            f"expected {', '.join(KNOWN_COLUMNS)}.",
        )
    rows: list[tuple[int, UserChanges]] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    line = reader.line_num + 1
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                problem = _check_row(header, record, line, rows, seen)
                if problem:
                    errors.append(RowError(line, problem))
            line = reader.line_num + 1
            if len(rows) + len(errors) > MAX_ROWS:
                raise _reject(line, f"The file has more than {MAX_ROWS} rows; split it up.")
    except csv.Error as error:
        errors.append(RowError(line, f"The CSV cannot be read from here on: {error}."))
    if errors:
        raise ImportRejected(errors)
    if not rows:
        raise _reject(2, "The file has a header but no users.")
    return ParsedFile(rows, set(header) & set(KNOWN_COLUMNS))


def _check_row(header, record, line, rows, seen) -> str | None:
    """Add a good row to `rows`; return what is wrong with a bad one."""
    if len(record) != len(header):
        return f"Expected {len(header)} values, found {len(record)}."
    values = dict(zip(header, record, strict=True))
    problems = []
    email = name = department = ""
    roles = {r.lower() for r in _ROLE_SEPARATORS.split(values.get("roles", "")) if r}
    checks = [
        lambda: checked_email(values["email"]),
        lambda: checked_name(values["name"]),
        lambda: checked_roles(roles),
        lambda: checked_text(
            values.get("department", ""), "department name", MAX_DEPARTMENT_LENGTH
        ),
    ]
    results = []
    for check in checks:
        try:
            results.append(check())
        except ValidationFailed as error:
            problems.append(str(error))
            results.append("")
    email, name, _, department = results
    if email and email in seen:
        problems.append(f"{email} appears again (first on line {seen[email]}).")
    if problems:
        return " ".join(problems)
    seen[email] = line
    rows.append((line, UserChanges(email, name, department or None, roles or set(DEFAULT_ROLES))))
    return None


def _existing_users(session: Session, emails: list[str]) -> dict[str, User]:
    existing: dict[str, User] = {}
    for start in range(0, len(emails), 1000):
        for user in session.scalars(
            select(User)
            .where(User.email.in_(emails[start : start + 1000]))
            .options(selectinload(User.roles), selectinload(User.department))
        ):
            existing[user.email] = user
    return existing


def import_users(session: Session, raw: bytes, *, actor: User, filename: str = "") -> ImportResult:
    """Create new users and update existing ones from a CSV file, all or nothing.

    A column the file leaves out (department, roles) leaves that value of existing
    people as it is."""
    parsed = parse(raw)
    existing = _existing_users(session, [changes.email for _, changes in parsed.rows])
    role_rows = ensure_roles(session)
    departments: dict[str, Department | None] = {}
    result = ImportResult()
    for _line, changes in parsed.rows:
        key = (changes.department or "").lower()
        if key not in departments:
            departments[key] = department_named(session, changes.department)
        user = existing.get(changes.email)
        if user is None:
            user = User(email=changes.email, name=changes.name)
            session.add(user)
            result.created.append(user)
        department = (
            departments[key]
            if "department" in parsed.columns or user in result.created
            else user.department
        )
        role_names = (
            changes.roles
            if "roles" in parsed.columns or user in result.created
            else user.role_names
        )
        if user not in result.created:
            if (user.name, user.department, user.role_names) == (
                changes.name,
                department,
                role_names,
            ):
                result.unchanged += 1
                continue
            result.updated += 1
        user.name, user.department = changes.name, department
        user.roles = [role_rows[name] for name in sorted(role_names)]
    session.flush()
    if active_admin_count(session) == 0:
        raise _reject(
            1,
            "The file would leave Chorus without an active admin; "
            "keep the admin role on at least one account.",
        )
    audit.record(
        session,
        "users.imported",
        actor=actor,
        subject=filename[:254] or None,
        created=len(result.created),
        updated=result.updated,
        unchanged=result.unchanged,
    )
    return result

"""CSV import of users: every bad row is reported, and nothing is imported unless all are good."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from advocacy.errors import ValidationFailed
from advocacy.models import User
from advocacy.services import audit
from advocacy.services.users import (
    UserChanges,
    active_admin_count,
    checked_email,
    checked_name,
    checked_roles,
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
class ImportResult:
    created: list[User] = field(default_factory=list)
    updated: int = 0
    unchanged: int = 0


class ImportRejected(ValidationFailed):
    """The file has bad rows; `errors` lists each with its line number."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"Nothing was imported: the file has {len(errors)} problem(s).")
        self.errors = errors


def parse(raw: bytes) -> list[tuple[int, UserChanges]]:
    """Rows of a users CSV with the line each starts on, or ImportRejected listing every problem."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRejected(
            [RowError(1, "The file is not UTF-8 text; save it as CSV UTF-8.")]
        ) from error
    if not text.strip():
        raise ImportRejected([RowError(1, "The file is empty.")])
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    header = [column.strip().lower() for column in next(reader)]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise ImportRejected(
            [
                RowError(
                    1,
                    f"The header row needs the column(s) {', '.join(missing)}"
                    f"; expected {', '.join(KNOWN_COLUMNS)}.",
                )
            ]
        )
    rows: list[tuple[int, UserChanges]] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    line = reader.line_num + 1
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                _check_row(header, record, line, rows, errors, seen)
            line = reader.line_num + 1
            if len(rows) + len(errors) > MAX_ROWS:
                raise ImportRejected(
                    [
                        RowError(
                            line,
                            f"The file has more than {MAX_ROWS} rows; split it into smaller files.",
                        )
                    ]
                )
    except csv.Error as error:
        errors.append(RowError(line, f"The CSV cannot be read here: {error}."))
    if errors:
        raise ImportRejected(errors)
    if not rows:
        raise ImportRejected([RowError(2, "The file has a header but no users.")])
    return rows


def _check_row(header, record, line, rows, errors, seen) -> None:
    if len(record) != len(header):
        errors.append(RowError(line, f"Expected {len(header)} values, found {len(record)}."))
        return
    values = dict(zip(header, (cell.strip() for cell in record), strict=True))
    problems = []
    try:
        email = checked_email(values["email"])
    except ValidationFailed as error:
        problems.append(str(error))
        email = ""
    if email and email in seen:
        problems.append(f"{email} appears again (first on line {seen[email]}).")
    try:
        name = checked_name(values["name"])
    except ValidationFailed as error:
        problems.append(str(error))
    roles = {r.lower() for r in _ROLE_SEPARATORS.split(values.get("roles", "")) if r}
    try:
        checked_roles(roles)
    except ValidationFailed as error:
        problems.append(str(error))
    department = values.get("department", "")
    if len(department) > 120:
        problems.append("A department name may have at most 120 characters.")
    if problems:
        errors.append(RowError(line, " ".join(problems)))
        return
    seen[email] = line
    rows.append((line, UserChanges(email, name, department or None, roles or set(DEFAULT_ROLES))))


def import_users(session: Session, raw: bytes, *, actor: User, filename: str = "") -> ImportResult:
    """Create new users and update existing ones from a CSV file, all or nothing."""
    rows = parse(raw)
    emails = [changes.email for _, changes in rows]
    existing: dict[str, User] = {}
    for start in range(0, len(emails), 1000):
        for user in session.scalars(
            select(User)
            .where(User.email.in_(emails[start : start + 1000]))
            .options(selectinload(User.roles), selectinload(User.department))
        ):
            existing[user.email] = user
    role_rows = ensure_roles(session)
    departments: dict[str, object] = {}
    result = ImportResult()
    for _line, changes in rows:
        key = (changes.department or "").lower()
        if key not in departments:
            departments[key] = department_named(session, changes.department)
        department = departments[key]
        roles = [role_rows[name] for name in sorted(changes.roles)]
        user = existing.get(changes.email)
        if user is None:
            user = User(email=changes.email, name=changes.name, department=department, roles=roles)
            session.add(user)
            result.created.append(user)
        elif (user.name, user.department, user.role_names) == (
            changes.name,
            department,
            changes.roles,
        ):
            result.unchanged += 1
        else:
            user.name, user.department, user.roles = changes.name, department, roles
            result.updated += 1
    session.flush()
    if active_admin_count(session) == 0:
        raise ImportRejected(
            [
                RowError(
                    1,
                    "The file would leave Chorus without an active admin; "
                    "keep the admin role on at least one account.",
                )
            ]
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

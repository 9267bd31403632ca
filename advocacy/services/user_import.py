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
from advocacy.services import audit, rollups
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
    snapshot,
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
        first_line = next(line for line in text.splitlines() if line.strip())
        dialect = csv.Sniffer().sniff(first_line, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect, strict=True)
    try:
        header = next((r for r in reader if any(cell.strip() for cell in r)), [])
    except csv.Error as error:
        raise _reject(reader.line_num, f"The header row cannot be read: {error}.") from error
    header_line = reader.line_num
    header = [column.strip().lower() for column in header]
    _check_header(header, header_line)
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


def _check_header(header: list[str], line: int) -> None:
    """Refuse columns Chorus does not know (a typo such as `role` would drop data silently)."""
    problems = []
    unknown = [column for column in header if column not in KNOWN_COLUMNS]
    if unknown:
        problems.append(f"unknown column(s) {', '.join(unknown) or '(empty)'}")
    repeated = sorted({column for column in header if header.count(column) > 1})
    if repeated:
        problems.append(f"column(s) {', '.join(repeated)} appear more than once")
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        problems.append(f"the column(s) {', '.join(missing)} are missing")
    if problems:
        raise _reject(
            line,
            f"The header row has {'; '.join(problems)}. "
            f"Use the columns {', '.join(KNOWN_COLUMNS)} (department and roles may be left out).",
        )


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
        is_new = user is None
        keep_department = not is_new and "department" not in parsed.columns
        keep_roles = not is_new and "roles" not in parsed.columns
        department = user.department if keep_department else departments[key]
        role_names = user.role_names if keep_roles else changes.roles
        if is_new:
            user = User(email=changes.email, name=changes.name)
            session.add(user)
            result.created.append(user)
        else:
            before = snapshot(user)
            if (before["name"], user.department, set(before["roles"])) == (
                changes.name,
                department,
                role_names,
            ):
                result.unchanged += 1
                continue
            result.updated += 1
            if department != user.department:  # their past shares count for the new one
                rollups.mark_user_days(session, user.id)
        user.name, user.department = changes.name, department
        user.roles = [role_rows[name] for name in sorted(role_names)]
        if is_new:
            audit.record(
                session,
                "user.created",
                actor=actor,
                subject=user.email,
                roles=sorted(role_names),
                department=changes.department,
                via="import",
            )
        else:
            audit.record(
                session,
                "user.updated",
                actor=actor,
                subject=f"user:{user.id}",
                before=before,
                after=snapshot(user),
                via="import",
            )
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

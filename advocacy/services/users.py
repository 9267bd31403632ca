"""Managing people: accounts, roles, departments, activation."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from advocacy.errors import NotFound, ValidationFailed
from advocacy.models import ROLES, Department, Role, User
from advocacy.services import audit, rollups
from advocacy.services.accounts import end_all_sessions, find_by_email, normalize_email

MAX_NAME_LENGTH = 200
MAX_DEPARTMENT_LENGTH = 120


@dataclass
class UserChanges:
    """What an admin may set on an account."""

    email: str
    name: str
    department: str | None = None
    roles: set[str] = field(default_factory=set)


def checked_email(email: str) -> str:
    """The normalized address, or ValidationFailed saying what is wrong with it."""
    email = normalize_email(email)
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise ValidationFailed(f"“{email}” is not a valid email address: {error}") from error
    return email


def checked_roles(names: set[str]) -> set[str]:
    unknown = sorted(set(names) - set(ROLES))
    if unknown:
        raise ValidationFailed(f"Unknown role {', '.join(unknown)}; roles are {', '.join(ROLES)}.")
    return set(names)


def checked_text(value: str, what: str, max_length: int) -> str:
    """Spaces tidied; no control characters (PostgreSQL refuses NUL, and they hide text)."""
    value = " ".join(value.split())
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise ValidationFailed(f"The {what} contains control characters; type it again.")
    if len(value) > max_length:
        raise ValidationFailed(f"A {what} may have at most {max_length} characters.")
    return value


def checked_name(name: str) -> str:
    name = checked_text(name, "name", MAX_NAME_LENGTH)
    if not name:
        raise ValidationFailed("Give the person's name.")
    return name


def ensure_roles(session: Session) -> dict[str, Role]:
    """The role rows, created on first use."""
    existing = {role.name: role for role in session.scalars(select(Role))}
    for name in ROLES:
        if name not in existing:
            existing[name] = Role(name=name)
            session.add(existing[name])
    return existing


def department_named(session: Session, name: str | None) -> Department | None:
    """The department with this name (in any case), created if new; None for an empty name."""
    name = checked_text(name or "", "department name", MAX_DEPARTMENT_LENGTH)
    if not name:
        return None
    department = session.scalar(
        select(Department).where(func.lower(Department.name) == name.lower())
    )
    if department is None:
        department = Department(name=name)
        session.add(department)
    return department


def departments(session: Session) -> list[Department]:
    return list(session.scalars(select(Department).order_by(Department.name)))


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("There is no such user.")
    return user


def search_users(
    session: Session,
    *,
    text: str = "",
    role: str = "",
    department_id: int | None = None,
    status: str = "",
    page: int = 1,
    per_page: int = 25,
) -> tuple[list[User], int]:
    """A page of users matching the filters, ordered by name, and the total count."""
    conditions = []
    if text.strip():
        needle = text.strip().lower()
        conditions.append(
            or_(
                func.lower(User.name).contains(needle, autoescape=True),
                User.email.contains(needle, autoescape=True),
            )
        )
    if role:
        conditions.append(User.roles.any(Role.name == role))
    if department_id:
        conditions.append(User.department_id == department_id)
    if status == "active":
        conditions.append(User.active.is_(True))
    elif status == "deactivated":
        conditions.append(User.active.is_(False))
    total = session.scalar(select(func.count(User.id)).where(*conditions)) or 0
    users = session.scalars(
        select(User)
        .where(*conditions)
        .options(selectinload(User.roles), selectinload(User.department))
        .order_by(func.lower(User.name), User.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return list(users), total


def active_admin_count(session: Session) -> int:
    return (
        session.scalar(
            select(func.count(User.id)).where(
                User.active.is_(True), User.roles.any(Role.name == "admin")
            )
        )
        or 0
    )


def _keep_an_admin(session: Session, user: User, *, losing_admin: bool) -> None:
    if losing_admin and user.active and user.has_role("admin") and active_admin_count(session) <= 1:
        raise ValidationFailed(
            "Chorus needs at least one active admin; make someone else admin first."
        )


def create_user(session: Session, changes: UserChanges, *, actor: User | None) -> User:
    """A new account without a password; the caller sends the invitation."""
    email = checked_email(changes.email)
    if find_by_email(session, email):
        raise ValidationFailed(f"There is already an account for {email}.")
    role_rows = ensure_roles(session)
    user = User(
        email=email,
        name=checked_name(changes.name),
        department=department_named(session, changes.department),
        roles=[role_rows[name] for name in sorted(checked_roles(changes.roles))],
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        "user.created",
        actor=actor,
        subject=email,
        roles=sorted(changes.roles),
        department=changes.department or None,
    )
    return user


def snapshot(user: User) -> dict:
    """What an audit event records of an account before and after a change."""
    return {
        "name": user.name,
        "email": user.email,
        "roles": sorted(role.name for role in user.roles),
        "department": user.department.name if user.department else None,
    }


def update_user(session: Session, user: User, changes: UserChanges, *, actor: User) -> None:
    email = checked_email(changes.email)
    other = find_by_email(session, email)
    if other is not None and other.id != user.id:
        raise ValidationFailed(f"There is already an account for {email}.")
    roles = checked_roles(changes.roles)
    _keep_an_admin(session, user, losing_admin="admin" not in roles)
    before = snapshot(user)
    role_rows = ensure_roles(session)
    user.email = email
    user.name = checked_name(changes.name)
    user.department = department_named(session, changes.department)
    user.roles = [role_rows[name] for name in sorted(roles)]
    after = snapshot(user)
    if before["email"] != after["email"]:
        end_all_sessions(user)
    if before["department"] != after["department"]:  # their past shares count for the new one
        rollups.mark_user_days(session, user.id)
    audit.record(
        session, "user.updated", actor=actor, subject=f"user:{user.id}", before=before, after=after
    )
    session.commit()


def set_active(session: Session, user: User, active: bool, *, actor: User) -> None:
    """Deactivation ends the user's sessions at once; the account and its history stay."""
    if user.active == active:
        return
    if not active:
        if user.id == actor.id:
            raise ValidationFailed("You cannot deactivate your own account.")
        _keep_an_admin(session, user, losing_admin=True)
        end_all_sessions(user)
    user.active = active
    audit.record(
        session, "user.activated" if active else "user.deactivated", actor=actor, subject=user.email
    )
    session.commit()


def create_department(session: Session, name: str, *, actor: User) -> Department:
    name = checked_text(name, "department name", MAX_DEPARTMENT_LENGTH)
    if not name:
        raise ValidationFailed("Give the department a name.")
    if session.scalar(select(Department).where(func.lower(Department.name) == name.lower())):
        raise ValidationFailed(f"There is already a department called {name}.")
    department = department_named(session, name)
    audit.record(session, "department.created", actor=actor, subject=name)
    session.commit()
    return department


def department_sizes(session: Session) -> dict[int, int]:
    rows = session.execute(
        select(User.department_id, func.count(User.id))
        .where(User.department_id.is_not(None))
        .group_by(User.department_id)
    )
    return {department_id: count for department_id, count in rows}

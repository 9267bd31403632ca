"""Demo data: a small company with one login per role. Loading it twice changes nothing."""

from __future__ import annotations

from sqlalchemy.orm import Session

from advocacy.models import User
from advocacy.services import audit
from advocacy.services.accounts import find_by_email
from advocacy.services.passwords import hash_password
from advocacy.services.users import department_named, ensure_roles

DEMO_PASSWORD = "chorus-demo"
DEPARTMENTS = ("Marketing", "Sales", "Engineering", "Finance", "People")
# (email, name, department, roles); the ones with a login get DEMO_PASSWORD.
DEMO_LOGINS = (
    ("admin@example.com", "Ada Admin", "People", ("admin",)),
    ("marketer@example.com", "Mona Marketer", "Marketing", ("marketer", "employee")),
    ("employee@example.com", "Eli Employee", "Sales", ("employee",)),
    ("executive@example.com", "Eva Executive", "Finance", ("executive",)),
)
COLLEAGUES = (
    ("priya.shah@example.com", "Priya Shah", "Engineering"),
    ("tom.becker@example.com", "Tom Becker", "Sales"),
    ("lena.kovacs@example.com", "Lena Kovács", "Marketing"),
    ("samuel.okafor@example.com", "Samuel Okafor", "Finance"),
    ("mei.lin@example.com", "Mei Lin", "Engineering"),
    ("jonas.berg@example.com", "Jonas Berg", "People"),
)


def seed_demo(session: Session) -> list[str]:
    """Create what is missing; return the emails that were added."""
    roles = ensure_roles(session)
    for name in DEPARTMENTS:
        department_named(session, name)
    session.flush()
    people = [(e, n, d, r, True) for e, n, d, r in DEMO_LOGINS]
    people += [(e, n, d, ("employee",), False) for e, n, d in COLLEAGUES]
    added = []
    for email, name, department, role_names, has_login in people:
        if find_by_email(session, email):
            continue
        session.add(
            User(
                email=email,
                name=name,
                department=department_named(session, department),
                roles=[roles[role] for role in role_names],
                password_hash=hash_password(DEMO_PASSWORD) if has_login else None,
            )
        )
        session.flush()
        added.append(email)
    if added:
        audit.record(session, "demo.seeded", subject=f"{len(added)} users")
    session.commit()
    return added

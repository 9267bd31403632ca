"""Demo data: a small company with one login per role. Loading it twice changes nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

import training
from advocacy import clock
from advocacy.models import Certification, User
from advocacy.services import audit
from advocacy.services.accounts import find_by_email
from advocacy.services.assessment import issue_certificate
from advocacy.services.courses import import_course
from advocacy.services.passwords import hash_password
from advocacy.services.users import department_named, ensure_roles
from training.course_files import load_course

DEMO_PASSWORD = "chorus-demo"  # nosec B105 # published on purpose; seed-demo refuses production
DEPARTMENTS = ("Marketing", "Sales", "Engineering", "Finance", "People")
# (email, name, department, roles); the ones with a login get DEMO_PASSWORD.
DEMO_LOGINS = (
    ("admin@example.com", "Ada Admin", "People", ("admin",)),
    ("marketer@example.com", "Mona Marketer", "Marketing", ("marketer", "employee")),
    ("employee@example.com", "Eli Employee", "Sales", ("employee",)),
    ("executive@example.com", "Eva Executive", "Finance", ("executive",)),
    ("advocate@example.com", "Avery Advocate", "Sales", ("employee",)),
)
DEFAULT_COURSE = Path(training.__file__).resolve().parent / "courses" / "social-media-essentials"
# Who holds a certificate in the demo, and how many days ago it was issued.
CERTIFIED_DAYS_AGO = {
    "advocate@example.com": 20,
    "priya.shah@example.com": 90,
    "tom.becker@example.com": 200,
    "mei.lin@example.com": 340,
    "samuel.okafor@example.com": 400,  # expired: shows up as such in the reports
}
COLLEAGUES = (
    ("priya.shah@example.com", "Priya Shah", "Engineering"),
    ("tom.becker@example.com", "Tom Becker", "Sales"),
    ("lena.kovacs@example.com", "Lena Kovács", "Marketing"),
    ("samuel.okafor@example.com", "Samuel Okafor", "Finance"),
    ("mei.lin@example.com", "Mei Lin", "Engineering"),
    ("jonas.berg@example.com", "Jonas Berg", "People"),
)


def seed_demo(session: Session, app: Flask | None = None) -> list[str]:
    """Create what is missing; return the emails that were added. With the app, also the
    demo content, sandbox accounts and past shares (services.demo_content)."""
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
    _certify_some(session)
    session.commit()
    if app is not None:
        from advocacy.services.demo_content import seed_content

        marketer = find_by_email(session, "marketer@example.com")
        admin = find_by_email(session, "admin@example.com")
        if marketer and admin and seed_content(session, app, marketer, admin):
            from advocacy.services import engagement, metrics, networks, rollups

            # The demo's figures, credited colleagues and dashboard totals from the start;
            # the consumer keeps them up to date.
            connect = networks.connectors_of(app)
            metrics.sync_metrics(session, app.config, connect)
            engagement.credit_engagements(session, connect)
            rollups.rebuild(session, clock.now())  # its past shares are older than any refresh
    return added


def _certify_some(session: Session) -> None:
    """Load the default course and certify a few colleagues, so reports have something to show."""
    version, _ = import_course(session, load_course(DEFAULT_COURSE))
    for email, days_ago in CERTIFIED_DAYS_AGO.items():
        user = find_by_email(session, email)
        if user is None or session.scalar(
            select(Certification.id).where(Certification.user_id == user.id).limit(1)
        ):
            continue
        issue_certificate(session, user, version, issued_at=clock.now() - timedelta(days=days_ago))

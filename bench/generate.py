"""Fill a database with a believable synthetic company, through the real schema.

    python -m bench.generate --database-url URL [--employees 10000] [--shares 1000000]
        [--snapshots-per-share 10] [--seed 7] [--days 365] [--until 2026-11-25]

The database is migrated to head first, then filled in bulk (SQLAlchemy Core statements
on the models' tables: executemany on SQLite, COPY on PostgreSQL). The same seed and
--until give the same rows. --until is the company's "now": its data ends there, so the
dashboards' "last 30 days" find it; a date means the end of that day, the default is the
current hour (UTC). Every generated person signs in with bench.people.PASSWORD.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select

from advocacy import clock, compliance, create_app
from advocacy.extensions import db
from advocacy.models import (
    ArchiveRecord,
    Attempt,
    Campaign,
    Certification,
    Click,
    ContentItem,
    ContentRevision,
    DailyMetric,
    Department,
    EngageAsk,
    Engagement,
    LatestMetric,
    MetricSnapshot,
    ModuleCompletion,
    NetworkAccount,
    Question,
    Share,
    User,
)
from advocacy.models.content import content_departments
from advocacy.models.user import user_roles
from advocacy.services import lexicon, rollups
from advocacy.services.courses import import_course
from advocacy.services.demo import DEFAULT_COURSE
from advocacy.services.users import ensure_roles
from bench import activity, certification, marketing, people
from bench.loader import Loader, open_loader
from bench.plan import Planned, plan_shares
from bench.synthetic import Span, parse_until
from training.course_files import load_course

BASE_URL = "http://127.0.0.1:5000"
BATCH = 20_000  # shares per batch (with their snapshots, rollups, clicks and archive)


@dataclass(frozen=True)
class Size:
    employees: int = 10_000
    shares: int = 1_000_000
    snapshots_per_share: int = 10
    seed: int = 7
    days: int = 365
    until: datetime | None = None  # None: the current hour
    campaigns: int = 40
    items: int = 400
    asks: int = 50


def database_url(url: str) -> str:
    """PostgreSQL through psycopg 3, as the app's settings do for DATABASE_URL."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def make_app(url: str, instance_path: str) -> Flask:
    return create_app({
        "SQLALCHEMY_DATABASE_URI": database_url(url), "SECRET_KEY": "x" * 40,
        "TASKS_IMMEDIATE": True, "BASE_URL": BASE_URL, "INSTANCE_PATH": instance_path,
    })  # fmt: skip


def generate(
    url: str, size: Size, instance_path: str | None = None, say: Callable[[str], None] = print
) -> Loader:
    """Migrate the database at `url` and fill it; the loader holds rows and seconds per table."""
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(url, instance_path or folder)
        with app.app_context():
            started = time.perf_counter()
            upgrade()
            say(f"migrated to head in {time.perf_counter() - started:.1f} s")
            span = Span(size.until or parse_until(None), size.days)
            return _fill(app, size, span, say)


def _fill(app: Flask, size: Size, span: Span, say: Callable[[str], None]) -> Loader:
    if db.session.scalar(select(func.count(User.id))):
        raise SystemExit("The database already holds people: generate into an empty database.")
    role_ids, course, rules = _setup(span)
    db.session.remove()
    loader = open_loader(db.engine)
    crowd, accounts, items = _company(loader, size, span, role_ids, course)
    loader.commit()
    say(_progress(loader, "people, training, accounts and content"))
    started = time.perf_counter()
    planned = plan_shares(_rng(size, "plan"), accounts, crowd, items, span, size.shares)
    loader.seconds["(planning shares)"] += time.perf_counter() - started
    say(f"planned {len(planned)} shares in {time.perf_counter() - started:.1f} s")
    texts = marketing.screened_texts(items, rules)
    builder = activity.Activity(
        _rng(size, "activity"), span, crowd, texts, app.config["BASE_URL"],
        size.snapshots_per_share,
    )  # fmt: skip
    _shares(loader, builder, planned, say)
    loader.commit()
    loader.finish()
    started = time.perf_counter()
    report = rollups.rebuild(db.session, span.until)
    loader.seconds["(dashboard totals)"] += time.perf_counter() - started
    say(f"dashboard totals: {report.summary} in {time.perf_counter() - started:.0f} s")
    return loader


def _rng(size: Size, part: str) -> random.Random:
    """One generator per part, so changing one part leaves the others' rows alone."""
    return random.Random(f"{size.seed}:{part}")


def _company(
    loader: Loader,
    size: Size,
    span: Span,
    role_ids: dict[str, int],
    course: certification.Course,
) -> tuple[dict[int, people.Person], list[people.Account], list[marketing.Item]]:
    """Everything but the shares: people, training, accounts, campaigns, items, asks."""
    crowd = people.make_people(_rng(size, "people"), size.employees, span, certified=0.65)
    users = people.user_rows(_rng(size, "users"), crowd, span)
    marketers = [p.id for p in crowd if "marketer" in p.roles]
    departments = [(n, name) for n, (name, _) in enumerate(people.DEPARTMENTS, start=1)]
    training = certification.training_rows(_rng(size, "training"), crowd, course, span)
    accounts = people.make_accounts(_rng(size, "accounts"), crowd, span, connected=0.7)
    campaigns = marketing.make_campaigns(_rng(size, "campaigns"), size.campaigns, span)
    items = marketing.make_items(_rng(size, "items"), size.items, campaigns, len(departments), span)
    saved = marketing.item_rows(items, marketers, approver_id=1)
    asks, engagements = marketing.ask_and_engagement_rows(
        _rng(size, "asks"), min(size.asks, max(5, size.employees // 20)), campaigns, accounts,
        marketers, span,
    )  # fmt: skip
    for table, columns, rows in (
        (Department.__table__, ("id", "name"), departments),
        (User.__table__, people.USER_COLUMNS, users),
        (user_roles, ("user_id", "role_id"), people.role_rows(crowd, role_ids)),
        (ModuleCompletion.__table__, certification.COMPLETION_COLUMNS, training.completions),
        (Attempt.__table__, certification.ATTEMPT_COLUMNS, training.attempts),
        (Certification.__table__, certification.CERTIFICATION_COLUMNS, training.certifications),
        (NetworkAccount.__table__, people.ACCOUNT_COLUMNS, people.account_rows(accounts, span)),
        (Campaign.__table__, marketing.CAMPAIGN_COLUMNS,
         marketing.campaign_rows(campaigns, marketers)),
        (ContentItem.__table__, marketing.ITEM_COLUMNS, saved),
        (content_departments, ("content_item_id", "department_id"),
         marketing.audience_rows(items)),
        (ContentRevision.__table__, marketing.REVISION_COLUMNS,
         marketing.revision_rows(items, saved, dict(departments))),
        (EngageAsk.__table__, marketing.ASK_COLUMNS, asks),
        (Engagement.__table__, marketing.ENGAGEMENT_COLUMNS, engagements),
    ):  # fmt: skip
        loader.insert(table, columns, rows)
    return {p.id: p for p in crowd}, accounts, items


def _shares(
    loader: Loader,
    builder: activity.Activity,
    planned: list[Planned],
    say: Callable[[str], None],
) -> None:
    """The shares and everything each leaves behind, a batch at a time, in id order."""
    tables = (
        (Share, activity.SHARE_COLUMNS, "shares"),
        (ArchiveRecord, activity.ARCHIVE_COLUMNS, "archive"),
        (MetricSnapshot, activity.SNAPSHOT_COLUMNS, "snapshots"),
        (DailyMetric, activity.DAILY_COLUMNS, "daily"),
        (LatestMetric, activity.LATEST_COLUMNS, "latest"),
        (Click, activity.CLICK_COLUMNS, "clicks"),
    )
    started = time.perf_counter()
    for first in range(0, len(planned), BATCH):
        built = time.perf_counter()
        batch = builder.batch(first + 1, planned[first : first + BATCH])
        loader.seconds["(building share rows)"] += time.perf_counter() - built
        for model, columns, name in tables:
            loader.insert(model.__table__, columns, getattr(batch, name))
        done = min(first + BATCH, len(planned))
        if done % (10 * BATCH) == 0 or done == len(planned):
            elapsed = time.perf_counter() - started
            left = elapsed / done * (len(planned) - done)
            say(f"shares {done}/{len(planned)} in {elapsed:.0f} s (about {left:.0f} s to go)")


def _setup(span: Span) -> tuple[dict[str, int], certification.Course, compliance.Rules]:
    """Roles and the default course through the app's own services (small and once), at a
    fixed moment before the company's history, so their rows are the same every run."""
    clock.set_clock(lambda: span.start - timedelta(days=800))
    try:
        roles = ensure_roles(db.session)
        version, _ = import_course(db.session, load_course(DEFAULT_COURSE))
        db.session.commit()
        questions = db.session.execute(
            select(Question.id, Question.options, Question.correct)
            .where(Question.version_id == version.id)
            .order_by(Question.id)
        )
        course = certification.Course(
            version_id=version.id,
            module_ids=tuple(m.id for m in version.modules),
            questions={qid: (list(options), list(correct)) for qid, options, correct in questions},
            per_attempt=version.questions_per_attempt,
            pass_mark=version.pass_mark,
        )
        rules = lexicon.rules(db.session, {"BASE_URL": BASE_URL})
        return {name: role.id for name, role in roles.items()}, course, rules
    finally:
        clock.set_clock(None)


def _progress(loader: Loader, what: str) -> str:
    return f"{what}: " + ", ".join(f"{t} {n}" for t, n in loader.rows.items())


def summary(loader: Loader, seconds: float) -> str:
    """One line: rows and seconds per table, then the total."""
    parts = [f"{t}={n} ({loader.seconds[t]:.1f} s)" for t, n in loader.rows.items()]
    parts += [f"{t} {s:.1f} s" for t, s in loader.seconds.items() if t.startswith("(")]
    return f"generated in {seconds:.0f} s: " + ", ".join(parts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    parser.add_argument("--database-url", required=True, help="sqlite:///path or postgresql://...")
    parser.add_argument("--employees", type=int, default=Size.employees)
    parser.add_argument("--shares", type=int, default=Size.shares)
    parser.add_argument("--snapshots-per-share", type=int, default=Size.snapshots_per_share)
    parser.add_argument("--seed", type=int, default=Size.seed)
    parser.add_argument("--days", type=int, default=Size.days)
    parser.add_argument("--until", help="the data's last day (YYYY-MM-DD) or moment; UTC")
    parser.add_argument("--instance-path", help="the app's instance folder (default: a temp one)")
    args = parser.parse_args(argv)
    if args.employees < len(people.LOGINS) or args.days < 1:
        parser.error(f"ask for at least {len(people.LOGINS)} employees and 1 day")
    if args.shares < 0 or args.snapshots_per_share < 0:
        parser.error("shares and snapshots per share cannot be negative")
    size = Size(
        employees=args.employees,
        shares=args.shares,
        snapshots_per_share=args.snapshots_per_share,
        seed=args.seed,
        days=args.days,
        until=parse_until(args.until),
    )
    started = time.perf_counter()
    loader = generate(args.database_url, size, args.instance_path)
    print(summary(loader, time.perf_counter() - started))
    print(f"every person signs in with the password {people.PASSWORD!r}")


if __name__ == "__main__":
    main()

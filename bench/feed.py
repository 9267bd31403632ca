"""feed: an employee's feed (`GET /feed`) with 10,000 live items and 10,000 employees:
p50 server time over repeated renders and the number of SQL queries per request, which
must not grow with the data. The baseline is the same page with 100 live items.

The company comes from `python -m bench.generate` (in a temp SQLite file, or the database
given with `--database-url`, which must be a throwaway one); the live items are added in
bulk. Targets (issue 8): <= 10 queries, p50 < 50 ms.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from contextlib import redirect_stdout
from datetime import timedelta
from pathlib import Path

from sqlalchemy import event, func, insert, select

from advocacy import clock, create_app
from advocacy.extensions import db
from advocacy.models import Campaign, ContentItem, User
from advocacy.models.content import APPROVED
from bench.common import Options, Result, app_config, progress
from training.gating import may_share

ITEMS, EMPLOYEES, BASELINE_ITEMS = 10_000, 10_000, 100
QUICK_ITEMS, QUICK_EMPLOYEES = 300, 200
RENDERS, QUICK_RENDERS = 21, 3
TARGET_QUERIES, TARGET_MS = 10, 50.0


def run(options: Options) -> list[Result]:
    folder = Path(tempfile.mkdtemp(prefix="chorus-bench-feed-"))
    items = QUICK_ITEMS if options.quick else ITEMS
    employees = QUICK_EMPLOYEES if options.quick else EMPLOYEES
    url = options.database_url or f"sqlite:///{folder / 'feed.db'}"
    from bench import generate

    with redirect_stdout(sys.stderr):  # stdout holds only the JSON results
        generate.main(
            ["--employees", str(employees), "--shares", str(employees)]
            + ["--snapshots-per-share", "1", "--database-url", url]
        )
    app = create_app(app_config(url, folder))
    renders = QUICK_RENDERS if options.quick else RENDERS
    with app.app_context():
        client = _certified_client(app)
        _live_items(BASELINE_ITEMS)
        small_ms, small_queries = _measure(client, renders)
        _live_items(items)
        big_ms, big_queries = _measure(client, renders)
        live = _live_count()
        db.engine.dispose()
    met = big_queries <= TARGET_QUERIES and big_ms < TARGET_MS and big_queries == small_queries
    return [
        Result(
            name="feed",
            metric="ms p50 per feed render",
            value=round(big_ms, 1),
            baseline=round(small_ms, 1),
            baseline_name=f"the same feed with {BASELINE_ITEMS} live items",
            better="lower",
            target=f"<= {TARGET_QUERIES} queries a request (not growing with the data), "
            f"p50 < {TARGET_MS:g} ms",
            met=met,
            details={
                "queries": big_queries,
                "queries_with_100_items": small_queries,
                "live_items": live,
                "employees": employees,
                "renders": renders,
            },
        )
    ]


def _certified_client(app):
    """A client signed in as an employee who may share (the generator certifies most)."""
    for user in db.session.scalars(select(User).where(User.active.is_(True)).limit(500)):
        if user.has_role("employee") and may_share(user):
            client = app.test_client()
            with client.session_transaction() as session:
                session["_user_id"] = user.get_id()
                session["_fresh"] = True
            return client
    raise RuntimeError("no certified employee in the generated data")


def _live_items(total: int) -> None:
    """Add approved items live now (every network, every department) up to `total`."""
    missing = total - _live_count()
    if missing <= 0:
        return
    campaign_id = db.session.scalar(select(Campaign.id).limit(1))
    now = clock.now()
    rows = [
        {
            "campaign_id": campaign_id,
            "url": f"https://example.com/bench/{n}",
            "title": f"Benchmark story {n}",
            "summary": "A story to share.",
            "captions": {"x": f"Read story {n}", "linkedin": f"Story {n}, worth a read."},
            "hashtags": [],
            "networks": ["x", "linkedin"],
            "starts_at": now - timedelta(days=1),
            "expires_at": now + timedelta(days=30),
            "status": APPROVED,
            "version": 1,
            "approved_version": 1,
            "approved_at": now - timedelta(days=1),
            "created_at": now - timedelta(days=2),
            "updated_at": now - timedelta(days=1),
        }
        for n in range(missing)
    ]
    for start in range(0, len(rows), 5_000):
        db.session.execute(insert(ContentItem.__table__), rows[start : start + 5_000])
    db.session.commit()
    progress(f"feed: {total:,} live items")


def _live_count() -> int:
    now = clock.now()
    return (
        db.session.scalar(
            select(func.count(ContentItem.id)).where(
                ContentItem.status == APPROVED,
                ContentItem.starts_at <= now,
                (ContentItem.expires_at.is_(None)) | (ContentItem.expires_at > now),
            )
        )
        or 0
    )


def _measure(client, renders: int) -> tuple[float, int]:
    """(p50 ms, SQL queries of one request)."""
    client.get("/feed")
    times = []
    for _ in range(renders):
        started = time.perf_counter()
        response = client.get("/feed")
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"/feed answered {response.status_code}")
    count = [0]

    def counted(*args) -> None:
        count[0] += 1

    event.listen(db.engine, "before_cursor_execute", counted)
    try:
        client.get("/feed")
    finally:
        event.remove(db.engine, "before_cursor_execute", counted)
    return statistics.median(times) * 1000, count[0]

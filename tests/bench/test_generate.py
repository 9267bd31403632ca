"""bench.generate: a tiny synthetic company in its own SQLite file, checked the way the app
reads it (constraints, the rules the code enforces, the metric rollups, the dashboards)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from advocacy.services.dashboards import media_prices
from bench.generate import Size, generate
from bench.synthetic import parse_until
from dashboards import queries
from dashboards.filters import Filters

UNTIL = parse_until("2026-03-01")  # the data's last day
SIZE = Size(employees=60, shares=600, snapshots_per_share=3, seed=7, days=120, until=UNTIL)


def _generate(folder: Path, size: Size = SIZE) -> Path:
    path = folder / "company.db"
    generate(f"sqlite:///{path}", size, instance_path=str(folder / "instance"), say=lambda _: None)
    return path


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _generate(tmp_path_factory.mktemp("company"))


@pytest.fixture
def db(company: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(company)
    yield connection
    connection.close()


def _one(db: sqlite3.Connection, sql: str) -> int:
    return db.execute(sql).fetchone()[0]


def test_counts_are_as_asked(db: sqlite3.Connection) -> None:
    assert _one(db, "SELECT count(*) FROM users") == 60
    assert _one(db, "SELECT count(*) FROM shares WHERE status = 'published'") == 600
    assert _one(db, "SELECT count(*) FROM archive_records") == 600
    snapshots = _one(db, "SELECT count(*) FROM metric_snapshots")
    assert 0.9 * 600 * 3 < snapshots <= 600 * 3  # the newest shares were not read 3 times yet
    assert _one(db, "SELECT count(*) FROM latest_metrics") == _one(
        db, "SELECT count(DISTINCT share_id) FROM metric_snapshots"
    )
    assert _one(db, "SELECT count(*) FROM clicks") > 600
    assert _one(db, "SELECT count(*) FROM departments") == 12
    assert _one(db, "SELECT count(*) FROM content_items") == 400
    assert _one(db, "SELECT count(*) FROM engage_asks") == 5


def test_foreign_keys_and_unique_keys_hold(db: sqlite3.Connection) -> None:
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    for table, columns in [
        ("users", "email"),
        ("certifications", "number"),
        ("network_accounts", "user_id, network"),
        ("network_accounts", "network, remote_id"),
        ("shares", "link_code"),
        ("shares", "idempotency_key"),
        ("shares", "network, remote_id"),
        ("metric_snapshots", "share_id, taken_at"),
        ("daily_metrics", "share_id, day"),
        ("engagements", "ask_id, user_id, action"),
    ]:
        duplicates = f"SELECT {columns} FROM {table} GROUP BY {columns} HAVING count(*) > 1"
        assert db.execute(duplicates).fetchall() == [], (table, columns)


def test_shares_follow_the_rules_the_code_enforces(db: sqlite3.Connection) -> None:
    # One active share per person, item and network (services.shares._already_shared).
    twice = "SELECT 1 FROM shares GROUP BY user_id, content_item_id, network HAVING count(*) > 1"
    assert db.execute(twice).fetchall() == []
    # Published while the item was live, by a certified person with a connected account.
    broken = """
        SELECT s.id FROM shares s JOIN content_items i ON i.id = s.content_item_id
        LEFT JOIN content_departments d ON d.content_item_id = i.id
        JOIN users u ON u.id = s.user_id
        WHERE i.status != 'approved' OR s.published_at < i.starts_at
           OR (i.expires_at IS NOT NULL AND s.published_at >= i.expires_at)
           OR (d.department_id IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM content_departments e
                WHERE e.content_item_id = i.id AND e.department_id = u.department_id))
           OR NOT EXISTS (SELECT 1 FROM certifications c WHERE c.user_id = s.user_id
                          AND c.issued_at <= s.published_at AND c.expires_at > s.published_at)
           OR NOT EXISTS (SELECT 1 FROM network_accounts a WHERE a.user_id = s.user_id
                          AND a.network = s.network AND a.connected_at <= s.published_at)
           OR instr(i.networks, '"' || s.network || '"') = 0
    """
    assert db.execute(broken).fetchall() == []


def test_snapshots_grow_and_roll_up_into_daily_and_latest_figures(db: sqlite3.Connection) -> None:
    shrinking = """
        SELECT 1 FROM (SELECT share_id, impressions, likes, LAG(impressions) OVER w AS i0,
                              LAG(likes) OVER w AS l0
                       FROM metric_snapshots WINDOW w AS (PARTITION BY share_id ORDER BY taken_at))
        WHERE impressions < i0 OR likes < l0
    """
    assert db.execute(shrinking).fetchall() == []
    figures = "impressions, members_reached, likes, comments, reshares, quotes, bookmarks"
    last = f"""
        SELECT share_id, {figures} FROM metric_snapshots m
        WHERE taken_at = (SELECT max(taken_at) FROM metric_snapshots WHERE share_id = m.share_id)
    """
    latest = f"SELECT share_id, {figures} FROM latest_metrics"
    assert sorted(db.execute(last)) == sorted(db.execute(latest))
    days_last = f"""
        SELECT share_id, date(taken_at), {figures} FROM metric_snapshots m
        WHERE taken_at = (SELECT max(taken_at) FROM metric_snapshots
                          WHERE share_id = m.share_id AND date(taken_at) = date(m.taken_at))
    """
    daily = f"SELECT share_id, day, {figures} FROM daily_metrics"
    assert sorted(db.execute(days_last)) == sorted(db.execute(daily))


def test_networks_leave_unknown_what_they_do_not_give(db: sqlite3.Connection) -> None:
    known = {
        network: (reached, quotes, clicks, unknown_impressions)
        for network, reached, quotes, clicks, unknown_impressions in db.execute("""
            SELECT s.network, count(m.members_reached), count(m.quotes), count(m.link_clicks),
                   count(*) - count(m.impressions)
            FROM latest_metrics m JOIN shares s ON s.id = m.share_id GROUP BY s.network
        """)
    }
    x_reached, x_quotes, x_clicks, x_unknown = known["x"]
    assert x_reached == 0 and x_quotes > 0 and x_clicks == 0 and x_unknown == 0
    reached, quotes, clicks, unknown = known["linkedin"]
    assert reached > 0 and quotes == 0 and clicks == 0 and unknown > 0  # some lack analytics


def test_dashboard_headline_finds_the_last_30_days(company: Path) -> None:
    engine = create_engine(f"sqlite:///{company}")
    last_day = (UNTIL - timedelta(days=1)).date()
    filters = Filters(start=last_day - timedelta(days=29), end=last_day)
    with Session(engine) as session:
        headline = queries.headline(session, filters, media_prices(session), UNTIL)
    engine.dispose()
    assert headline.shares > 0
    assert headline.impressions and headline.clicks > 0
    assert headline.certified > 0 and headline.active_advocates > 0


def test_same_seed_and_until_give_the_same_rows(company: Path, tmp_path: Path) -> None:
    again = _generate(tmp_path)
    tables = ("shares", "metric_snapshots", "clicks", "certifications", "users")
    with closing(sqlite3.connect(company)) as first, closing(sqlite3.connect(again)) as second:
        for table in tables:
            query = f"SELECT * FROM {table} ORDER BY 1, 2"
            assert first.execute(query).fetchall() == second.execute(query).fetchall(), table

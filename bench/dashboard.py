"""dashboard: the executive overview (`GET /dashboards`) for the last 30 and 365 days, on
data made by `python -m bench.generate`: server time p50 over repeated renders and the
peak memory of one render, against a baseline that loads the period's raw rows with
pandas and groups them in memory.

Give the generated database with `--database-url` (the full size of issue 8 is 1M shares
and 10M snapshots). Without one, a small company is generated into a temp SQLite file
first, so the numbers say little about scale.

Targets (issue 8): for 365 days, p50 < 300 ms, peak < 300 MB, and >= 20x the baseline.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from contextlib import redirect_stdout
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from advocacy import create_app
from advocacy.extensions import db
from advocacy.models import Click, LatestMetric, Role, Share, User
from bench.common import Options, Result, app_config, progress, traced_peak_mib

RENDERS, QUICK_RENDERS = 7, 2
TARGET_MS, TARGET_MB, TARGET_RATIO = 300.0, 300.0, 20.0
SMALL = ["--employees", "300", "--shares", "20000", "--snapshots-per-share", "2"]
QUICK = ["--employees", "60", "--shares", "600", "--snapshots-per-share", "1"]


def run(options: Options) -> list[Result]:
    folder = Path(tempfile.mkdtemp(prefix="chorus-bench-dashboard-"))
    url = options.database_url or _small_company(folder, options.quick)
    app = create_app(app_config(url, folder))
    renders = QUICK_RENDERS if options.quick else RENDERS
    results = []
    with app.app_context():
        client = _executive_client(app)
        for days in (30, 365):
            path = f"/dashboards?period={days}d"
            times = _render_times(client, path, renders)
            peak = traced_peak_mib(lambda p=path: client.get(p))
            baseline = _baseline_seconds(days)
            p50 = statistics.median(times) * 1000
            ratio = baseline * 1000 / p50 if p50 else 0.0
            met = days != 365 or (p50 < TARGET_MS and peak < TARGET_MB and ratio >= TARGET_RATIO)
            results.append(
                Result(
                    name=f"dashboard.{days}d",
                    metric="ms p50 per overview render",
                    value=round(p50, 1),
                    baseline=round(baseline * 1000, 1),
                    baseline_name="raw rows loaded with pandas and grouped in memory",
                    better="lower",
                    target=f"365 days: p50 < {TARGET_MS:g} ms, peak < {TARGET_MB:g} MB, "
                    f">= {TARGET_RATIO:g}x the baseline",
                    met=met,
                    details={
                        "renders": renders,
                        "all_ms": [round(t * 1000, 1) for t in times],
                        "peak_python_heap_mib": peak,
                        "shares": db.session.scalar(select(db.func.count(Share.id))),
                    },
                )
            )
        db.engine.dispose()
    return results


def _small_company(folder: Path, quick: bool) -> str:
    from bench import generate

    url = f"sqlite:///{folder / 'dashboard.db'}"
    size = (
        ["--employees", "60", "--shares", "600", "--snapshots-per-share", "1"] if quick else SMALL
    )
    progress("dashboard: no --database-url, generating a small company first")
    with redirect_stdout(sys.stderr):  # stdout holds only the JSON results
        generate.main([*size, "--database-url", url])
    return url


def _executive_client(app):
    """A test client signed in as an executive (Flask-Login keeps the session token)."""
    executive = db.session.scalar(
        select(User).where(User.roles.any(Role.name == "executive"), User.active.is_(True))
    )
    if executive is None:
        raise RuntimeError("the database has no executive: generate it with bench.generate")
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = executive.get_id()
        session["_fresh"] = True
    if client.get("/dashboards?period=7d").status_code != 200:
        raise RuntimeError("the executive could not open the dashboards")
    return client


def _render_times(client, path: str, renders: int) -> list[float]:
    client.get(path)  # warm caches, as a server that has already served the page
    times = []
    for _ in range(renders):
        started = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
    progress(f"dashboard: {path} p50 {statistics.median(times) * 1000:.0f} ms")
    return times


def _baseline_seconds(days: int) -> float:
    """Load every share of the period with its latest figures and its clicks, then sum
    and group in pandas: what a page would cost without aggregates in SQL."""
    from datetime import timedelta

    from advocacy import clock

    since = clock.now() - timedelta(days=days)
    started = time.perf_counter()
    engine = db.engine
    shares = pd.read_sql(
        select(
            Share.id,
            Share.user_id,
            Share.network,
            Share.content_item_id,
            Share.follower_count,
            Share.published_at,
            LatestMetric.impressions,
            LatestMetric.likes,
            LatestMetric.comments,
            LatestMetric.reshares,
        )
        .outerjoin(LatestMetric, LatestMetric.share_id == Share.id)
        .where(Share.status == "published", Share.published_at >= since),
        engine,
    )
    clicks = pd.read_sql(
        select(Click.share_id, Click.visit_key)
        .join(Share, Share.id == Click.share_id)
        .where(Share.published_at >= since, Click.is_bot.is_(False)),
        engine,
    )
    per_share = clicks.groupby("share_id").visit_key.nunique().rename("clicks")
    shares = shares.join(per_share, on="id").fillna({"clicks": 0})
    shares["day"] = pd.to_datetime(shares.published_at, utc=True).dt.floor("D")
    shares.groupby("network")[["follower_count", "impressions", "likes", "clicks"]].sum()
    shares.groupby("day")[["follower_count", "impressions", "clicks"]].sum()
    shares.groupby("content_item_id")[["likes", "comments", "reshares", "clicks"]].sum()
    shares.groupby("user_id")[["likes", "comments", "reshares", "clicks"]].sum()
    return time.perf_counter() - started

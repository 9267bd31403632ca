"""redirect: the tracked-link redirect /s/<code> under gunicorn (2 workers) with a
concurrent load generator on 127.0.0.1, against a bare Flask "hello" route served by the
same server in the same run. Every redirect must leave exactly one recorded click."""

from __future__ import annotations

import json
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import time
from http.client import HTTPConnection
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import func, select

from bench.common import Options, Result, app_config, latency_summary, progress

SECONDS, QUICK_SECONDS = 10.0, 2.0
CLIENTS, THREADS = 2, 8  # load-generator processes x connections each
TARGET_RATIO = 0.7
ROOT = Path(__file__).resolve().parents[1]


def run(options: Options) -> list[Result]:
    folder = Path(tempfile.mkdtemp(prefix="chorus-bench-redirect-"))
    config = _config(options, folder)
    codes = _prepare(config)
    seconds = QUICK_SECONDS if options.quick else SECONDS
    port = _free_port()
    server = _serve(config, port, folder)
    try:
        _wait_until_up(port)
        _load(port, ["/_bench/hello"], 1.0)  # warm both workers
        hello = _load(port, ["/_bench/hello"], seconds)
        before = _clicks(config)
        redirect = _load(port, [f"/s/{code}" for code in codes], seconds)
        recorded = _clicks(config) - before
    finally:
        server.terminate()
        server.wait(timeout=30)
    ratio = redirect["rps"] / hello["rps"] if hello["rps"] else 0.0
    database = (
        "postgresql" if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else "sqlite"
    )
    return [
        Result(
            name=f"redirect.{database}",
            metric="requests/s",
            value=round(redirect["rps"], 1),
            baseline=round(hello["rps"], 1),
            baseline_name="bare Flask hello on the same gunicorn",
            better="higher",
            target=f"ratio >= {TARGET_RATIO}; clicks recorded == redirects served",
            met=ratio >= TARGET_RATIO and recorded == redirect["ok"] and not redirect["errors"],
            details={
                "redirect": _summary(redirect),
                "hello": _summary(hello),
                "redirects_served": redirect["ok"],
                "clicks_recorded": recorded,
                "seconds": seconds,
                "connections": CLIENTS * THREADS,
                "workers": 2,
            },
        )
    ]


def _summary(load: dict) -> dict:
    return {
        "rps": round(load["rps"], 1),
        "errors": load["errors"],
        **latency_summary(load["latencies"]),
    }


def _config(options: Options, folder: Path) -> dict:
    return app_config(options.database_url or f"sqlite:///{folder / 'redirect.db'}", folder)


def _prepare(config: dict) -> list[str]:
    """Migrate and load the demo company (its published shares carry tracked links)."""
    from advocacy import create_app
    from advocacy.extensions import db
    from advocacy.models import Share
    from advocacy.services.demo import seed_demo

    app = create_app(config)
    with app.app_context():
        upgrade()
        seed_demo(db.session, app)
        codes = list(db.session.scalars(select(Share.link_code).where(Share.status == "published")))
        db.engine.dispose()
    if not codes:
        raise RuntimeError("the demo data has no published share to click")
    progress(f"redirect: {len(codes)} tracked links")
    return codes


def _clicks(config: dict) -> int:
    from sqlalchemy import create_engine

    from advocacy.models import Click

    engine = create_engine(config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as connection:
            return connection.scalar(select(func.count(Click.id))) or 0
    finally:
        engine.dispose()


def _serve(config: dict, port: int, folder: Path) -> subprocess.Popen:
    env = os.environ | {"CHORUS_BENCH_CONFIG": json.dumps(config), "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable, "-m", "gunicorn", "--workers", "2", "--worker-class", "gthread",
        "--threads", "4", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
        "bench.redirect_app:app",
    ]  # fmt: skip
    with (folder / "gunicorn.log").open("w") as log:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(port: int, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            connection = HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/_bench/hello")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer")


def _load(port: int, paths: list[str], seconds: float) -> dict:
    """CLIENTS processes x THREADS keep-alive connections asking for `paths` in turn."""
    with multiprocessing.get_context("spawn").Pool(CLIENTS) as pool:
        parts = pool.starmap(_client, [(port, paths, seconds, n) for n in range(CLIENTS)])
    latencies = [t for part in parts for t in part["latencies"]]
    ok = sum(part["ok"] for part in parts)
    return {
        "ok": ok,
        "errors": sum(part["errors"] for part in parts),
        "latencies": latencies,
        "rps": ok / seconds,
    }


def _client(port: int, paths: list[str], seconds: float, number: int) -> dict:
    from concurrent.futures import ThreadPoolExecutor

    deadline = time.monotonic() + seconds

    def connection_loop(offset: int) -> dict:
        connection = HTTPConnection("127.0.0.1", port, timeout=10)
        ok = errors = 0
        latencies: list[float] = []
        step = offset
        headers = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chorus-benchmark"}
        while time.monotonic() < deadline:
            path = paths[step % len(paths)]
            step += 1
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
            except OSError:
                errors += 1
                connection.close()
                connection = HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            latencies.append(time.perf_counter() - started)
            if response.status in (200, 302):
                ok += 1
            else:
                errors += 1
        connection.close()
        return {"ok": ok, "errors": errors, "latencies": latencies}

    with ThreadPoolExecutor(THREADS) as threads:
        parts = list(threads.map(connection_loop, range(number * THREADS, (number + 1) * THREADS)))
    return {
        "ok": sum(p["ok"] for p in parts),
        "errors": sum(p["errors"] for p in parts),
        "latencies": [t for p in parts for t in p["latencies"]],
    }

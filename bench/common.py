"""What every benchmark shares: the `Result` it reports, timing, percentiles, memory and a
description of the machine (for docs/BENCHMARKS.md).

A benchmark module exposes `run(options: Options) -> list[Result]`; `python -m bench`
finds it through the registry in `bench/__main__.py`.
"""

from __future__ import annotations

import json
import math
import os
import platform
import resource
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal


class BenchError(Exception):
    """A benchmark cannot run as asked (say why in the message; no traceback is shown)."""


@dataclass(frozen=True)
class Options:
    """What `python -m bench` passes to every benchmark's `run()`."""

    quick: bool = False  # a small size, for smoke tests; the targets are not meaningful then
    database_url: str | None = None  # None: a fresh SQLite file in a temp folder


@dataclass
class Result:
    """One measured figure against a baseline measured in the same run.

    `ratio` is always "how many times better than the baseline": value / baseline when
    `better` is "higher" (throughput), baseline / value when it is "lower" (calls, latency);
    so a ratio above 1 means Chorus beats the baseline whichever way the metric reads."""

    name: str  # "screening", "sync.requests", ...
    metric: str  # the unit, e.g. "captions/s"
    value: float
    baseline: float | None
    baseline_name: str  # what the baseline is, in a few words
    better: Literal["higher", "lower"]
    target: str  # the target, as text
    met: bool
    details: dict[str, Any] = field(default_factory=dict)  # extra figures, sizes, checks
    ratio: float | None = None  # filled in from value, baseline and better

    def __post_init__(self) -> None:
        if self.better not in ("higher", "lower"):
            raise ValueError(f"better must be 'higher' or 'lower', not {self.better!r}")
        if self.ratio is None:
            self.ratio = times_better(self.value, self.baseline, self.better)

    def line(self) -> str:
        """The result as one line of JSON (what `python -m bench` prints)."""
        return json.dumps(asdict(self), ensure_ascii=False, default=str)


def times_better(value: float, baseline: float | None, better: str) -> float | None:
    """value/baseline (higher is better) or baseline/value (lower is better); None when
    there is no baseline or the division is undefined."""
    if baseline is None:
        return None
    top, bottom = (value, baseline) if better == "higher" else (baseline, value)
    return round(top / bottom, 3) if bottom else None


@dataclass
class Stopwatch:
    """Wall time by time.perf_counter: `with timed() as watch: ...; watch.seconds`."""

    started: float = 0.0
    seconds: float = 0.0


@contextmanager
def timed() -> Iterator[Stopwatch]:
    watch = Stopwatch(started=time.perf_counter())
    try:
        yield watch
    finally:
        watch.seconds = time.perf_counter() - watch.started


def rate(count: int, seconds: float) -> float:
    """Items per second, rounded for reading."""
    return round(count / seconds, 1) if seconds > 0 else float("inf")


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (fraction 0.5 = p50, 0.99 = p99) of `samples`."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = math.ceil(round(fraction * len(ordered), 9))  # round: 0.07 * 100 is 7.000...01
    return ordered[min(max(rank, 1), len(ordered)) - 1]


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p99 and max of per-item times, in microseconds."""
    ordered = sorted(seconds)
    return {
        "p50_us": round(percentile(ordered, 0.50) * 1e6, 1),
        "p99_us": round(percentile(ordered, 0.99) * 1e6, 1),
        "max_us": round(ordered[-1] * 1e6, 1),
    }


def peak_rss_mib() -> float:
    """The process's peak resident set size so far, from resource.getrusage (ru_maxrss, KiB
    on Linux). A high-water mark over the whole process, not per benchmark: run one
    benchmark per process (`python -m bench NAME`) to read it for that one."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def traced_peak_mib(action: Callable[[], Any]) -> float:
    """Peak Python heap allocated while `action` runs, by tracemalloc. tracemalloc slows
    Python code several times over: use it on a separate, untimed run only."""
    import tracemalloc

    tracemalloc.start()
    try:
        action()
        return round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    finally:
        tracemalloc.stop()


def progress(message: str) -> None:
    """A line for the person waiting (stderr, so stdout stays JSON lines)."""
    print(message, file=sys.stderr, flush=True)


def _cpu() -> tuple[str, int]:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    except OSError:
        pass
    return model, os.cpu_count() or 0


def _ram_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def machine(database_url: str | None = None) -> dict[str, Any]:
    """The machine the figures were measured on: CPU model and count (/proc/cpuinfo), RAM,
    OS, Python, SQLite, and PostgreSQL's server version when `database_url` points at one."""
    model, cpus = _cpu()
    described: dict[str, Any] = {
        "cpu": model,
        "cpus": cpus,
        "ram_gib": _ram_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }
    if database_url and database_url.startswith("postgres"):
        described["postgresql"] = _postgresql_version(database_url)
    return described


def _postgresql_version(url: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    engine = create_engine(sqlalchemy_url(url))
    try:
        with engine.connect() as connection:
            return str(connection.execute(text("SHOW server_version")).scalar())
    except SQLAlchemyError as error:
        return f"not reached ({type(error).__name__})"
    finally:
        engine.dispose()


def sqlalchemy_url(url: str) -> str:
    """postgres:// and postgresql:// as psycopg 3 URLs, as advocacy.config reads DATABASE_URL."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def app_config(database_url: str, folder: Path) -> dict[str, Any]:
    """The settings a benchmark gives `create_app`: its own database and instance folder,
    tasks inline, no mail."""
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "benchmark-secret-key-that-is-long-enough-for-production",
        "BASE_URL": "http://127.0.0.1:5000",
        "INSTANCE_PATH": str(folder / "instance"),
        "TASKS_IMMEDIATE": True,
        "MAIL_SERVER": None,
    }

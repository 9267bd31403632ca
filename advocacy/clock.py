"""The one clock of Chorus: always UTC-aware, replaceable in tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

_source: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731
_sleep: Callable[[float], None] = time.sleep


def now() -> datetime:
    return _source()


def set_clock(source: Callable[[], datetime] | None) -> None:
    """Replace the clock (tests); `None` restores the system clock."""
    global _source
    _source = source or (lambda: datetime.now(UTC))


def sleep(seconds: float) -> None:
    """Wait, as a connector does between retries; tests record the waits instead."""
    _sleep(seconds)


def set_sleep(sleeper: Callable[[float], None] | None) -> None:
    """Replace the waiting (tests); `None` restores `time.sleep`."""
    global _sleep
    _sleep = sleeper or time.sleep


def as_utc(moment: datetime) -> datetime:
    """SQLite returns naive datetimes for timezone-aware columns: read them as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

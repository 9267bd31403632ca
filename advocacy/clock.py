"""The one clock of Chorus: always UTC-aware, replaceable in tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

_source: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    return _source()


def set_clock(source: Callable[[], datetime] | None) -> None:
    """Replace the clock (tests); `None` restores the system clock."""
    global _source
    _source = source or (lambda: datetime.now(UTC))


def as_utc(moment: datetime) -> datetime:
    """SQLite returns naive datetimes for timezone-aware columns: read them as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

"""What every part of the synthetic company shares: its time span and deterministic
stand-ins for the app's random tokens (same seed and span, same rows)."""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
# Odd multipliers: x -> (x * A + B) mod 2**bits is a bijection, so codes made from
# distinct ids are distinct, yet look random.
_MIX_64 = 0x9E3779B97F4A7C15
_MIX_128 = 0x6A09E667F3BCC908B2FB1366EA957D3F


@dataclass(frozen=True)
class Span:
    """The company's recorded history: shares from `start` up to `until` (its "now")."""

    until: datetime
    days: int

    @property
    def start(self) -> datetime:
        return self.until - timedelta(days=self.days)


def parse_until(value: str | None, now: datetime | None = None) -> datetime:
    """`--until`: an ISO date means the end of that day (its data's last day); a date and
    time is taken as given (UTC unless it says otherwise). Default: the current hour."""
    if not value:
        moment = now or datetime.now(UTC)
        return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    if len(value) == 10:
        return datetime.combine(date.fromisoformat(value) + DAY, datetime.min.time(), UTC)
    moment = datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def between(rng: random.Random, low: datetime, high: datetime) -> datetime:
    """A moment in [low, high), to the second."""
    seconds = max(int((high - low).total_seconds()), 1)
    return low + timedelta(seconds=rng.randrange(seconds))


def link_code(share_id: int, salt: int) -> str:
    """11 URL-safe characters (64 bits), like secrets.token_urlsafe(8); unique per id."""
    mixed = (share_id * _MIX_64 + salt) % 2**64
    return base64.urlsafe_b64encode(mixed.to_bytes(8, "big")).rstrip(b"=").decode()


def hex_key(number: int, salt: int) -> str:
    """32 hex digits, like uuid4().hex; unique per number."""
    return f"{(number * _MIX_128 + salt) % 2**128:032x}"


def token(rng: random.Random, size: int = 32) -> str:
    """Like secrets.token_urlsafe(size), from the seeded generator."""
    return base64.urlsafe_b64encode(rng.randbytes(size)).rstrip(b"=").decode()


def long_tail(rng: random.Random, median: float, sigma: float, cap: int) -> int:
    """A log-normal count: most are near the median, a few are far above it."""
    return min(int(rng.lognormvariate(0, sigma) * median), cap)


def days(count: float) -> timedelta:
    """A duration to the second (generated times have no microseconds)."""
    return timedelta(seconds=round(count * 86_400))


def hours(count: float) -> timedelta:
    return timedelta(seconds=round(count * 3_600))


def minutes(count: float) -> timedelta:
    return timedelta(seconds=round(count * 60))

"""The API budget: every call Chorus makes to a network, counted the way the network bills
it, priced from the settings, and a daily cap on metric reads the sync respects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from advocacy import clock
from advocacy.errors import ValidationFailed
from advocacy.models import ApiUsage, User
from advocacy.services import settings
from advocacy.upsert import increment

POST_CREATED, POST_WITH_LINK = "post created", "post created with link"
POST_READ, USER_READ = "post read", "user read"
KINDS = (POST_CREATED, POST_WITH_LINK, POST_READ, USER_READ)
MAX_PRICE = 1000.0


def count(session: Session, network: str, kind: str, units: int = 1) -> None:
    """Add `units` calls of `kind` to today's count (the caller commits)."""
    if units <= 0:
        return
    row = {"day": clock.now().date(), "network": network, "kind": kind, "units": units}
    increment(session, ApiUsage, row, ("day", "network", "kind"), ("units",))


def used(session: Session, network: str, kind: str, since: date, until: date) -> int:
    """Calls of `kind` to `network` from `since` to `until`, both days included."""
    total = session.scalar(
        select(func.sum(ApiUsage.units)).where(
            ApiUsage.network == network,
            ApiUsage.kind == kind,
            ApiUsage.day >= since,
            ApiUsage.day <= until,
        )
    )
    return int(total or 0)


def reads_left_today(session: Session, network: str) -> int | None:
    """How many more posts the sync may read on `network` today; None when uncapped."""
    cap = settings.get(session, "daily_read_cap").get(network)
    if cap is None:
        return None
    today = clock.now().date()
    return max(cap - used(session, network, POST_READ, today, today), 0)


@dataclass(frozen=True)
class Line:
    network: str
    kind: str
    calls: int
    price: float
    spend: float


@dataclass(frozen=True)
class MonthUsage:
    month: date  # its first day
    lines: list[Line]

    @property
    def spend(self) -> float:
        return sum(line.spend for line in self.lines)


def month_usage(session: Session, networks: list[str], month: date | None = None) -> MonthUsage:
    """Calls and estimated spend of a calendar month (this one unless given), per network
    and kind, in one query."""
    first = (month or clock.now().date()).replace(day=1)
    after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    rows = session.execute(
        select(ApiUsage.network, ApiUsage.kind, func.sum(ApiUsage.units))
        .where(ApiUsage.day >= first, ApiUsage.day < after)
        .group_by(ApiUsage.network, ApiUsage.kind)
    ).all()
    calls = {(network, kind): int(total) for network, kind, total in rows}
    prices = settings.get(session, "api_prices")
    lines = []
    for network in networks:
        for kind in KINDS:
            price = float(prices.get(network, {}).get(kind, 0.0))
            made = calls.get((network, kind), 0)
            lines.append(Line(network, kind, made, price, round(made * price, 2)))
    return MonthUsage(first, lines)


def update_budget(
    session: Session,
    prices: dict[str, dict[str, float]],
    caps: dict[str, int | None],
    actor: User,
) -> bool:
    """Store new prices and daily read caps (audited)."""
    for table in prices.values():
        for kind, price in table.items():
            if kind not in KINDS or not 0 <= price <= MAX_PRICE:
                raise ValidationFailed(f"A price must be between 0 and {MAX_PRICE:g} dollars.")
    if any(cap is not None and cap < 0 for cap in caps.values()):
        raise ValidationFailed("A daily cap cannot be negative; leave it empty for no cap.")
    settings.put(session, "api_prices", prices, actor)
    settings.put(session, "daily_read_cap", caps, actor)
    session.commit()
    return True

"""What the dashboard pages and exports show, assembled from dashboards.queries with the
company's media prices; the pages, the exports and the API all call these."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy.orm import Session

from advocacy import clock
from advocacy.errors import NotFound, ValidationFailed
from advocacy.models import Campaign, User
from advocacy.services import rollups, settings
from dashboards import queries
from dashboards.filters import Filters
from dashboards.metrics import Headline, MediaPrice, NetworkTotals, change, points


def media_prices(session: Session) -> dict[str, MediaPrice]:
    stored = settings.get(session, "media_value")
    return {
        network: MediaPrice(float(value["cpm"]), float(value["cpc"]))
        for network, value in stored.items()
        if isinstance(value, dict)
    }


def currency(session: Session) -> str:
    return settings.get(session, "media_value").get("currency", "USD")


def update_media_value(
    session: Session, currency_code: str, prices: dict[str, MediaPrice], actor: User
) -> bool:
    code = currency_code.strip().upper()
    if not (len(code) == 3 and code.isalpha()):
        raise ValidationFailed("Give the currency as a three-letter code, such as USD or EUR.")
    if any(not (0 <= p.cpm <= 10_000 and 0 <= p.cpc <= 10_000) for p in prices.values()):
        raise ValidationFailed("Prices must be between 0 and 10,000.")
    value = {"currency": code} | {n: {"cpm": p.cpm, "cpc": p.cpc} for n, p in prices.items()}
    settings.put(session, "media_value", value, actor)
    session.commit()
    return True


def figures_as_of(session: Session) -> datetime | None:
    """When the dashboards' totals were last brought up to date (None: never yet, so the
    pages add up the shares themselves and are current)."""
    found = rollups.state(session)
    return found.refreshed_at if found else None


def standing_at(filters: Filters) -> datetime:
    """When certification is counted: the end of the period, or now if it has not ended
    (to the minute, so the figures of one page count it at the same moment)."""
    return min(clock.now().replace(second=0, microsecond=0), filters.ends_before)


@dataclass(frozen=True)
class Comparison:
    now: Headline
    before: Headline

    def change(self, name: str) -> float | None:
        """Relative change of a count or amount against the previous period."""
        return change(getattr(self.now, name), getattr(self.before, name))

    def difference(self, name: str) -> float | None:
        """The difference of a rate, in its own unit (shown as percentage points)."""
        now, before = getattr(self.now, name), getattr(self.before, name)
        return None if now is None or before is None else now - before


def compare(session: Session, filters: Filters) -> Comparison:
    prices = media_prices(session)
    previous = filters.previous()
    return Comparison(
        queries.headline(session, filters, prices, standing_at(filters)),
        queries.headline(session, previous, prices, standing_at(previous)),
    )


# Every table behind a chart, by the name its export link uses.
TABLES: dict[str, tuple[str, Callable[[Session, Filters, dict[str, str]], pd.DataFrame]]] = {
    "over-time": (
        "Reach over time",
        lambda s, f, labels: queries.over_time(s, f),
    ),
    "networks": ("Engagement by network", lambda s, f, labels: queries.by_network(s, f, labels)),
    "content": ("Top content", lambda s, f, labels: queries.top_content(s, f)),
    "advocates": ("Top advocates", lambda s, f, labels: queries.top_advocates(s, f)),
    "departments": (
        "Departments",
        lambda s, f, labels: queries.departments(s, f, standing_at(f)),
    ),
    "funnel": ("Funnel", lambda s, f, labels: queries.funnel(s, f, standing_at(f))),
    "leaderboard": ("Leaderboard", lambda s, f, labels: queries.leaderboard(s, f)),
    "items": ("Items", lambda s, f, labels: queries.top_content(s, f, limit=None)),
}


def table(session: Session, name: str, filters: Filters, labels: dict[str, str]) -> pd.DataFrame:
    if name not in TABLES:
        raise NotFound("There is no such table.")
    return TABLES[name][1](session, filters, labels)


def campaign(session: Session, campaign_id: int) -> Campaign:
    found = session.get(Campaign, campaign_id)
    if found is None:
        raise NotFound("There is no such campaign.")
    return found


def points_of(totals: list[NetworkTotals], credits: int) -> int:
    """One person's points in a period, from their per-network totals and credits."""
    return points(sum(t.shares for t in totals), credits, sum(t.clicks for t in totals))


def set_leaderboard_opt_out(session: Session, user: User, leave: bool) -> None:
    user.leaderboard_opt_out = leave
    session.commit()

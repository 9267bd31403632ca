"""Keep the dashboards' totals (advocacy.models.rollups) in step with the shares, their
latest figures and their clicks.

A refresh works out again every publish day that changed since the last one: days with
shares published or clicks counted since then (looked for a margin before, so a change
committed late is not missed), and days marked pending (`mark_shares` by the metric sync
for the figures it read, `mark_user_days` when someone changes department). A day is
replaced whole, in its own transaction, so a refresh never holds the database for long and
running it twice changes nothing. The first refresh, and `rebuild`, do every day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from advocacy import clock
from advocacy.models import Click, Share, User
from advocacy.models.rollups import (
    ALL_DEPARTMENTS,
    BY_DEPARTMENT,
    BY_NETWORK,
    GRAINS,
    MEASURES,
    STATE_ID,
    AdvocateTotal,
    RollupPendingDay,
    RollupState,
    ShareTotal,
)
from advocacy.models.shares import PUBLISHED
from advocacy.upsert import upsert
from dashboards import spans
from dashboards.facts import raw_facts
from dashboards.filters import Filters
from dashboards.spans import DAY, MADE_OF

MARGIN = timedelta(minutes=10)  # look back this far before the last refresh's mark
LOCK = 72_617  # PostgreSQL advisory lock: one rollup write at a time across consumers


@dataclass(frozen=True)
class RefreshReport:
    days: int
    spans: int  # weeks, months and quarters made up again from them

    @property
    def summary(self) -> str:
        return f"{self.days} publish days (and {self.spans} longer spans) worked out again"


def state(session: Session) -> RollupState | None:
    """Where the totals stand; None until the first refresh (the dashboards then add up
    the shares themselves)."""
    return session.get(RollupState, STATE_ID)


def refresh(session: Session, at: datetime) -> RefreshReport:
    """Work out again the days that changed since the last refresh (every day the first
    time)."""
    current = state(session)
    click_id = _settled_click_id(session, at)
    if current is None or current.changes_before is None:
        days = _all_days(session)
        pending: list[date] = []
    else:
        since = current.changes_before - MARGIN
        pending = list(session.scalars(select(RollupPendingDay.day)))
        days = _changed_days(session, since, current.click_id) | set(pending)
    report = refresh_days(session, days)
    if pending:  # a day marked again meanwhile stays for the next refresh
        session.execute(
            delete(RollupPendingDay).where(
                RollupPendingDay.day.in_(pending), RollupPendingDay.marked_at <= at
            )
        )
    _mark(session, at, click_id)
    return report


def _mark(session: Session, at: datetime, click_id: int) -> None:
    current = state(session) or RollupState(id=STATE_ID)
    current.refreshed_at, current.changes_before, current.click_id = at, at, click_id
    session.add(current)
    session.commit()


def rebuild(session: Session, at: datetime) -> RefreshReport:
    """Work out every day again (after bulk loads, and nightly): days with shares and days
    with totals, which drops the totals of shares that are gone. Day by day, so the
    dashboards keep reading whole days meanwhile."""
    kept = session.scalars(select(AdvocateTotal.starts_on).where(AdvocateTotal.span == DAY))
    report = refresh_days(session, _all_days(session) | set(kept))
    _mark(session, at, _settled_click_id(session, at))
    return report


def mark_days(session: Session, days: Iterable[date], at: datetime) -> None:
    """These publish days must be worked out again at the next refresh; the caller
    commits."""
    rows = [{"day": day, "marked_at": at} for day in sorted(set(days))]
    upsert(session, RollupPendingDay, rows, ("day",), ("marked_at",))


def mark_shares(session: Session, shares: Iterable[Share]) -> None:
    """New figures were read for these shares: their publish days must be worked out
    again (marked now, just before the caller commits)."""
    days = (_utc_day(share.published_at) for share in shares if share.published_at)
    mark_days(session, days, clock.now())


def mark_user_days(session: Session, user_id: int) -> None:
    """The days someone shared on must be worked out again (their department changed);
    the caller commits."""
    days = session.scalars(
        select(AdvocateTotal.starts_on).where(
            AdvocateTotal.user_id == user_id, AdvocateTotal.span == DAY
        )
    )
    mark_days(session, days, clock.now())


def refresh_days(session: Session, days: Iterable[date]) -> RefreshReport:
    """Replace the totals of these publish days, then of the longer spans they fall in."""
    days = sorted(set(days))
    for day in days:
        _lock(session)
        _replace_day(session, day)
        session.commit()
    made = 0
    for span, source in MADE_OF.items():  # weeks and months from days, quarters from months
        firsts = {spans.containing(span, day) for day in days} - {None}
        for first in sorted(firsts):
            _lock(session)
            _replace_span(session, span, first, source)
            session.commit()
        made += len(firsts)
    return RefreshReport(len(days), made)


def _lock(session: Session) -> None:
    """Two refreshes at once (two consumers, or the nightly rebuild and a refresh) must not
    both replace a day: the second would add its rows beside the first's. PostgreSQL waits
    for this transaction's lock; SQLite lets one writer at a time anyway."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(LOCK)))


def _settled_click_id(session: Session, at: datetime) -> int:
    """The newest click older than the margin: every click up to it has been committed."""
    found = session.scalar(
        select(Click.id).where(Click.clicked_at < at - MARGIN).order_by(Click.id.desc()).limit(1)
    )
    return found or 0


def _all_days(session: Session) -> set[date]:
    return {
        _utc_day(moment)
        for moment in session.scalars(
            select(Share.published_at).where(Share.status == PUBLISHED).distinct()
        )
    }


def _changed_days(session: Session, since: datetime, click_id: int) -> set[date]:
    """Publish days of shares published or clicked since then (the metric sync marks the
    days it read figures for). The clicks are looked up first, by their key, then their
    shares: a join would let the planner scan every share instead."""
    clicked = select(Click.share_id).where(Click.id > click_id)
    queries = (
        select(Share.published_at).where(Share.status == PUBLISHED, Share.published_at >= since),
        select(Share.published_at).where(Share.id.in_(clicked)),  # (any status: no harm)
    )
    moments = (moment for query in queries for moment in session.scalars(query.distinct()))
    return {_utc_day(moment) for moment in moments if moment is not None}


def _utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


# Per grain: the (network, item, department) a share's row of share_totals is keyed by.
GRAIN_KEYS = {
    BY_NETWORK: lambda share: (share.network, None, None),
    ALL_DEPARTMENTS: lambda share: (share.network, share.content_item_id, None),
    BY_DEPARTMENT: lambda share: (share.network, share.content_item_id, share.department_id),
}


def _replace_day(session: Session, day: date) -> None:
    """One day's shares (their measures as dashboards.facts defines them), added up per
    grain of share_totals and per person and network."""
    facts = raw_facts(session, Filters(start=day, end=day))
    shares = session.execute(
        select(facts, User.department_id).join(User, User.id == facts.c.user_id)
    ).all()
    by_grain: dict[tuple, dict] = defaultdict(_unknown)
    by_person: dict[tuple, dict] = defaultdict(_unknown)
    for share in shares:
        for grain, key in GRAIN_KEYS.items():
            _add(by_grain[(grain, *key(share))], share)
        _add(by_person[share.user_id, share.network], share)
    session.execute(delete(ShareTotal).where(ShareTotal.grain.in_(GRAINS), ShareTotal.day == day))
    session.execute(
        delete(AdvocateTotal).where(AdvocateTotal.span == DAY, AdvocateTotal.starts_on == day)
    )
    share_rows = [
        {"grain": grain, "day": day, "network": network, "content_item_id": item,
         "department_id": department, **totals}
        for (grain, network, item, department), totals in by_grain.items()
    ]  # fmt: skip
    if share_rows:
        session.execute(insert(ShareTotal.__table__), share_rows)
    person_rows = [
        {"span": DAY, "starts_on": day, "user_id": user_id, "network": network, **totals}
        for (user_id, network), totals in by_person.items()
    ]
    if person_rows:
        session.execute(insert(AdvocateTotal.__table__), person_rows)


def _replace_span(session: Session, span: str, first: date, source: str) -> None:
    """A span's per-person totals: the sums of the smaller spans' rows inside it."""
    session.execute(
        delete(AdvocateTotal).where(AdvocateTotal.span == span, AdvocateTotal.starts_on == first)
    )
    inside = select(
        AdvocateTotal.user_id,
        AdvocateTotal.network,
        *(func.sum(getattr(AdvocateTotal, name)).label(name) for name in MEASURES),
    ).where(
        AdvocateTotal.span == source,
        AdvocateTotal.starts_on >= first,
        AdvocateTotal.starts_on < spans.after(span, first),
    )
    rows = [
        {"span": span, "starts_on": first, **row._asdict()}
        for row in session.execute(inside.group_by(AdvocateTotal.user_id, AdvocateTotal.network))
    ]
    if rows:
        session.execute(insert(AdvocateTotal.__table__), [_plain(row) for row in rows])


def _plain(row: dict) -> dict:
    """PostgreSQL sums are Decimal: ints again (None stays unknown)."""
    return {k: int(v) if k in MEASURES and v is not None else v for k, v in row.items()}


def _unknown() -> dict:
    return dict.fromkeys(MEASURES)


def _add(totals: dict, share) -> None:
    """Add one share's measures; a figure no share had stays unknown (None)."""
    for name in MEASURES:
        value = getattr(share, name)
        if value is not None:
            totals[name] = value if totals[name] is None else totals[name] + value

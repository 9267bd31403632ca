"""The calendar spans per-person totals are kept for (advocacy.models.rollups.AdvocateTotal)
and how a period is cut into the fewest of them: whole quarters, whole months, the 7-day
weeks of a month (days 1-7, 8-14, 15-21 and 22-28) and single days. A year is then about
a dozen rows per person instead of 365, whatever day it starts on."""

from __future__ import annotations

from datetime import date, timedelta

DAY, WEEK, MONTH, QUARTER = "day", "week", "month", "quarter"
LARGEST_FIRST = (QUARTER, MONTH, WEEK, DAY)
# Each span's totals are the sums of these smaller ones.
MADE_OF = {WEEK: DAY, MONTH: DAY, QUARTER: MONTH}
WEEK_STARTS = (1, 8, 15, 22)


def starts(span: str, day: date) -> bool:
    """Whether a span of this kind begins on this day."""
    if span == QUARTER:
        return day.day == 1 and day.month in (1, 4, 7, 10)
    if span == MONTH:
        return day.day == 1
    if span == WEEK:
        return day.day in WEEK_STARTS
    return True


def after(span: str, first: date) -> date:
    """The first day after the span that begins on `first`."""
    if span == QUARTER:
        return _add_months(first, 3)
    if span == MONTH:
        return _add_months(first, 1)
    if span == WEEK:
        return first + timedelta(days=7)
    return first + timedelta(days=1)


def containing(span: str, day: date) -> date | None:
    """The first day of the span of this kind that holds `day` (None: days 29-31 are in no
    week)."""
    if span == QUARTER:
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if span == MONTH:
        return day.replace(day=1)
    if span == WEEK:
        return None if day.day > 28 else day.replace(day=(day.day - 1) // 7 * 7 + 1)
    return day


def cut(start: date, end: date) -> list[tuple[str, date, date]]:
    """start..end (both included) as runs of spans, largest first where they fit: each run
    is (span, first day, first day after), and runs follow each other without gap."""
    runs: list[tuple[str, date, date]] = []
    day, stop = start, end + timedelta(days=1)
    while day < stop:
        span = next(s for s in LARGEST_FIRST if starts(s, day) and after(s, day) <= stop)
        following = after(span, day)
        if runs and runs[-1][0] == span and runs[-1][2] == day:
            runs[-1] = (span, runs[-1][1], following)
        else:
            runs.append((span, day, following))
        day = following
    return runs


def _add_months(first: date, months: int) -> date:
    index = first.month - 1 + months
    return date(first.year + index // 12, index % 12 + 1, 1)

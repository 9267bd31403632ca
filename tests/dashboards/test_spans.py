"""Cutting a period into calendar spans (dashboards.spans): the runs cover every day of
the period once, each span begins where such a span begins, and the larger ones are used."""

from __future__ import annotations

import random
from datetime import date, timedelta
from itertools import pairwise

import pytest

from dashboards.spans import DAY, MONTH, QUARTER, WEEK, after, containing, cut, starts


def test_a_year_from_a_december_day_is_a_few_spans():
    assert cut(date(2025, 12, 4), date(2026, 12, 3)) == [
        (DAY, date(2025, 12, 4), date(2025, 12, 8)),
        (WEEK, date(2025, 12, 8), date(2025, 12, 29)),
        (DAY, date(2025, 12, 29), date(2026, 1, 1)),
        (QUARTER, date(2026, 1, 1), date(2026, 10, 1)),
        (MONTH, date(2026, 10, 1), date(2026, 12, 1)),
        (DAY, date(2026, 12, 1), date(2026, 12, 4)),
    ]


@pytest.mark.parametrize("seed", range(5))
def test_the_runs_cover_each_day_of_any_period_once(seed):
    rng = random.Random(seed)
    for _ in range(400):
        start = date(2024, 1, 1) + timedelta(days=rng.randrange(900))
        end = start + timedelta(days=rng.randrange(800))
        runs = cut(start, end)
        assert runs[0][1] == start and runs[-1][2] == end + timedelta(days=1)
        for before, later in pairwise(runs):
            assert before[2] == later[1]  # no gap, no overlap
        for span, first, following in runs:
            day = first
            while day < following:  # a run is whole spans of its kind, back to back
                assert starts(span, day) and after(span, day) <= following
                day = after(span, day)
            assert day == following


def test_every_day_is_in_its_month_and_quarter_and_most_in_a_week():
    assert containing(WEEK, date(2026, 2, 14)) == date(2026, 2, 8)
    assert containing(WEEK, date(2026, 1, 29)) is None
    assert containing(MONTH, date(2026, 2, 14)) == date(2026, 2, 1)
    assert containing(QUARTER, date(2026, 12, 31)) == date(2026, 10, 1)
    assert after(QUARTER, date(2026, 10, 1)) == date(2027, 1, 1)

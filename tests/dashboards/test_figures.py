"""Every dashboard figure against a small company computed by hand: each metric, each
filter, the period comparison, the department roll-up, the funnel and the leaderboard.

June 2026 (the period; "today" is 30 June):
  share  who  network   item  day     followers  impressions  likes comments reshares  clicks
  s1     Ann  X         A1    10 Jun  1,000      2,000        30    5        5         3
  s2     Bob  LinkedIn  A1    12 Jun  500        ?            10    2        ?         2
  s3     Ann  LinkedIn  B1    20 Jun  800        1,000        20    0        2         0
  s6     Bob  X         B1    25 Jun  ?          (never read)                          1
May (the previous period): s4 Bob X item B1, 15 May, 500 followers, 1,000 impr, 10 likes, 1 click.
A failed share (s5) never counts. Ann is in Sales, Bob and Cat in Engineering, Dan in Sales;
Ann, Bob and Cat are certified (since April), Dan is not; Eve is a marketer, not an employee.
Ann has X connected, Bob LinkedIn, Cat nothing.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from advocacy.extensions import db
from advocacy.services import dashboards as service
from dashboards import queries
from dashboards.filters import Filters
from tests.dashboards.conftest import JUNE, LABELS, PRICES


def headline(filters: Filters = JUNE):
    return queries.headline(db.session, filters, PRICES, service.standing_at(filters))


def test_every_headline_figure_of_the_period(company):
    june = headline()

    assert june.shares == 4  # the failed share does not count
    assert june.potential_reach == 1000 + 500 + 800  # an unknown follower count adds nothing
    assert june.average_reach == pytest.approx(2300 / 3)
    assert june.impressions == 2000 + 1000  # LinkedIn's unknown impressions are not zero
    assert june.clicks == 3 + 2 + 0 + 1  # one visit per visitor an hour, bots left out
    assert june.engagements == (30 + 10 + 20) + (5 + 2) + (5 + 2) + 6
    # Engagement rate only over shares whose impressions are known (s1 and s3).
    assert june.engagement_rate == pytest.approx(((30 + 5 + 5 + 3) + (20 + 0 + 2 + 0)) / 3000)
    # X: 2,000 / 1,000 x 10 + 4 clicks x 1; LinkedIn: 1,000 / 1,000 x 20 + 2 clicks x 2.
    assert june.earned_media_value == pytest.approx((20 + 4) + (20 + 4))
    assert june.active_advocates == 2
    assert (june.employees, june.certified, june.certified_sharers) == (4, 3, 2)
    assert june.participation == pytest.approx(2 / 3)
    assert june.coverage == pytest.approx(3 / 4)


def test_the_previous_period_and_the_change_against_it(company):
    comparison = service.compare(db.session, JUNE)

    may = comparison.before
    assert (may.shares, may.impressions, may.clicks) == (1, 1000, 1)
    assert may.earned_media_value == pytest.approx(1000 / 1000 * 10 + 1 * 1)  # media prices
    assert comparison.change("impressions") == pytest.approx((3000 - 1000) / 1000)
    assert comparison.change("active_advocates") == pytest.approx((2 - 1) / 1)


@pytest.mark.parametrize(
    ("change", "expected"),  # expected: shares, potential reach, impressions, clicks
    [
        ({"network": "x"}, (2, 1000, 2000, 4)),
        ({"network": "linkedin"}, (2, 1300, 1000, 2)),
        ({"campaign": "launch"}, (2, 1500, 2000, 5)),
        ({"campaign": "stories"}, (2, 800, 1000, 1)),
        ({"department": "Sales"}, (2, 1800, 3000, 3)),
    ],
)
def test_each_filter_narrows_every_figure(company, change, expected):
    filters = _with(company, change)

    found = headline(filters)

    assert (found.shares, found.potential_reach, found.impressions, found.clicks) == expected


def _with(company, change: dict) -> Filters:
    from dataclasses import replace

    from sqlalchemy import select

    from advocacy.models import Department

    values = {}
    if "network" in change:
        values["network"] = change["network"]
    if "campaign" in change:
        values["campaign_id"] = company[change["campaign"]].id
    if "department" in change:
        values["department_id"] = db.session.scalar(
            select(Department.id).where(Department.name == change["department"])
        )
    return replace(JUNE, **values)


def test_departments_roll_up_coverage_and_participation(company):
    frame = queries.departments(db.session, JUNE, service.standing_at(JUNE))

    rows = {r["department"]: r for r in frame.to_dict("records")}
    assert set(rows) == {"Engineering", "Sales"}
    assert (rows["Sales"]["employees"], rows["Sales"]["certified"], rows["Sales"]["shared"]) == (
        2,
        1,
        1,
    )
    assert rows["Sales"]["coverage"] == 0.5 and rows["Sales"]["participation"] == 1.0
    assert (rows["Engineering"]["employees"], rows["Engineering"]["certified"]) == (2, 2)
    assert rows["Engineering"]["coverage"] == 1.0 and rows["Engineering"]["participation"] == 0.5


def test_the_funnel_from_employee_to_advocate(company):
    frame = queries.funnel(db.session, JUNE, service.standing_at(JUNE))

    assert list(zip(frame.stage, frame.people, strict=True)) == [
        ("Employees", 4),
        ("Certified", 3),
        ("Connected", 2),  # Cat is certified but connected nothing
        ("Shared", 2),
    ]


def test_reach_over_time_has_every_day_and_keeps_unknown_impressions_unknown(company):
    frame = queries.over_time(db.session, JUNE)

    assert len(frame) == 30
    by_day = frame.set_index(frame.period.dt.day)
    assert by_day.loc[10, "potential_reach"] == 1000 and by_day.loc[10, "impressions"] == 2000
    assert by_day.loc[12, "clicks"] == 2 and pd.isna(by_day.loc[12, "impressions"])
    assert by_day.loc[11, "potential_reach"] == 0 and by_day.loc[11, "impressions"] == 0
    assert list(by_day.loc[[10, 11, 12, 25], "shares"]) == [1, 0, 1, 1]
    assert frame.potential_reach.sum() == 2300 and frame.clicks.sum() == 6


def test_a_long_period_is_drawn_by_week(company):
    year = Filters(start=date(2025, 7, 1), end=date(2026, 6, 30), preset="365d")

    frame = queries.over_time(db.session, year)

    assert year.grain == "week" and 52 <= len(frame) <= 54
    assert frame.potential_reach.sum() == 2300 + 500 and frame.clicks.sum() == 7


def test_networks_content_and_advocates_are_ranked(company):
    networks = queries.by_network(db.session, JUNE, LABELS).set_index("network")
    assert networks.loc["X", "engagements"] == 30 + 5 + 5 + 4
    assert networks.loc["LinkedIn", "impressions"] == 1000

    top = queries.top_content(db.session, JUNE)
    assert list(top.title) == ["A1", "B1"]
    assert list(top.engagements) == [(30 + 5 + 5 + 3) + (10 + 2 + 2), (20 + 2) + 1]

    advocates = queries.top_advocates(db.session, JUNE)
    assert list(advocates.name) == ["Ann", "Bob"]
    assert list(advocates.engagements) == [43 + 22, 14 + 1]


def test_leaving_the_leaderboard_hides_a_person_from_rankings(company):
    company["ann"].leaderboard_opt_out = True
    db.session.commit()

    assert list(queries.top_advocates(db.session, JUNE).name) == ["Bob"]
    assert list(queries.leaderboard(db.session, JUNE).name) == ["Bob"]


def test_the_leaderboard_ranks_by_points(company):
    board = queries.leaderboard(db.session, JUNE)

    # Bob: 2 shares x 10 + 1 engage credit x 5 + 3 clicks; Ann: 2 x 10 + 3 clicks.
    assert list(zip(board["rank"], board.name, board.points, strict=True)) == [
        (1, "Bob", 28),
        (2, "Ann", 23),
    ]


def test_a_period_without_shares_has_zero_impressions_not_unknown_ones(company):
    empty = headline(Filters(start=date(2024, 1, 1), end=date(2024, 1, 31), preset="custom"))

    assert (empty.shares, empty.impressions, empty.engagement_rate) == (0, 0, None)
    only_unknown = headline(
        Filters(start=date(2026, 6, 12), end=date(2026, 6, 12), preset="custom")
    )
    assert only_unknown.shares == 1 and only_unknown.impressions is None  # LinkedIn gave none

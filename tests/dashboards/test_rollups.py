"""The dashboards' rollups (advocacy.services.rollups): every figure read from them equals
the same figure added up from the shares, for any period and filters, and a refresh picks
up what changed since the last one."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import func, select

from advocacy.extensions import db
from advocacy.models import AdvocateTotal, LatestMetric, Share, ShareTotal, TaskRun
from advocacy.models.rollups import RollupState
from advocacy.services import campaigns, rollups, users
from advocacy.services.clicks import record_click
from dashboards import facts, queries
from dashboards.filters import Filters
from tests.dashboards.conftest import LABELS, PRICES, _clicks, _figures, _item, _share
from tests.training.conftest import certify

NOW = datetime(2026, 9, 30, 12, tzinfo=UTC)
DEPARTMENTS = ("Sales", "Engineering", None)


@pytest.fixture
def crowd(app, make_user, course, frozen_clock):
    """Twelve people in three departments sharing four items of two campaigns on both
    networks from March to September, with figures sometimes unknown and some clicks."""
    rng = random.Random(11)
    frozen_clock(datetime(2026, 1, 1, tzinfo=UTC))
    people = [
        make_user(name=f"P{n}", department=DEPARTMENTS[n % 3]) for n in range(12)
    ]  # fmt: skip
    for person in people[::2]:
        certify(person, course)
    marketer = make_user(name="M", roles=("marketer",))
    found = [
        campaigns.create_campaign(
            db.session, campaigns.CampaignInput(name, "", date(2026, 1, 1), None), marketer
        )
        for name in ("Launch", "Stories")
    ]
    items = [_item(app, found[n % 2], marketer, f"I{n}") for n in range(4)]
    for n in range(160):
        moment = datetime(2026, 3, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(300_000))
        share = _share(
            rng.choice(people),
            rng.choice(items),
            rng.choice(("x", "linkedin")),
            moment,
            rng.choice((None, 100, 250, 1000)),
            status="published" if n % 9 else "failed",
        )
        if rng.random() < 0.8:
            unknown = rng.random() < 0.3
            _figures(
                share,
                None if unknown else rng.randrange(5000),
                rng.randrange(50),
                rng.randrange(10),
                None if unknown else rng.randrange(5),
            )
        _clicks(share, [str(k) for k in range(rng.randrange(4))], bots=rng.randrange(2))
    people[1].leaderboard_opt_out = True
    db.session.commit()
    frozen_clock(NOW)
    return {"people": people, "campaigns": found, "items": items}


def figures(filters: Filters, person: int | None = None) -> dict:
    """Everything a dashboard shows for these filters (and one person's own page)."""
    session, at = db.session, min(NOW, filters.ends_before)
    return {
        "mine": queries.network_totals(session, filters, person),
        "headline": queries.headline(session, filters, PRICES, at),
        "networks": queries.by_network(session, filters, LABELS),
        "over_time": queries.over_time(session, filters),
        "content": queries.top_content(session, filters, limit=None),
        "advocates": queries.top_advocates(session, filters, limit=20),
        "departments": queries.departments(session, filters, at),
        "funnel": queries.funnel(session, filters, at),
        "leaderboard": queries.leaderboard(session, filters, limit=20),
    }


def assert_same(left: dict, right: dict) -> None:
    for name, value in left.items():
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(
                value.reset_index(drop=True),
                right[name].reset_index(drop=True),
                check_dtype=False,
                obj=name,
            )
        else:
            assert value == right[name], name


def random_filters(rng: random.Random, crowd: dict) -> Filters:
    start = date(2026, 2, 15) + timedelta(days=rng.randrange(200))
    end = start + timedelta(days=rng.choice((0, 1, 6, 29, 30, 45, 61, 92, 200)))
    department = rng.choice([None, None, *crowd["people"][:2]])
    return Filters(
        start=start,
        end=end,
        preset="custom",
        campaign_id=rng.choice([None, None, crowd["campaigns"][0].id]),
        department_id=department.department_id if department else None,
        network=rng.choice([None, None, "x", "linkedin"]),
    )


def test_the_rollups_give_every_figure_the_shares_give(crowd):
    rng = random.Random(5)
    chosen = [random_filters(rng, crowd) for _ in range(30)]
    chosen.append(Filters(start=date(2026, 3, 1), end=date(2026, 9, 30), preset="custom"))
    person = crowd["people"][3].id
    from_shares = [figures(f, person) for f in chosen]
    assert from_shares[-1]["headline"].shares > 100  # the whole span: plenty to add up

    rollups.refresh(db.session, NOW)

    assert facts.rollups_ready(db.session)
    for filters, expected in zip(chosen, from_shares, strict=True):
        assert_same(figures(filters, person), expected)


def test_whole_months_and_the_days_around_them_add_up_to_the_period(crowd):
    """A period adds up its whole months' rows and the days at either end: every cut of
    months and days counts each share exactly once."""
    rollups.refresh(db.session, NOW)
    daily = Filters(start=date(2026, 3, 1), end=date(2026, 9, 30), preset="custom")
    for start, end in [
        (date(2026, 3, 1), date(2026, 3, 31)),  # one whole month
        (date(2026, 3, 2), date(2026, 3, 30)),  # inside one month
        (date(2026, 3, 31), date(2026, 4, 1)),  # across a month's end
        (date(2026, 3, 15), date(2026, 6, 14)),  # days, two whole months, days
        (date(2026, 4, 1), date(2026, 6, 30)),  # whole months only
        (date(2026, 2, 20), date(2026, 9, 30)),
    ]:
        period = Filters(start=start, end=end, preset="custom")
        people = queries.top_advocates(db.session, period, limit=20)
        by_day = queries.over_time(db.session, Filters(start=start, end=end, preset="custom"))
        assert people.shares.sum() + _opted_out_shares(period) == by_day.shares.sum()
    assert queries.active_advocates(db.session, daily) == 12


def _opted_out_shares(period: Filters) -> int:
    totals = facts.raw_facts(db.session, period)
    return db.session.scalar(
        select(func.count()).select_from(totals).where(totals.c.user_id == _opted_out_id())
    )


def _opted_out_id() -> int:
    from advocacy.models import User

    return db.session.scalar(select(User.id).where(User.leaderboard_opt_out.is_(True)))


def test_until_the_first_refresh_figures_come_from_the_shares(crowd):
    june = Filters(start=date(2026, 6, 1), end=date(2026, 6, 30), preset="custom")
    before = queries.headline(db.session, june, PRICES, NOW)

    assert not facts.rollups_ready(db.session)
    assert before.shares > 0
    assert db.session.scalar(select(func.count()).select_from(ShareTotal)) == 0


def test_a_refresh_picks_up_new_clicks_figures_and_shares(crowd, app):
    rollups.refresh(db.session, NOW)
    people, items = crowd["people"], crowd["items"]
    june = Filters(start=date(2026, 6, 1), end=date(2026, 6, 30), preset="custom")
    today = Filters(start=NOW.date(), end=NOW.date(), preset="custom")
    before = queries.headline(db.session, june, PRICES, NOW)

    # A click now on a June share, new figures read for another, a share published today.
    clicked = _share_ids(june)[0]
    record_click(
        db.session, b"k" * 32, clicked, address="10.1.1.1", user_agent="Mozilla/5.0",
        referrer=None, at=NOW,
    )  # fmt: skip
    reread = _share_ids(june)[1]
    latest = db.session.get(LatestMetric, reread) or LatestMetric(share_id=reread)
    latest.impressions, latest.read_at = (latest.impressions or 0) + 1000, NOW
    db.session.add(latest)
    rollups.mark_shares(db.session, [db.session.get(Share, reread)])  # as the sync does
    _share(people[0], items[0], "x", NOW, 300)
    db.session.commit()

    assert queries.headline(db.session, june, PRICES, NOW) == before  # not refreshed yet
    report = rollups.refresh(db.session, NOW + timedelta(minutes=5))

    after = queries.headline(db.session, june, PRICES, NOW)
    assert after.clicks == before.clicks + 1
    assert after.impressions == (before.impressions or 0) + 1000
    assert queries.headline(db.session, today, PRICES, NOW).shares == 1
    assert report.days == 3  # the two June days and today; nothing else was touched


def _share_ids(period: Filters) -> list[int]:
    return list(
        db.session.scalars(
            select(Share.id)
            .where(
                Share.status == "published",
                Share.published_at >= period.starts_at,
                Share.published_at < period.ends_before,
            )
            .order_by(Share.published_at)
        )
    )


def test_refreshing_again_changes_nothing(crowd):
    rollups.refresh(db.session, NOW)
    rows = _rows()

    report = rollups.refresh(db.session, NOW + timedelta(minutes=5))
    rebuilt = rollups.rebuild(db.session, NOW + timedelta(minutes=10))

    assert report.days == 0
    assert rebuilt.days > 100
    assert _rows() == rows


def _rows() -> tuple[list, list]:
    shares = db.session.execute(
        select(ShareTotal.grain, ShareTotal.day, ShareTotal.network, ShareTotal.content_item_id,
               ShareTotal.department_id, ShareTotal.shares, ShareTotal.impressions,
               ShareTotal.clicks)
        .order_by(ShareTotal.grain, ShareTotal.day, ShareTotal.network,
                  ShareTotal.content_item_id, ShareTotal.department_id)
    ).all()  # fmt: skip
    people = db.session.execute(
        select(AdvocateTotal.span, AdvocateTotal.starts_on, AdvocateTotal.user_id,
               AdvocateTotal.network, AdvocateTotal.shares, AdvocateTotal.clicks)
        .order_by(AdvocateTotal.span, AdvocateTotal.starts_on, AdvocateTotal.user_id,
                  AdvocateTotal.network)
    ).all()  # fmt: skip
    return shares, people


def test_moving_someone_to_another_department_moves_their_past_shares(crowd, make_user):
    rollups.refresh(db.session, NOW)
    mover = crowd["people"][0]  # in Sales
    sales, engineering = mover.department_id, crowd["people"][1].department_id
    whole = Filters(start=date(2026, 3, 1), end=date(2026, 9, 30), preset="custom")
    before = {
        d: queries.headline(db.session, Filters(**_period(whole), department_id=d), PRICES, NOW)
        for d in (sales, engineering)
    }
    moved = queries.network_totals(db.session, whole, mover.id)
    admin = make_user(roles=("admin",))

    users.update_user(
        db.session,
        mover,
        users.UserChanges(mover.email, mover.name, "Engineering", set(mover.role_names)),
        actor=admin,
    )
    rollups.refresh(db.session, NOW + timedelta(minutes=5))

    shares = sum(t.shares for t in moved)
    for department, change in ((sales, -shares), (engineering, shares)):
        after = queries.headline(
            db.session, Filters(**_period(whole), department_id=department), PRICES, NOW
        )
        assert after.shares == before[department].shares + change
    assert shares > 0


def _period(filters: Filters) -> dict:
    return {"start": filters.start, "end": filters.end, "preset": "custom"}


def test_the_refresh_task_keeps_a_run_for_the_admin(crowd):
    from advocacy import tasks

    tasks.refresh_dashboard_totals.call_local()

    run = db.session.scalar(select(TaskRun).where(TaskRun.task == "dashboard totals"))
    assert "publish days" in run.summary
    assert db.session.get(RollupState, 1).refreshed_at == NOW


def test_two_refreshes_at_once_leave_each_day_once(crowd, app):
    """Two consumers (or the nightly rebuild and a refresh) replacing the same days at the
    same time: the advisory lock makes the second wait, so no day's rows are doubled."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL (SQLite has one writer at a time)")
    from tests.metrics.test_concurrency import side_by_side

    rollups.refresh(db.session, NOW)
    rows = _rows()
    days = sorted({row.day for row in rows[0]})

    errors = side_by_side(app, lambda: rollups.refresh_days(db.session, days))

    assert errors == []
    db.session.expire_all()
    assert _rows() == rows

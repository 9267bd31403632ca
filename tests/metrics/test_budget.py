"""The API budget: calls counted as networks bill them, a daily cap on metric reads that
keeps the freshest shares, the admin's page of spend and prices, and task runs the admin
can read."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from advocacy import clock
from advocacy.extensions import db
from advocacy.models import MetricSnapshot, Setting
from advocacy.services import budget, networks, settings
from tests.conftest import post_form, sign_in
from tests.metrics.conftest import sync
from tests.sharing import sandbox_state


@pytest.fixture(autouse=True)
def morning(frozen_clock):
    """Budgets count per UTC day: start each test at 09:00, so "three hours later" is the
    same day whatever the time the suite runs."""
    frozen_clock(clock.now().replace(hour=9, minute=0, second=0, microsecond=0))


def used_today(network: str, kind: str) -> int:
    today = clock.now().date()
    return budget.used(db.session, network, kind, today, today)


def page_text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def admin_client(app, make_user):
    admin = make_user("ada@example.com", roles=("admin",))
    client = app.test_client()
    sign_in(client, admin.email)
    return client


def test_posts_created_and_read_are_counted_by_network_and_kind(app, publish, frozen_clock):
    publish({"x": "One", "linkedin": "One"})
    publish({"x": "Two"})
    frozen_clock(clock.now() + timedelta(hours=3))

    report = sync(app)

    assert report.snapshots == 3
    # Every post carries its tracked link: billed as a post with a URL.
    assert used_today("x", budget.POST_WITH_LINK) == 2
    assert used_today("linkedin", budget.POST_WITH_LINK) == 1
    assert used_today("x", budget.POST_READ) == 2  # per post read, not per request
    assert used_today("linkedin", budget.POST_READ) == 1
    assert used_today("x", budget.POST_CREATED) == 0


def test_a_failed_publish_is_not_counted(app, publish):
    sandbox_state(app).set_faults("x", revoked=True)

    publish({"x": "Refused"})

    assert used_today("x", budget.POST_WITH_LINK) == 0


def test_the_daily_read_cap_reads_the_freshest_shares_and_leaves_the_rest(
    app, publish, frozen_clock, make_user
):
    start = clock.now()
    older = publish({"x": "Older"})
    frozen_clock(start + timedelta(minutes=30))
    newer = publish({"x": "Newer"})
    settings.put(db.session, "daily_read_cap", {"x": 1, "linkedin": None}, None)
    db.session.commit()
    frozen_clock(start + timedelta(hours=3))

    report = sync(app)

    assert report.snapshots == 1
    (snapshot,) = db.session.scalars(select(MetricSnapshot))
    assert snapshot.share_id == newer[0].id != older[0].id
    assert "cap of metric reads is spent" in report.problems[0]
    assert budget.reads_left_today(db.session, "x") == 0
    assert budget.reads_left_today(db.session, "linkedin") is None

    frozen_clock(start + timedelta(days=1, hours=1))  # a new day: a new allowance
    assert sync(app).snapshots == 1


def test_the_admin_sees_calls_and_estimated_spend_this_month(app, publish, make_user):
    publish({"x": "Counted"})
    client = admin_client(app, make_user)

    page = page_text(client.get("/admin/api-budget"))

    assert "X post created with link 1 $0.2000 $0.20" in page
    assert "Total $0.20" in page
    assert "X: no cap" in page


def test_the_admin_changes_prices_and_caps(app, publish, make_user):
    publish({"x": "Counted"})
    client = admin_client(app, make_user)
    form = {f"price-{n}-{i}": "0" for n in networks.NETWORKS for i in range(len(budget.KINDS))}
    form |= {"price-x-1": "0.5", "cap-x": "250", "cap-linkedin": ""}

    response = post_form(client, "/admin/api-budget", form)

    assert response.status_code == 303
    assert settings.get(db.session, "api_prices")["x"][budget.POST_WITH_LINK] == 0.5
    assert settings.get(db.session, "daily_read_cap") == {"x": 250, "linkedin": None}
    page = page_text(client.get("/admin/api-budget"))
    assert "Total $0.50" in page and "250 reads left today" in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"price-x-0": "-1"}, "Number must be between 0 and 1000"),
        ({"price-x-0": "lots"}, "Not a valid decimal value"),
        ({"price-x-0": ""}, "Enter a price"),
        ({"cap-x": "-5"}, "Number must be between 0 and 10000000"),
        ({"cap-x": "1e99"}, "Not a valid integer value"),
    ],
)
def test_bad_prices_and_caps_are_refused_and_nothing_changes(app, make_user, change, message):
    client = admin_client(app, make_user)
    form = {f"price-{n}-{i}": "0" for n in networks.NETWORKS for i in range(len(budget.KINDS))}

    response = post_form(client, "/admin/api-budget", form | change)

    assert response.status_code == 400
    assert message in page_text(response)
    assert db.session.get(Setting, "api_prices") is None


def test_the_admin_sees_each_tasks_last_run_and_what_did_not_work(
    app, publish, make_user, frozen_clock
):
    publish({"x": "Down"})
    frozen_clock(clock.now() + timedelta(hours=3))
    sandbox_state(app).set_faults("x", error_rate=1.0)
    sync(app)
    client = admin_client(app, make_user)

    page = page_text(client.get("/admin/operations"))

    assert "metric sync" in page and "0 snapshot(s) of 1 due share(s)" in page
    assert "X did not answer" in page

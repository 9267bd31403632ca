"""Crediting colleague engagement on engage asks: who liked, commented on or reshared the
company post, read from the networks (the sandbox here), credited to certified colleagues."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from sqlalchemy import select

from advocacy import clock
from advocacy.extensions import db
from advocacy.models import EngageAsk, Engagement, NetworkAccount, User
from advocacy.services import budget, engage, engagement, networks
from advocacy.upsert import insert_new
from tests.conftest import sign_in
from tests.networks.test_connect import connect
from tests.sharing import sandbox_state
from tests.training.conftest import certify

X_POST_ID = "1790000000000000001"  # a company post the sandbox never saw
X_POST = f"https://x.com/chorus_hq/status/{X_POST_ID}"
LINKEDIN_URN = "urn:li:activity:7260000000000000042"
LINKEDIN_POST = f"https://www.linkedin.com/feed/update/{LINKEDIN_URN}/"


def make_ask(marketer: User, url: str = X_POST, **changes) -> EngageAsk:
    data = engage.AskInput(
        post_url=url,
        actions=["like", "reshare"],
        message="Our launch post: a like helps.",
        expires_at=clock.now() + timedelta(days=7),
    )
    return engage.create_ask(db.session, data, marketer)


@pytest.fixture
def colleague(app, make_user, course):
    """Another employee with a sandbox account connected on one network (their own sign-in),
    certified unless told otherwise."""

    def make(handle: str, network: str = "x", certified: bool = True, **fields) -> User:
        user = make_user(f"{handle}@example.com", **fields)
        if certified:
            certify(user, course)
        browser = app.test_client()
        assert sign_in(browser, user.email).status_code == 303
        assert connect(browser, network, handle=handle).status_code == 303
        return user

    return make


def credit(app) -> engagement.EngagementReport:
    return engagement.credit_engagements(db.session, networks.connectors_of(app))


def credits() -> set[tuple[int, str]]:
    db.session.expire_all()
    return {(e.user_id, e.action) for e in db.session.scalars(select(Engagement))}


def stored_ask(ask_id: int) -> EngageAsk:
    db.session.expire_all()
    return db.session.get(EngageAsk, ask_id)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_certified_colleagues_who_liked_or_reshared_on_x_are_credited(
    app, sharer, marketer, colleague, frozen_clock
):
    frozen_clock(clock.now())
    bob = colleague("bob_on_x")
    ask = make_ask(marketer)
    state = sandbox_state(app)
    state.engage("x", X_POST_ID, "ann_on_x", "like")
    state.engage("x", X_POST_ID, "ann_on_x", "reshare")
    state.engage("x", X_POST_ID, "bob_on_x", "quote")  # a quote is a reshare with words

    report = credit(app)

    assert credits() == {(sharer.id, "like"), (sharer.id, "reshare"), (bob.id, "reshare")}
    assert (report.asks, report.checked, report.engagers, report.credited) == (1, 1, 3, 3)
    assert report.problems == []
    checked = stored_ask(ask.id)
    assert checked.engagers_checked_at == clock.now() and checked.engagers_problem is None
    assert "3 new colleague credit(s) on 1 of 1 engage ask(s)" in report.summary()


def test_an_uncertified_employee_who_liked_is_not_credited(app, sharer, marketer, colleague):
    colleague("new_hire", certified=False)
    make_ask(marketer)
    sandbox_state(app).engage("x", X_POST_ID, "new_hire", "like")

    report = credit(app)

    assert credits() == set() and report.engagers == 1 and report.credited == 0


def test_a_stranger_without_an_account_in_chorus_is_ignored(app, sharer, marketer):
    make_ask(marketer)
    state = sandbox_state(app)
    state.engage("x", X_POST_ID, "stranger", "like")
    state.engage("x", X_POST_ID, "ann_on_x", "like")

    report = credit(app)

    assert credits() == {(sharer.id, "like")} and report.engagers == 2


def test_crediting_twice_leaves_one_row_per_ask_person_and_action(app, sharer, marketer):
    ask = make_ask(marketer)
    sandbox_state(app).engage("x", X_POST_ID, "ann_on_x", "like")
    credit(app)

    again = credit(app)
    # A second worker writing the same credit at the same moment: nothing added, no error.
    row = {"ask_id": ask.id, "user_id": sharer.id, "action": "like", "found_at": clock.now()}
    added = insert_new(db.session, Engagement, [row, row], ("ask_id", "user_id", "action"))
    db.session.commit()

    assert again.credited == 0 and added == 0
    assert len(db.session.scalars(select(Engagement)).all()) == 1


def test_linkedin_reactions_and_comments_are_credited(app, sharer, marketer):
    ask = make_ask(marketer, LINKEDIN_POST)
    state = sandbox_state(app)
    state.engage("linkedin", LINKEDIN_URN, "ann_lee", "like")
    state.engage("linkedin", LINKEDIN_URN, "ann_lee", "comment")

    report = credit(app)

    assert credits() == {(sharer.id, "like"), (sharer.id, "comment")}
    assert report.problems == [] and stored_ask(ask.id).engagers_problem is None


def test_linkedin_without_community_management_access_says_why(app, sharer, marketer):
    ask = make_ask(marketer, LINKEDIN_POST)
    state = sandbox_state(app)
    state.engage("linkedin", LINKEDIN_URN, "ann_lee", "like")
    state.linkedin_metrics_access = False  # the app lacks the Community Management API

    report = credit(app)

    problem = stored_ask(ask.id).engagers_problem
    assert problem.startswith("LinkedIn could not say who engaged:")
    assert "Community Management API" in problem and "developer portal" in problem
    assert credits() == set() and report.checked == 0
    assert report.problems == [f"ask {ask.id} on LinkedIn: {problem}"]


def test_a_revoked_token_marks_the_account_and_records_a_problem(app, sharer, marketer):
    ask = make_ask(marketer)
    sandbox_state(app).set_faults("x", revoked=True)

    credit(app)

    account = db.session.scalar(select(NetworkAccount).where(NetworkAccount.network == "x"))
    assert account.status == "reconnect needed"
    assert "asked to reconnect" in stored_ask(ask.id).engagers_problem
    sandbox_state(app).clear_faults()
    credit(app)  # the only X account needs reconnecting: nothing to read with now
    assert "Nobody has X connected in Chorus" in stored_ask(ask.id).engagers_problem


def test_a_rate_limit_says_when_it_resets_and_skips_the_networks_other_asks(
    app, sharer, marketer, frozen_clock
):
    frozen_clock(clock.now().replace(hour=9, minute=0, second=0, microsecond=0))
    first = make_ask(marketer)
    second = make_ask(marketer, "https://x.com/chorus_hq/status/42")
    sandbox_state(app).set_faults("x", rate_limited_until=clock.now() + timedelta(minutes=15))

    report = credit(app)

    for ask in (first, second):
        assert "X asked Chorus to wait until 09:15 UTC" in stored_ask(ask.id).engagers_problem
    assert len(report.problems) == 2 and report.checked == 0


def test_the_api_usage_grows_by_the_users_read(app, sharer, marketer):
    make_ask(marketer)
    state = sandbox_state(app)
    for handle in ("ann_on_x", "stranger", "someone"):
        state.engage("x", X_POST_ID, handle, "like")
    state.engage("x", X_POST_ID, "ann_on_x", "reshare")
    today = clock.now().date()

    credit(app)

    assert budget.used(db.session, "x", budget.USER_READ, today, today) == 4


def test_asks_that_ended_more_than_two_days_ago_are_no_longer_read(
    app, sharer, marketer, frozen_clock
):
    start = clock.now()
    ask = make_ask(marketer)
    engage.close_ask(db.session, ask.id, marketer)
    sandbox_state(app).engage("x", X_POST_ID, "ann_on_x", "like")

    frozen_clock(start + timedelta(days=1))
    assert credit(app).checked == 1  # late engagement still counts for two days

    frozen_clock(start + timedelta(days=3))
    assert credit(app).asks == 0
    assert credits() == {(sharer.id, "like")}


def test_the_marketers_asks_page_names_the_credited_colleagues(app, sharer, marketer, make_user):
    ask = make_ask(marketer)
    sandbox_state(app).engage("x", X_POST_ID, "ann_on_x", "like")
    sandbox_state(app).engage("x", X_POST_ID, "ann_on_x", "reshare")
    browser = app.test_client()
    sign_in(browser, marketer.email)
    assert "Not checked yet" in text(browser.get("/content/asks"))

    credit(app)
    page = text(browser.get("/content/asks"))

    assert f"{sharer.name} (like, reshare)" in page and "Last checked" in page
    engage.close_ask(db.session, ask.id, marketer)
    page = text(browser.get("/content/asks"))
    assert "No open asks." in page and "Ended in the last 30 days" in page
    assert f"{sharer.name} (like, reshare)" in page


def test_names_and_problems_on_the_asks_page_are_escaped(app, marketer, colleague):
    colleague("evil_one", name="<script>alert(1)</script>")
    ask = make_ask(marketer)
    sandbox_state(app).engage("x", X_POST_ID, "evil_one", "like")
    credit(app)
    browser = app.test_client()
    sign_in(browser, marketer.email)

    page = browser.get("/content/asks").get_data(as_text=True)

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; (like)" in page
    assert stored_ask(ask.id).engagers_problem is None


def test_the_employee_feed_thanks_a_credited_colleague(app, client, sharer, marketer):
    make_ask(marketer)
    make_ask(marketer, "https://x.com/chorus_hq/status/42")
    sandbox_state(app).engage("x", X_POST_ID, "ann_on_x", "like")
    sandbox_state(app).engage("x", X_POST_ID, "ann_on_x", "reshare")
    assert "Thanks" not in text(client.get("/feed"))

    credit(app)
    feed = text(client.get("/feed"))

    assert feed.count("Thanks: your like and reshare are counted.") == 1


def test_an_employee_cannot_open_the_asks_page(app, client, sharer, marketer):
    make_ask(marketer)

    assert client.get("/content/asks").status_code == 403


def test_the_hourly_task_and_the_cli_credit_too(app, sharer, marketer):
    from advocacy import tasks

    make_ask(marketer)
    sandbox_state(app).engage("x", X_POST_ID, "ann_on_x", "like")

    tasks.credit_colleague_engagement()
    assert credits() == {(sharer.id, "like")}

    result = app.test_cli_runner().invoke(args=["sync-metrics"])
    assert result.exit_code == 0, result.output
    assert "0 new colleague credit(s) on 1 of 1 engage ask(s), 1 engager(s) read." in result.output
    help_text = app.test_cli_runner().invoke(args=["sync-metrics", "--help"]).output
    assert "credit colleague engagement on engage asks" in " ".join(help_text.split())


def test_the_demo_shows_credited_colleagues_from_the_start(app):
    from advocacy.services.demo import DEMO_PASSWORD

    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output

    (ask,) = db.session.scalars(select(EngageAsk)).all()
    people = {
        user.email: actions for user, actions in engagement.credited(db.session, [ask.id])[ask.id]
    }
    assert people == {
        "advocate@example.com": ["like"],
        "priya.shah@example.com": ["like", "comment"],
    }
    assert ask.engagers_checked_at is not None and ask.engagers_problem is None
    browser = app.test_client()
    sign_in(browser, "advocate@example.com", DEMO_PASSWORD)
    assert "Thanks: your like is counted." in text(browser.get("/feed"))


def test_two_consumers_crediting_at_once_credit_each_action_once(app, sharer, marketer):
    from tests.metrics.test_concurrency import side_by_side

    make_ask(marketer)
    make_ask(marketer, LINKEDIN_POST)
    state = sandbox_state(app)
    state.engage("x", X_POST_ID, "ann_on_x", "like")
    state.engage("x", X_POST_ID, "ann_on_x", "reshare")
    state.engage("linkedin", LINKEDIN_URN, "ann_lee", "comment")
    connect = networks.connectors_of(app)

    errors = side_by_side(app, lambda: engagement.credit_engagements(db.session, connect))

    assert errors == []
    assert len(db.session.scalars(select(Engagement)).all()) == 3
    assert credits() == {(sharer.id, "like"), (sharer.id, "reshare"), (sharer.id, "comment")}

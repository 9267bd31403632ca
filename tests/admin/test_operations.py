"""The admin sees background work: failed shares, accounts to reconnect, a stalled queue."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from sqlalchemy import select

from advocacy import clock
from advocacy.extensions import db
from advocacy.models import OutboxMessage
from advocacy.services import networks, publishing, shares
from tests.conftest import sign_in
from tests.sharing import sandbox_state


def admin_page(app, make_user) -> str:
    from advocacy.services.accounts import find_by_email

    admin = find_by_email(db.session, "ada@example.com") or make_user(
        "ada@example.com", roles=("admin",)
    )
    client = app.test_client()
    sign_in(client, admin.email)
    response = client.get("/admin/operations")
    assert response.status_code == 200, response.get_data(as_text=True)[-3000:]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", response.get_data(as_text=True))).split())


def test_a_revoked_account_is_listed_and_its_owner_is_mailed_once(
    app, sharer, make_item, make_user
):
    item = make_item()
    sandbox_state(app).set_faults("x", revoked=True)
    for caption in ("First try", "Second try"):
        created = shares.create_shares(
            db.session, app.config, sharer, item.id, {"x": caption}, None
        )
        publishing.publish(db.session, app.config, created[0], networks.connectors_of(app))
        if caption == "First try":
            sharer_account = networks.account_of(db.session, sharer, "x")
            networks.store_tokens(sharer_account, networks.tokens_of(sharer_account))
            db.session.commit()  # reconnected, then revoked again: a second notice is fine

    mails = db.session.scalars(select(OutboxMessage)).all()
    assert [m.recipient for m in mails] == [sharer.email, sharer.email]
    assert "Reconnect your X account" in mails[0].subject
    assert "http://localhost/networks" in mails[0].body

    page = admin_page(app, make_user)
    assert "Accounts that must reconnect (1)" in page and sharer.email in page
    assert "Failed shares, last 30 days (2)" in page
    assert "Reconnect your X account, then retry." in page


def test_an_account_already_flagged_is_not_mailed_again(app, sharer):
    account = networks.account_of(db.session, sharer, "x")
    networks.mark_reconnect(db.session, account, "revoked")
    networks.mark_reconnect(db.session, account, "still revoked")
    assert len(db.session.scalars(select(OutboxMessage)).all()) == 1


def test_late_scheduled_shares_point_at_a_stopped_consumer(
    app, sharer, make_item, make_user, frozen_clock
):
    item = make_item()
    later = clock.now() + timedelta(minutes=5)
    shares.create_shares(db.session, app.config, sharer, item.id, {"x": "Waiting"}, later)
    assert "Scheduled shares go out on time." in admin_page(app, make_user)

    frozen_clock(later + timedelta(minutes=30))
    page = admin_page(app, make_user)
    assert "1 scheduled share is more than 10 minutes late" in page


def test_the_page_reports_the_metric_sync(app, sharer, make_item, make_user, frozen_clock):
    from advocacy.services import metrics

    item = make_item()
    created = shares.create_shares(db.session, app.config, sharer, item.id, {"x": "Read"}, None)
    publishing.publish(db.session, app.config, created[0], networks.connectors_of(app))
    page = admin_page(app, make_user)
    assert "Last read: never" in page and "1 share due now" in page

    frozen_clock(clock.now() + timedelta(hours=2))
    metrics.sync_metrics(db.session, app.config, networks.connectors_of(app))
    page = admin_page(app, make_user)
    assert "Last read: never" not in page and "0 shares due now" in page

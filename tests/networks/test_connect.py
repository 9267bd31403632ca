"""An employee connects X and LinkedIn through the sandbox's OAuth pages, end to end."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text

from advocacy import clock
from advocacy.extensions import db
from advocacy.models import AuditEvent, NetworkAccount, OAuthRequest
from tests.conftest import post_form, sign_in

NONCE = re.compile(r"name='nonce' value='([^']+)'")


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def connect(client, network: str, handle: str = "ann_on_x", decision: str = "allow"):
    """Click Connect, approve on the sandbox's page, and follow the callback."""
    start = post_form(client, f"/networks/{network}/connect")
    assert start.status_code == 303
    authorize = client.get(_path(start.headers["Location"]))
    assert authorize.status_code == 200, authorize.get_data(as_text=True)
    page = authorize.get_data(as_text=True)
    action = re.search(r"<form method='post' action='([^']+)'", page).group(1)
    approved = client.post(
        action, data={"nonce": NONCE.search(page).group(1), "account": handle, "decision": decision}
    )
    assert approved.status_code in (302, 303)
    return client.get(_path(approved.headers["Location"]))


@pytest.fixture
def employee(client, login_as):
    return login_as("employee")


@pytest.mark.parametrize("network", ["x", "linkedin"])
def test_connecting_stores_the_profile_and_encrypted_tokens(app, client, employee, network):
    response = connect(client, network)

    assert response.status_code == 303
    page = client.get("/networks").get_data(as_text=True)
    assert "is connected as " in page and "sandbox" in page
    account = db.session.scalars(select(NetworkAccount)).one()
    assert account.network == network and account.user_id == employee.id
    assert account.status == "connected"
    if network == "x":
        assert account.handle == "ann_on_x" and account.follower_count > 0
    stored = db.session.execute(select(NetworkAccount.access_token)).scalar_one()
    assert b"ann_on_x" not in stored and stored.startswith(b"gAAAA")  # Fernet, not plain
    assert db.session.scalars(select(OAuthRequest)).all() == []  # used once, then gone
    events = db.session.scalars(select(AuditEvent.action)).all()
    assert "network.connected" in events


def test_the_cli_check_prints_each_profile_and_follower_count(app, client, employee):
    connect(client, "x", handle="ann_on_x")
    connect(client, "linkedin", handle="ann_lee")

    result = app.test_cli_runner().invoke(args=["networks", "check"])

    assert result.exit_code == 0, result.output
    assert "on X (sandbox): @ann_on_x" in result.output
    assert "on LinkedIn (sandbox):" in result.output and "followers" in result.output


def test_a_callback_with_a_forged_state_is_refused(app, client, employee):
    response = client.get("/networks/x/callback?state=forged&code=abc")
    assert response.status_code == 400
    assert "unknown or too old" in response.get_data(as_text=True)
    assert db.session.scalars(select(NetworkAccount)).all() == []


def test_someone_else_cannot_finish_my_sign_in(app, client, employee, make_user):
    start = post_form(client, "/networks/x/connect")
    state = re.search(r"state=([^&]+)", start.headers["Location"]).group(1)
    other = make_user(roles=("employee",))
    intruder = app.test_client()
    sign_in(intruder, other.email)

    response = intruder.get(f"/networks/x/callback?state={state}&code=whatever")

    assert response.status_code == 400
    assert db.session.scalars(select(NetworkAccount)).all() == []


def test_denying_on_the_network_page_connects_nothing(client, employee):
    response = connect(client, "x", decision="deny")
    assert response.status_code == 400
    assert "did not authorize" in response.get_data(as_text=True)


def test_disconnect_removes_the_account(client, employee):
    connect(client, "x")
    response = post_form(client, "/networks/x/disconnect")
    assert response.status_code == 303
    assert db.session.scalars(select(NetworkAccount)).all() == []


def test_an_expired_x_token_is_refreshed_and_stored(app, client, employee):
    connect(client, "x")
    account = db.session.scalars(select(NetworkAccount)).one()
    before = account.access_token
    later = clock.now() + timedelta(hours=3)
    app.extensions["chorus_sandbox"].config["SANDBOX_STATE"].now = lambda: later
    clock.set_clock(lambda: later)

    result = app.test_cli_runner().invoke(args=["networks", "check"])

    assert "@ann_on_x" in result.output
    db.session.expire_all()
    assert account.access_token != before and account.token_expires_at > later


def test_a_revoked_token_asks_the_person_to_reconnect(app, client, employee):
    connect(client, "x")
    app.extensions["chorus_sandbox"].config["SANDBOX_STATE"].set_faults("x", revoked=True)

    result = app.test_cli_runner().invoke(args=["networks", "check"])

    assert "reconnect needed" in result.output
    page = client.get("/networks").get_data(as_text=True)
    assert "reconnect needed" in page and "Connect again" in page


def test_rotating_keys_keeps_tokens_usable(app, client, employee):
    connect(client, "x")
    old_key = app.config["ENCRYPTION_KEYS"][0]
    app.config["ENCRYPTION_KEYS"] = [Fernet.generate_key().decode(), old_key]

    result = app.test_cli_runner().invoke(args=["tokens", "rotate"])
    app.config["ENCRYPTION_KEYS"] = app.config["ENCRYPTION_KEYS"][:1]  # old key dropped

    assert "1 account" in result.output
    check = app.test_cli_runner().invoke(args=["networks", "check"])
    assert "@ann_on_x" in check.output


def test_the_database_holds_no_token_in_the_clear(app, client, employee):
    connect(client, "x")
    sandbox = app.extensions["chorus_sandbox"].config["SANDBOX_STATE"]
    issued = [*sandbox.tokens, *sandbox.refresh_tokens]
    row = db.session.execute(text("SELECT access_token, refresh_token FROM network_accounts")).one()

    stored = b"".join(bytes(column) for column in row)
    assert len(issued) == 2 and len(stored) > 100
    assert not any(token.encode() in stored for token in issued)


def test_a_new_key_in_front_still_reads_tokens_written_with_the_old_one(app, client, employee):
    connect(client, "x")
    app.config["ENCRYPTION_KEYS"] = [
        Fernet.generate_key().decode(),
        app.config["ENCRYPTION_KEYS"][0],
    ]

    check = app.test_cli_runner().invoke(args=["networks", "check"])

    assert "@ann_on_x" in check.output and "reconnect" not in check.output


def test_tokens_are_unreadable_without_the_key(app, client, employee):
    connect(client, "x")
    app.config["ENCRYPTION_KEYS"] = [Fernet.generate_key().decode()]
    from advocacy.crypto import SecretUnreadable
    from advocacy.services.networks import tokens_of

    with pytest.raises(SecretUnreadable):
        tokens_of(db.session.scalars(select(NetworkAccount)).one())


def test_in_production_a_network_without_credentials_is_off_not_sandboxed(app, client, employee):
    app.config["CHORUS_PRODUCTION"] = True
    assert post_form(client, "/networks/x/connect").status_code == 404
    assert "not set up in Chorus yet" in client.get("/networks").get_data(as_text=True)


def test_no_token_reaches_the_logs_even_at_debug_level(app, client, employee, caplog):
    import logging

    from advocacy.services.networks import tokens_of

    with caplog.at_level(logging.DEBUG):
        connect(client, "x")
        app.test_cli_runner().invoke(args=["networks", "check"])
    tokens = tokens_of(db.session.scalars(select(NetworkAccount)).one())
    assert tokens.access_token not in caplog.text
    assert tokens.refresh_token not in caplog.text


def test_the_mounted_sandbox_only_sends_people_back_to_chorus(client, employee):
    evil = (
        "/_sandbox/x/i/oauth2/authorize?response_type=code&client_id=c&scope=tweet.read"
        "&state=s&code_challenge=abc&code_challenge_method=S256"
        "&redirect_uri=https://evil.example/cb"
    )
    response = client.get(evil)
    assert response.status_code == 400
    assert "not a registered callback" in response.get_data(as_text=True)
    assert client.post("/_sandbox/_control/reset").status_code == 404


def test_a_network_chorus_does_not_know_is_not_found(client, employee):
    assert post_form(client, "/networks/mastodon/connect").status_code == 404
    assert client.get("/networks/mastodon/callback?state=s&code=c").status_code == 404
    assert post_form(client, "/networks/mastodon/disconnect").status_code == 404


def test_linkedin_access_that_ends_within_a_week_asks_to_reconnect(client, employee):
    connect(client, "linkedin", handle="ann_lee")
    account = db.session.scalars(select(NetworkAccount)).one()
    assert "access ends soon" not in client.get("/networks").get_data(as_text=True)
    account.token_expires_at = clock.now() + timedelta(days=3)
    db.session.commit()
    assert "LinkedIn access ends soon" in client.get("/networks").get_data(as_text=True)

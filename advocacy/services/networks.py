"""Connecting X and LinkedIn accounts: OAuth through the connectors, tokens encrypted at rest,
refresh before expiry, and "reconnect needed" when a network stops accepting the token."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta

from flask import Flask, current_app, has_app_context
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from advocacy import clock, crypto
from advocacy.errors import NotFound, ValidationFailed
from advocacy.models import NetworkAccount, OAuthRequest, User
from advocacy.models.networks import CONNECTED, RECONNECT_NEEDED
from advocacy.services import audit
from advocacy.services.mail import MailSettings, send_mail
from connectors.base import (
    AuthExpired,
    AuthorizationRequest,
    ConnectorError,
    Network,
    PermanentError,
    Tokens,
    network_classes,
)
from connectors.settings import Mount, NetworkSettings

OAUTH_REQUEST_LIFETIME = timedelta(minutes=15)
REFRESH_MARGIN = timedelta(minutes=5)
RECONNECT_WARNING = timedelta(days=7)
# Every registered network by name and label; a new connector module appears here by itself.
NETWORKS = {name: cls.label for name, cls in sorted(network_classes().items())}


def label(network: str) -> str:
    """How people call a network ("X", "LinkedIn"); an unknown name as it is."""
    return NETWORKS.get(network, network)


def configured(config: Mapping, network: str) -> bool:
    return bool(config.get(f"{network.upper()}_CLIENT_ID"))


def uses_sandbox(config: Mapping, network: str) -> bool:
    """Outside production, a network without credentials talks to the built-in sandbox;
    in production it is simply not available."""
    return not configured(config, network) and not config.get("CHORUS_PRODUCTION")


def sandboxed(config: Mapping) -> set[str]:
    """The networks served by the sandbox here: their posts have no public page to link to."""
    return {name for name in NETWORKS if uses_sandbox(config, name)}


def available(config: Mapping, network: str) -> bool:
    return network in NETWORKS and (configured(config, network) or uses_sandbox(config, network))


def connector(config: Mapping, network: str, sandbox_mount: Mount | None = None) -> Network:
    """The connector for a network, pointed at the real API or at the sandbox."""
    if not available(config, network):
        raise NotFound("This network is not set up in Chorus; ask your admin.")
    cls = network_classes()[network]
    common = {
        "api_version": config.get("LINKEDIN_API_VERSION"),
        "now": clock.now,
        "sleep": clock.sleep,
        "timeout_seconds": float(config["NETWORK_TIMEOUT_SECONDS"]),
    }
    if uses_sandbox(config, network):
        settings = NetworkSettings(
            client_id="chorus-sandbox",
            client_secret="sandbox-secret",  # nosec B106 # the built-in sandbox accepts any
            authorize_url=f"{config['BASE_URL']}/_sandbox{cls.sandbox_authorize_path}",
            mount=sandbox_mount,
            **common,
        )
    else:
        prefix = network.upper()
        settings = NetworkSettings(
            client_id=config[f"{prefix}_CLIENT_ID"],
            client_secret=config.get(f"{prefix}_CLIENT_SECRET"),
            authorize_url="",
            base_urls={
                real: config.get(key) or real for key, real in cls.base_url_settings.items()
            },
            **common,
        )
    return cls(settings)


def start_connect(session: Session, user: User, network: Network, redirect_uri: str) -> str:
    """Where to send the person; the state and verifier wait in the database."""
    request = network.authorization_url(redirect_uri)
    session.execute(
        delete(OAuthRequest).where(OAuthRequest.created_at < clock.now() - OAUTH_REQUEST_LIFETIME)
    )
    session.add(
        OAuthRequest(
            state=request.state,
            user_id=user.id,
            network=network.name,
            verifier=crypto.encrypt(request.verifier) if request.verifier else None,
        )
    )
    session.commit()
    return request.url


def finish_connect(
    session: Session, user: User, network: Network, state: str, callback_url: str, redirect_uri: str
) -> NetworkAccount:
    """Take the network's answer: only for the sign-in this person started, once, in time."""
    pending = session.get(OAuthRequest, state or "")
    if (
        pending is None
        or pending.user_id != user.id
        or pending.network != network.name
        or pending.created_at < clock.now() - OAUTH_REQUEST_LIFETIME
    ):
        raise ValidationFailed("This connection attempt is unknown or too old; start again.")
    session.delete(pending)
    session.commit()
    request = AuthorizationRequest(
        url="",
        state=pending.state,
        verifier=crypto.decrypt(pending.verifier) if pending.verifier else None,
    )
    try:
        tokens = network.exchange_code(request, callback_url, redirect_uri)
        profile = network.profile(tokens)
    except ConnectorError as error:
        raise ValidationFailed(str(error)) from error
    other = session.scalar(
        select(NetworkAccount).where(
            NetworkAccount.network == network.name,
            NetworkAccount.remote_id == profile.remote_id,
            NetworkAccount.user_id != user.id,
        )
    )
    if other is not None:
        raise ValidationFailed(
            f"This {NETWORKS[network.name]} account is already connected by someone else."
        )
    account = account_of(session, user, network.name) or NetworkAccount(
        user_id=user.id, network=network.name
    )
    account.remote_id, account.handle = profile.remote_id, profile.handle
    account.display_name = profile.display_name
    account.follower_count, account.followers_updated_at = profile.follower_count, clock.now()
    store_tokens(account, tokens)
    session.add(account)
    audit.record(
        session, "network.connected", actor=user, subject=network.name, handle=profile.handle
    )
    session.commit()
    return account


def store_tokens(account: NetworkAccount, tokens: Tokens) -> None:
    account.access_token = crypto.encrypt(tokens.access_token)
    account.refresh_token = crypto.encrypt(tokens.refresh_token) if tokens.refresh_token else None
    account.token_expires_at = tokens.expires_at
    account.scopes = list(tokens.scopes)
    account.status, account.status_reason = CONNECTED, None


def tokens_of(account: NetworkAccount) -> Tokens:
    return Tokens(
        access_token=crypto.decrypt(account.access_token),
        refresh_token=crypto.decrypt(account.refresh_token) if account.refresh_token else None,
        expires_at=account.token_expires_at,
        scopes=tuple(account.scopes or ()),
    )


def fresh_tokens(session: Session, account: NetworkAccount, network: Network) -> Tokens:
    """Tokens good for a call now: refreshed shortly before expiry; a failed refresh (or an
    expired token that cannot be refreshed) marks the account "reconnect needed"."""
    if not _due(account):
        return tokens_of(account)
    # One refresh at a time per account: X rotates refresh tokens, so a second refresh with
    # the old one would fail. The row lock makes the other worker wait, then re-read.
    session.refresh(account, with_for_update=True)
    tokens = tokens_of(account)
    if not _due(account):
        session.commit()
        return tokens
    try:
        tokens = network.refresh(tokens)
    except (AuthExpired, PermanentError) as error:
        mark_reconnect(session, account, str(error))
        raise AuthExpired(str(error)) from error
    store_tokens(account, tokens)
    session.commit()
    return tokens


def _due(account: NetworkAccount) -> bool:
    expires = account.token_expires_at
    return expires is not None and expires - REFRESH_MARGIN <= clock.now()


def mark_reconnect(session: Session, account: NetworkAccount, reason: str) -> None:
    """The network stopped accepting the token: flag the account and tell its owner once."""
    first_time = account.status != RECONNECT_NEEDED
    account.status, account.status_reason = RECONNECT_NEEDED, reason[:500]
    if first_time and has_app_context():
        _tell_owner(session, account, current_app.config)
    audit.record(
        session,
        "network.reconnect_needed",
        actor=account.user,
        subject=account.network,
        reason=reason[:200],
    )
    session.commit()


def _tell_owner(session: Session, account: NetworkAccount, config: Mapping) -> None:
    name = label(account.network)
    send_mail(
        session,
        MailSettings(config),
        account.user.email,
        f"Reconnect your {name} account to keep sharing",
        f"Hello {account.user.name},\n\n"
        f"{name} no longer accepts Chorus's access to {shown_handle(account)}, so your "
        f"scheduled posts there cannot go out and their reach cannot be measured.\n\n"
        f"Connect it again here: {config['BASE_URL']}/networks\n\n"
        "Chorus",
    )


def account_of(session: Session, user: User, network: str) -> NetworkAccount | None:
    return session.scalar(
        select(NetworkAccount).where(
            NetworkAccount.user_id == user.id, NetworkAccount.network == network
        )
    )


def accounts_of(session: Session, user: User) -> dict[str, NetworkAccount]:
    return {
        a.network: a
        for a in session.scalars(select(NetworkAccount).where(NetworkAccount.user_id == user.id))
    }


def disconnect(session: Session, user: User, network: str) -> None:
    account = account_of(session, user, network)
    if account is None:
        raise ValidationFailed(f"{NETWORKS.get(network, network)} is not connected.")
    session.delete(account)
    audit.record(session, "network.disconnected", actor=user, subject=network)
    session.commit()


def check_account(session: Session, account: NetworkAccount, network: Network) -> str:
    """Refresh the profile and follower count of one account; a line saying what happened."""
    try:
        profile = network.profile(fresh_tokens(session, account, network))
    except (AuthExpired, crypto.SecretUnreadable) as error:
        if account.status != RECONNECT_NEEDED:
            mark_reconnect(session, account, str(error))
        return f"reconnect needed: {error}"
    except ConnectorError as error:
        return f"not checked: {error}"
    account.handle, account.display_name = profile.handle, profile.display_name
    account.follower_count, account.followers_updated_at = profile.follower_count, clock.now()
    session.commit()
    followers = "unknown" if profile.follower_count is None else f"{profile.follower_count:,}"
    return f"{shown_handle(account)} ({profile.display_name}), {followers} followers"


def reconnect_soon(account: NetworkAccount) -> bool:
    """Access without a refresh token (LinkedIn) lapses: warn a week ahead."""
    expires = account.token_expires_at
    return (
        account.status == CONNECTED
        and not account.refresh_token
        and expires is not None
        and expires < clock.now() + RECONNECT_WARNING
    )


def shown_handle(account: NetworkAccount) -> str:
    """How people recognise the account: @handle on X, the sign-in email on LinkedIn."""
    return network_classes()[account.network].handle_prefix + account.handle


def rotate_tokens(session: Session) -> int:
    """Re-encrypt every stored token with the newest key; returns how many accounts."""
    accounts = session.scalars(select(NetworkAccount)).all()
    session.execute(delete(OAuthRequest))  # sign-ins in flight: short-lived, start again
    for account in accounts:
        try:
            account.access_token = crypto.rotate(account.access_token)
            if account.refresh_token:
                account.refresh_token = crypto.rotate(account.refresh_token)
        except crypto.SecretUnreadable as error:
            account.status, account.status_reason = RECONNECT_NEEDED, str(error)
    audit.record(session, "tokens.rotated", subject=f"{len(accounts)} accounts")
    session.commit()
    return len(accounts)


def connectors_of(app: Flask) -> Callable[[str], Network]:
    """Network name -> its connector, as this app is set up (the sandbox mount included)."""
    return lambda name: connector(app.config, name, app.extensions.get("chorus_sandbox_mount"))


def check_all(
    session: Session, connect: Callable[[str], Network]
) -> list[tuple[NetworkAccount, str]]:
    """Refresh every connected account's profile and follower count (daily, and the
    `networks check` command); each account with a line saying what happened."""
    accounts = session.scalars(
        select(NetworkAccount)
        .options(selectinload(NetworkAccount.user))
        .order_by(NetworkAccount.id)
    ).all()
    return [
        (account, check_account(session, account, connect(account.network))) for account in accounts
    ]

"""Signing in and out, passwords, reset links and invitations."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from advocacy import clock
from advocacy.errors import InvalidToken, LoginThrottled, ValidationFailed
from advocacy.models import LoginAttempt, User
from advocacy.models.user import new_session_token
from advocacy.services import audit
from advocacy.services.mail import MailSettings, send_mail
from advocacy.services.passwords import check_password_rules, hash_password, verify_password

RESET_PURPOSE = "password-reset"
INVITE_PURPOSE = "invitation"
# Failed sign-ins from one address across all accounts before it is slowed down too.
IP_FAILURE_FACTOR = 4


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(session: Session, email: str) -> User | None:
    """Emails are stored normalized (lowercase), so this is one indexed lookup."""
    return session.scalar(select(User).where(User.email == normalize_email(email)))


def _attempts_since(
    session: Session, since: datetime, *, email: str | None = None, ip: str | None = None
) -> int:
    query = select(func.count(LoginAttempt.id)).where(LoginAttempt.at >= since)
    query = (
        query.where(LoginAttempt.email == email) if email else query.where(LoginAttempt.ip == ip)
    )
    return session.scalar(query) or 0


def count_attempt(session: Session, config: Mapping, email: str, ip: str | None) -> LoginAttempt:
    """Record an attempt first, then count: of simultaneous guesses, only as many as the
    limit allows get through. Refused attempts are not kept, so they do not extend a lock."""
    attempt = LoginAttempt(email=normalize_email(email)[:254], ip=ip)
    session.add(attempt)
    session.commit()
    window: timedelta = config["LOGIN_FAILURE_WINDOW"]
    limit: int = config["LOGIN_MAX_FAILURES"]
    since = clock.now() - window
    by_email = _attempts_since(session, since, email=attempt.email)
    by_ip = _attempts_since(session, since, ip=ip) if ip else 0
    if by_email > limit or by_ip > limit * IP_FAILURE_FACTOR:
        session.delete(attempt)
        session.commit()
        oldest = (
            session.scalar(
                select(func.min(LoginAttempt.at)).where(
                    LoginAttempt.email == attempt.email, LoginAttempt.at >= since
                )
            )
            or clock.now()
        )
        retry = int((oldest + window - clock.now()).total_seconds())
        raise LoginThrottled(max(retry, 60))
    return attempt


def authenticate(session: Session, config: Mapping, email: str, password: str) -> User | None:
    """The user if the credentials are right and the account is active; audits either way."""
    attempt = count_attempt(session, config, email, audit.client_ip())
    user = find_by_email(session, email)
    if not verify_password(user.password_hash if user else None, password):
        audit.record(session, "login.failed", subject=attempt.email, reason="bad credentials")
        session.commit()
        return None
    if not user.active:
        audit.record(
            session, "login.failed", actor=user, subject=user.email, reason="account deactivated"
        )
        session.commit()
        return None
    session.delete(attempt)
    user.last_login_at = clock.now()
    audit.record(session, "login.succeeded", actor=user, subject=user.email)
    session.commit()
    return user


def end_all_sessions(user: User) -> None:
    """A new alternative id makes every existing session and remember cookie invalid."""
    user.session_token = new_session_token()


def logout(session: Session, user: User) -> None:
    end_all_sessions(user)
    audit.record(session, "logout", actor=user, subject=user.email)
    session.commit()


def set_password(session: Session, user: User, new_password: str) -> None:
    check_password_rules(new_password, user.email)
    user.password_hash = hash_password(new_password)
    end_all_sessions(user)


def change_password(
    session: Session, config: Mapping, user: User, current: str, new_password: str
) -> None:
    """A wrong current password counts as a failed sign-in, so guessing is throttled too."""
    check_password_rules(new_password, user.email)
    attempt = count_attempt(session, config, user.email, audit.client_ip())
    if not verify_password(user.password_hash, current):
        audit.record(
            session,
            "login.failed",
            actor=user,
            subject=user.email,
            reason="wrong current password on password change",
        )
        session.commit()
        raise ValidationFailed("Your current password is not right.")
    session.delete(attempt)
    set_password(session, user, new_password)
    audit.record(session, "password.changed", actor=user, subject=user.email)
    session.commit()


class _ClockSigner(TimestampSigner):
    """Signs and checks link ages with advocacy.clock, so expiry follows the one clock."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def _serializer(secret_key: str, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=f"chorus-{purpose}", signer=_ClockSigner)


def _fingerprint(user: User) -> str:
    """Changes when the password, the email or the session token does: a link works once,
    and a link mailed to an address that was then corrected no longer works."""
    state = f"{user.password_hash or 'unset'}|{user.email}|{user.session_token}"
    return hashlib.sha256(state.encode()).hexdigest()[:24]


def max_age_for(config: Mapping, purpose: str) -> timedelta:
    return config["PASSWORD_RESET_MAX_AGE" if purpose == RESET_PURPOSE else "INVITATION_MAX_AGE"]


def make_token(secret_key: str, purpose: str, user: User) -> str:
    return _serializer(secret_key, purpose).dumps({"u": user.id, "f": _fingerprint(user)})


def user_for_token(
    session: Session, secret_key: str, purpose: str, token: str, max_age: timedelta
) -> User:
    """The user a reset or invitation link is for; InvalidToken when it may not be used."""
    try:
        data = _serializer(secret_key, purpose).loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired as error:
        raise InvalidToken("This link has expired. Ask for a new one.") from error
    except BadSignature as error:
        raise InvalidToken("This link is not valid. Ask for a new one.") from error
    user = session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active or data.get("f") != _fingerprint(user):
        raise InvalidToken("This link has already been used or is no longer valid.")
    return user


def request_password_reset(
    session: Session, config: Mapping, email: str, reset_url_for: Callable[[str], str]
) -> None:
    """Mail a reset link if the account exists; say nothing either way (no account probing)."""
    user = find_by_email(session, email)
    if user is None or not user.active:
        audit.record(
            session, "password.reset_requested", subject=normalize_email(email)[:254], known=False
        )
        session.commit()
        return
    token = make_token(config["SECRET_KEY"], RESET_PURPOSE, user)
    hours = int(config["PASSWORD_RESET_MAX_AGE"].total_seconds() // 3600)
    send_mail(
        session,
        MailSettings(config),
        user.email,
        "Reset your Chorus password",
        f"Hello {user.name},\n\nSomeone asked to reset the password of your Chorus account.\n"
        f"To choose a new password, open this link within {hours} hours:\n\n"
        f"{reset_url_for(token)}\n\nIf it was not you, ignore this message; "
        "your password stays as it is.\n",
    )
    audit.record(session, "password.reset_requested", actor=user, subject=user.email, known=True)
    session.commit()


def complete_with_token(
    session: Session, config: Mapping, purpose: str, token: str, new_password: str
) -> User:
    """Set the password from a reset or invitation link; the link cannot be used again."""
    user = user_for_token(
        session, config["SECRET_KEY"], purpose, token, max_age_for(config, purpose)
    )
    set_password(session, user, new_password)
    action = "password.reset" if purpose == RESET_PURPOSE else "invitation.accepted"
    audit.record(session, action, actor=user, subject=user.email)
    session.commit()
    return user


def send_invitation(
    session: Session,
    config: Mapping,
    user: User,
    invite_url_for: Callable[[str], str],
    *,
    invited_by: User,
) -> None:
    """Mail a link with which the user chooses a password and signs in."""
    if not user.active:
        raise ValidationFailed(f"{user.name} is deactivated; activate them before inviting.")
    if user.password_hash:
        raise ValidationFailed(
            f"{user.name} has already chosen a password; they can reset it from the sign-in page."
        )
    token = make_token(config["SECRET_KEY"], INVITE_PURPOSE, user)
    days = config["INVITATION_MAX_AGE"].days
    send_mail(
        session,
        MailSettings(config),
        user.email,
        "You are invited to Chorus",
        f"Hello {user.name},\n\n{invited_by.name} invited you to Chorus, where you can "
        "get certified on our social media policy and share company news.\n"
        f"Choose your password within {days} days:\n\n{invite_url_for(token)}\n",
    )
    audit.record(session, "invitation.sent", actor=invited_by, subject=user.email)

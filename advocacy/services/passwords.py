"""Password hashing (Argon2id) and the password rules."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from advocacy.errors import ValidationFailed

MIN_LENGTH = 10
MAX_LENGTH = 256
_hasher = PasswordHasher()
# Verified when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_password_rules(password: str, email: str = "") -> None:
    """Raise ValidationFailed with a message a person can act on."""
    if len(password) < MIN_LENGTH:
        raise ValidationFailed(f"Choose a password of at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise ValidationFailed(f"Choose a password of at most {MAX_LENGTH} characters.")
    if email and password.strip().lower() == email.strip().lower():
        raise ValidationFailed("Your password must not be your email address.")

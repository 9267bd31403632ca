"""Secrets at rest (OAuth tokens): Fernet with a list of keys, newest first, so keys rotate.

`CHORUS_ENCRYPTION_KEYS` holds comma-separated Fernet keys. Adding a new key in front makes
it the one that encrypts; the older keys still decrypt until `flask --app wsgi
tokens rotate` has re-encrypted everything with the newest.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted with the configured keys."""


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in current_app.config["ENCRYPTION_KEYS"]])


def encrypt(plain: str) -> bytes:
    return _fernet().encrypt(plain.encode())


def decrypt(token: bytes) -> str:
    try:
        return _fernet().decrypt(token).decode()
    except InvalidToken as error:
        raise SecretUnreadable("A stored secret cannot be read with the current keys.") from error


def rotate(token: bytes) -> bytes:
    """The same secret, encrypted with the newest key."""
    try:
        return _fernet().rotate(token)
    except InvalidToken as error:
        raise SecretUnreadable("A stored secret cannot be read with the current keys.") from error


def new_key() -> str:
    return Fernet.generate_key().decode()

"""Per-connection set-up that makes SQLite behave like PostgreSQL where Chorus relies on it."""

from __future__ import annotations

from sqlalchemy import Engine, event


def _unicode_lower(value: str | None) -> str | None:
    return None if value is None else value.lower()


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record) -> None:
    """WAL for concurrent readers, enforced foreign keys, and a Unicode-aware lower()
    (SQLite's own only folds ASCII, so "Études" and "études" would differ)."""
    if type(dbapi_connection).__module__.split(".")[0] not in {"sqlite3", "pysqlite2"}:
        return
    dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable at checkpoints, never corrupt
    cursor.close()

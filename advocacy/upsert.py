"""Insert-or-update in bulk on SQLite and PostgreSQL alike (both speak ON CONFLICT)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

CHUNK = 500  # rows per statement: well under SQLite's limit on bound parameters


def upsert(
    session: Session, model: type, rows: Sequence[dict], keys: Sequence[str], update: Sequence[str]
) -> None:
    """Write `rows`; a row whose `keys` already exist gets its `update` columns replaced, so
    running the same write twice leaves one row with the latest values."""
    dialect = session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    for start in range(0, len(rows), CHUNK):
        statement = insert(model).values(list(rows[start : start + CHUNK]))
        statement = statement.on_conflict_do_update(
            index_elements=list(keys), set_={name: statement.excluded[name] for name in update}
        )
        session.execute(statement)

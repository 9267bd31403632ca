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
    running the same write twice leaves one row with the latest values. One statement,
    compiled once, carries every row (the driver batches them), which is far cheaper than
    compiling a multi-row VALUES per chunk."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    statement = insert(model.__table__)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys), set_={name: statement.excluded[name] for name in update}
    )
    session.execute(statement, list(rows))


def increment(
    session: Session, model: type, row: dict, keys: Sequence[str], counters: Sequence[str]
) -> None:
    """Add `row`'s `counters` to the row with the same `keys` (creating it at those values)
    in one statement, so concurrent writers never lose a count."""
    dialect = session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    statement = insert(model).values(row)
    table = model.__table__
    statement = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: table.c[name] + statement.excluded[name] for name in counters},
    )
    session.execute(statement)


def insert_new(session: Session, model: type, rows: Sequence[dict], keys: Sequence[str]) -> int:
    """Insert the `rows` whose `keys` are not stored yet and leave the stored ones alone
    (ON CONFLICT DO NOTHING), so two writers at once neither duplicate a row nor fail;
    returns how many rows were new."""
    dialect = session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    added = 0
    for start in range(0, len(rows), CHUNK):
        statement = (
            insert(model)
            .values(list(rows[start : start + CHUNK]))
            .on_conflict_do_nothing(index_elements=list(keys))
            .returning(*(model.__table__.c[key] for key in keys))
        )
        # RETURNING lists the rows written; rowcount is not reliable for this on every driver.
        added += len(session.execute(statement).all())
    return added

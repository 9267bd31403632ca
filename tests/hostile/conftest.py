"""Helpers for hostile-input tests: what the database holds, to show a refusal wrote nothing."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, settings

from advocacy.extensions import Base, db
from tests.links.conftest import published  # noqa: F401 - a fixture for this folder too

# Hypothesis runs many examples inside one test, so function-scoped fixtures (the app, the
# client) are shared by them; each example must leave what it finds or clean up after itself.
WITH_APP = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def database_state(skip: tuple[str, ...] = ()) -> dict[str, list[tuple]]:
    """Every row of every table (but `skip`), sorted, to compare before and after a request.

    Read on a raw DB-API cursor: the fuzzer takes two of these per request."""
    db.session.rollback()
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        state = {}
        for table in Base.metadata.sorted_tables:
            if table.name not in skip:
                cursor.execute(f'SELECT * FROM "{table.name}"')  # noqa: S608 - our own names
                state[table.name] = sorted(map(repr, cursor.fetchall()))
        cursor.close()
        connection.rollback()
    finally:
        connection.close()
    return state


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]


def stored_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []

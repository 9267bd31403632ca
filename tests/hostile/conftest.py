"""Helpers for hostile-input tests: what the database holds, to show a refusal wrote nothing."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, settings
from sqlalchemy import select

from advocacy.extensions import Base, db
from tests.links.conftest import published  # noqa: F401 - a fixture for this folder too

# Hypothesis runs many examples inside one test, so function-scoped fixtures (the app, the
# client) are shared by them; each example must leave what it finds or clean up after itself.
WITH_APP = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def database_state(skip: tuple[str, ...] = ()) -> dict[str, list[tuple]]:
    """Every row of every table (but `skip`), sorted, to compare before and after a request."""
    db.session.expire_all()
    state = {}
    for table in Base.metadata.sorted_tables:
        if table.name in skip:
            continue
        rows = db.session.execute(select(table)).all()
        state[table.name] = sorted((tuple(map(repr, row)) for row in rows), key=repr)
    db.session.rollback()
    return state


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]


def stored_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []

"""A Core statement compiled once for a dialect and run on a raw DB-API cursor.

SQLAlchemy's execution machinery costs more than the database work of the tracked-link
redirect. The statement itself (its joins, conditions, columns) stays in the service; this
only keeps its SQL text, its fixed parameters and the dialect's conversions of values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Dialect
from sqlalchemy.sql import ClauseElement


@dataclass(frozen=True)
class PrecompiledStatement:
    sql: str
    order: tuple[str, ...] | None  # parameter names in order, for positional drivers
    fixed: Mapping[str, Any]  # the statement's own values (e.g. the statuses it matches)
    conversions: Mapping[str, Callable[[Any], Any]]  # e.g. datetimes to text on SQLite

    @classmethod
    def compile(
        cls, statement: ClauseElement, dialect: Dialect, columns: Sequence[str] | None = None
    ) -> PrecompiledStatement:
        """`columns`: for an INSERT, the columns given (as when it is executed with them)."""
        compiled = statement.compile(dialect=dialect, column_keys=columns)
        if compiled.escaped_bind_names:
            raise ValueError(f"parameter names this driver must escape: {statement}")
        conversions = {}
        for name in compiled.params:
            convert = compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            if convert is not None:
                conversions[name] = convert
        return cls(
            sql=compiled.string,
            order=tuple(compiled.positiontup) if compiled.positional else None,
            fixed={k: v for k, v in compiled.params.items() if v is not None},
            conversions=conversions,
        )

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        """What the DB-API cursor's execute() takes with this statement's SQL."""
        merged = {**self.fixed, **values}
        for name, convert in self.conversions.items():
            merged[name] = convert(merged[name])
        if self.order is None:
            return merged
        return [merged[name] for name in self.order]

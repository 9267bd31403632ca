"""Bulk loading of generated rows into the models' tables: `executemany` of tuples in big
transactions on SQLite, `COPY ... FROM STDIN` on PostgreSQL.

Rows are tuples of plain Python values in the order of the columns given to `insert`;
values are turned into what the database stores by the columns' own SQLAlchemy types
(SQLite keeps timestamps as text in SQLAlchemy's format, so a hand-made string would
compare wrongly with the app's queries)."""

from __future__ import annotations

import json
import time
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import JSON, Engine, Integer, Table, insert

Convert = Callable[[Any], Any]
MEMO_LIMIT = 100_000


def _memoised(process: Convert) -> Convert:
    """`process` with a memo: most converted values repeat (hours, flags, JSON constants).
    Lists and dicts are remembered by identity, and kept alive while remembered."""
    memo: dict[Any, tuple[Any, Any]] = {}

    def convert(value: Any) -> Any:
        if value is None:
            return None
        key = id(value) if isinstance(value, list | dict) else value
        hit = memo.get(key)
        if hit is None:
            if len(memo) >= MEMO_LIMIT:
                memo.clear()
            hit = memo[key] = (value, process(value))
        return hit[1]

    return convert


def _row_function(converters: Sequence[Convert | None]) -> Callable[[tuple], tuple] | None:
    """One function that converts the columns that need it, built once per table (a
    generated lambda: far cheaper per row than zipping values with converters)."""
    if not any(converters):
        return None
    names = {f"c{i}": c for i, c in enumerate(converters) if c is not None}
    parts = [f"c{i}(r[{i}])" if c is not None else f"r[{i}]" for i, c in enumerate(converters)]
    return eval(f"lambda r: ({', '.join(parts)},)", names)  # only indexes and our names


class Loader(ABC):
    """Counts rows and seconds per table; subclasses write them."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect
        self.rows: dict[str, int] = defaultdict(int)
        self.seconds: dict[str, float] = defaultdict(float)
        self._functions: dict[tuple[str, tuple[str, ...]], Callable[[tuple], tuple] | None] = {}

    def insert(self, table: Table, columns: Sequence[str], rows: Iterable[tuple]) -> int:
        """Write `rows` (tuples in `columns` order) into `table`; how many were written."""
        started = time.perf_counter()
        key = (table.name, tuple(columns))
        if key not in self._functions:
            self._functions[key] = _row_function([self._converter(table, c) for c in columns])
        function = self._functions[key]
        values = rows if function is None else map(function, rows)
        count = self._write(table, columns, values)
        self.rows[table.name] += count
        self.seconds[table.name] += time.perf_counter() - started
        return count

    def _converter(self, table: Table, column: str) -> Convert | None:
        process = table.c[column].type._cached_bind_processor(self.dialect)
        return None if process is None else _memoised(process)

    @abstractmethod
    def _write(self, table: Table, columns: Sequence[str], rows: Iterable[tuple]) -> int:
        """Send converted rows to the database (each dialect its fastest way)."""

    @abstractmethod
    def commit(self) -> None:
        """Make what was written so far durable."""

    @abstractmethod
    def finish(self) -> None:
        """Commit, and leave the database as the app expects it."""


class SQLiteLoader(Loader):
    """One connection with the journal and fsync off while loading (a failed load is
    thrown away, not repaired); WAL again at the end, as the app sets it."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        engine.dispose()  # the journal mode changes only when no other connection is open
        self.proxy = engine.raw_connection()
        self.connection = self.proxy.driver_connection
        self.connection.commit()
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-1000000"):
            self.connection.execute(f"PRAGMA {pragma}")
        self._statements: dict[tuple[str, tuple[str, ...]], str] = {}

    def _write(self, table: Table, columns: Sequence[str], rows: Iterable[tuple]) -> int:
        key = (table.name, tuple(columns))
        if key not in self._statements:
            statement = insert(table).compile(dialect=self.dialect, column_keys=list(columns))
            self._statements[key] = str(statement)
        rows = rows if isinstance(rows, list) else list(rows)
        self.connection.executemany(self._statements[key], rows)
        return len(rows)

    def commit(self) -> None:
        self.connection.commit()

    def finish(self) -> None:
        self.connection.commit()
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.proxy.close()
        self.engine.dispose()


class PostgresLoader(Loader):
    """COPY through psycopg 3 on one connection and one transaction; afterwards the id
    sequences are moved past the ids given here, and the tables analysed."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.proxy = engine.raw_connection()
        self.connection = self.proxy.driver_connection
        self.connection.execute("SET synchronous_commit = off")
        self.tables: dict[str, Table] = {}

    def _converter(self, table: Table, column: str) -> Convert | None:
        # psycopg adapts dates, times, booleans and bytes itself, in C; JSON goes as text.
        if isinstance(table.c[column].type, JSON):
            return _memoised(json.dumps)
        return None

    def _write(self, table: Table, columns: Sequence[str], rows: Iterable[tuple]) -> int:
        self.tables[table.name] = table
        quote = self.dialect.identifier_preparer.quote
        names = ", ".join(quote(c) for c in columns)
        count = 0
        with self.connection.cursor() as cursor:
            with cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        return count

    def commit(self) -> None:
        self.connection.commit()

    def finish(self) -> None:
        with self.connection.cursor() as cursor:
            for name, table in self.tables.items():
                key = list(table.primary_key.columns)
                if len(key) == 1 and isinstance(key[0].type, Integer):
                    column = key[0].name  # (no sequence behind it: setval(NULL) does nothing)
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence(%s, %s), "
                        f"coalesce(max({column}), 0) + 1, false) FROM {name}",
                        (name, column),
                    )
        self.connection.commit()
        started = time.perf_counter()
        self.connection.autocommit = True
        self.connection.execute("ANALYZE")  # as autovacuum would, soon after the load
        self.seconds["(analyze)"] += time.perf_counter() - started
        self.proxy.close()
        self.engine.dispose()


def open_loader(engine: Engine) -> Loader:
    loaders = {"sqlite": SQLiteLoader, "postgresql": PostgresLoader}
    if engine.dialect.name not in loaders:
        raise SystemExit(f"bench.generate loads SQLite or PostgreSQL, not {engine.dialect.name}.")
    return loaders[engine.dialect.name](engine)

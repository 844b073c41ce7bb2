"""One interface over the connection libraries: DuckDB's and psycopg 3's.

Which library a connection comes from decides the dialect, the placeholder
style (sqlglot writes it) and how a batch is loaded in bulk. Each write is
one transaction committed here, whatever the connection's autocommit
setting, so another connection sees it at once; a failure rolls it back.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from sqlglot import exp

from segmentkit.errors import InvalidArgumentError
from segmentkit.sql.bulk import copy_statement, duckdb_load
from segmentkit.sql.schema import Column

__all__ = ["Connection", "connect"]


class Connection(ABC):
    """A DuckDB or psycopg connection with what the repository needs."""

    dialect: str

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    @abstractmethod
    def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """The rows of a query."""

    @abstractmethod
    def run(self, sql: str, params: dict[str, Any] | None = None) -> None:
        """Run a statement."""

    @abstractmethod
    def insert(
        self, table: exp.Table, columns: Sequence[Column], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        """Append ``rows`` (tuples in ``columns`` order) to ``table`` in bulk,
        inside the current transaction (``sql.bulk``)."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """One transaction, committed at the end, rolled back on an error."""

    @property
    @abstractmethod
    def duplicate_key_errors(self) -> tuple[type[BaseException], ...]:
        """What the library raises when a primary key is already taken."""


class _DuckDB(Connection):
    dialect = "duckdb"

    def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        result: list[tuple[Any, ...]] = self.raw.execute(sql, params or {}).fetchall()
        return result

    def run(self, sql: str, params: dict[str, Any] | None = None) -> None:
        self.raw.execute(sql, params or {})

    def insert(
        self, table: exp.Table, columns: Sequence[Column], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        if rows:
            duckdb_load(self.raw, table, columns, rows)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.raw.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.raw.execute("ROLLBACK")
            raise
        self.raw.execute("COMMIT")

    @property
    def duplicate_key_errors(self) -> tuple[type[BaseException], ...]:
        import duckdb

        return (duckdb.ConstraintException,)


class _Postgres(Connection):
    dialect = "postgres"

    def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        # A read on an idle connection opens a transaction, which it ends
        # itself. A transaction the caller already had open is theirs: it is
        # neither committed nor rolled back here.
        ours = self.raw.autocommit is False and not self.raw.info.transaction_status
        try:
            with self.raw.cursor() as cursor:
                cursor.execute(sql, params or None)
                result: list[tuple[Any, ...]] = cursor.fetchall()
        except BaseException:
            if ours:
                self.raw.rollback()  # a failed read must not leave the connection unusable
            raise
        if ours and self.raw.info.transaction_status:
            self.raw.commit()
        return result

    def run(self, sql: str, params: dict[str, Any] | None = None) -> None:
        with self.raw.cursor() as cursor:
            cursor.execute(sql, params or None)

    def insert(
        self, table: exp.Table, columns: Sequence[Column], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        if rows:
            with self.raw.cursor() as cursor, cursor.copy(copy_statement(table, columns)) as copy:
                for row in rows:
                    copy.write_row(row)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self.raw.autocommit:
            with self.raw.transaction():
                yield
            return
        try:
            yield
        except BaseException:
            self.raw.rollback()
            raise
        self.raw.commit()

    @property
    def duplicate_key_errors(self) -> tuple[type[BaseException], ...]:
        from psycopg import errors

        return (errors.UniqueViolation,)


def connect(raw: Any) -> Connection:
    """The wrapper for a DuckDB or psycopg 3 connection (else an InvalidArgumentError)."""
    module = type(raw).__module__.split(".")[0]
    if module in ("duckdb", "_duckdb"):
        return _DuckDB(raw)
    if module == "psycopg":
        return _Postgres(raw)
    raise InvalidArgumentError(
        f"expected a duckdb or psycopg connection, not {type(raw).__name__}",
        argument="connection",
    )

"""``Tables``: the statements ``SqlRepository`` runs on the tables it keeps
(select, insert, delete, which ids exist), written with sqlglot for the
connection's dialect over the layout's names.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlglot import exp

from segmentkit.errors import RecordError
from segmentkit.sql.connection import Connection
from segmentkit.sql.layout import TableLayout
from segmentkit.sql.rows import holds_nul
from segmentkit.sql.schema import (
    create_statements,
    existing_tables_sql,
    owned_tables,
    table_columns,
)

__all__ = ["Tables", "equals"]


class Tables:
    def __init__(self, db: Connection, layout: TableLayout) -> None:
        self.db, self.layout, self.dialect = db, layout, db.dialect
        self.columns = table_columns(layout, db.dialect)

    # -- the tables themselves ---------------------------------------------------------

    def ready(self) -> bool:
        """Whether every table exists (then nothing is created, so a
        read-only connection to a ready database works)."""
        found = {row[0] for row in self.db.rows(existing_tables_sql(self.layout, self.dialect))}
        return found >= set(owned_tables(self.layout))

    def create(self) -> None:
        for statement in create_statements(self.layout, self.dialect):
            self.db.run(statement)

    # -- statements ----------------------------------------------------------------------

    def table(self, name: str) -> exp.Table:
        schema = self.layout.schema_name
        return exp.Table(
            this=exp.to_identifier(name, quoted=True),
            db=exp.to_identifier(schema, quoted=True) if schema else None,
        )

    def select(self, table: str, columns: Sequence[str]) -> exp.Select:
        return exp.select(*(exp.column(c, quoted=True) for c in columns)).from_(self.table(table))

    def sql(self, expression: exp.Expr) -> str:
        return expression.sql(dialect=self.dialect)

    def rows(self, query: exp.Expr, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return self.db.rows(self.sql(query), params)

    def insert(self, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """Append rows (tuples in the table's column order) in bulk (``sql.bulk``)."""
        self.db.insert(self.table(table), self.columns[table], rows)

    def delete(self, table: str, column: str, value: str) -> None:
        statement = exp.delete(self.table(table)).where(equals(column))
        self.db.run(self.sql(statement), {"v": value})

    def existing(self, table: str, column: str, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` are in ``table.column``."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return set()
        query = self.select(table, [column]).where(_among(column))
        return {row[0] for row in self.rows(query, {"ids": wanted})}

    def cancel(self, ids: Iterable[str]) -> int:
        """Mark the interactions with these ids canceled; how many changed."""
        params = {"ids": list(dict.fromkeys(ids))}
        if not params["ids"]:
            return 0
        layout = self.layout
        canceled = layout.canceled or "canceled"  # own tables always have it
        matching = exp.and_(
            _among(layout.interaction_id), exp.not_(exp.column(canceled, quoted=True))
        )
        counted = (
            exp.select(exp.Count(this=exp.Star()))
            .from_(self.table(layout.interactions))
            .where(matching)
        )
        update = exp.update(
            self.table(layout.interactions), {canceled: exp.true()}, where=matching.copy()
        )
        # Counted before the update: a read on psycopg without autocommit
        # commits (Connection.rows), so it must not follow a write.
        changed = int(self.rows(counted, params)[0][0])
        self.db.run(self.sql(update), params)
        return changed

    @contextmanager
    def adding(self, noun: str) -> Iterator[None]:
        """One transaction that adds records whose ids were checked new. If
        another connection added one of them meanwhile, the database's key
        refuses it: rolled back, and a RecordError like any duplicate."""
        try:
            with self.db.transaction():
                yield
        except self.db.duplicate_key_errors as error:
            detail = (str(error).strip().splitlines() or [""])[0]
            raise RecordError(
                f"a {noun} of the batch was added by another connection meanwhile: {detail}"
            ) from None

    # -- what the database cannot hold ---------------------------------------------------

    def refuse_unstorable(self, records: Sequence[Any], noun: str) -> None:
        """Refuse, before the database does, what it cannot store: NUL in
        PostgreSQL text (and so in JSONB)."""
        if self.dialect != "postgres":
            return
        for position, record in enumerate(records):
            if holds_nul(record.model_dump()):
                raise RecordError(
                    f"the {noun} holds a NUL character, which PostgreSQL text cannot store",
                    position=position,
                    record_id=getattr(record, "id", None) or getattr(record, "name", None),
                )


def equals(column: str) -> exp.Expr:
    """``column = :v``: the one value a lookup or a delete binds."""
    return exp.EQ(this=exp.column(column, quoted=True), expression=exp.Placeholder(this="v"))


def _among(column: str) -> exp.Expr:
    """``column`` is one of the texts bound as parameter ``ids`` (a list):
    one parameter however many ids, so a batch of a million is one query."""
    ids = exp.cast(exp.Placeholder(this="ids"), exp.DataType.build("ARRAY<TEXT>"))
    return exp.column(column, quoted=True).isin(query=exp.select(exp.Unnest(expressions=[ids])))

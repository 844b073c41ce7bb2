"""What every part of a compiled query shares: the dialect, the table layout,
and the bound parameters.

Every value that comes from the query or from Python (a literal, a key, a
window bound) enters the SQL through ``Builder.value``: a named placeholder
in the dialect's style, or, for a dialect whose connection takes no
parameters (Spark), a literal that sqlglot quotes. No SQL text is ever
glued together: everything is a sqlglot expression.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlglot import exp

from segmentkit.sql.layout import TableLayout
from segmentkit.storage.store import from_microseconds

__all__ = ["DIALECTS", "Builder"]

# Dialects tested against a real engine; others sqlglot knows are allowed
# (docs/sql.md) but untested.
DIALECTS = ("duckdb", "postgres", "spark")
_INLINE = frozenset({"spark", "bigquery", "snowflake", "trino", "databricks", "hive"})


class Builder:
    def __init__(self, dialect: str, layout: TableLayout) -> None:
        self.dialect = dialect
        self.layout = layout
        self.params: dict[str, Any] = {}
        self.inline = dialect in _INLINE
        # PostgreSQL text cannot hold NUL (so SqlRepository refuses it at the
        # door); a query literal holding one is compared without binding it.
        self.text_holds_nul = dialect != "postgres"

    # -- values ---------------------------------------------------------------------

    def value(self, value: Any) -> exp.Expr:
        """A bound parameter (or a quoted literal) holding ``value``."""
        if self.inline:
            return _literal(value)
        name = f"p{len(self.params)}"
        self.params[name] = value
        return exp.Placeholder(this=name)

    def instant(self, microseconds: int) -> exp.Expr:
        """A timestamp with time zone for an instant in epoch microseconds."""
        return self.value(from_microseconds(microseconds, UTC))

    # -- names ----------------------------------------------------------------------

    def table(self, name: str, alias: str) -> exp.Table:
        table = exp.Table(
            this=exp.to_identifier(name, quoted=True),
            db=exp.to_identifier(self.layout.schema_name, quoted=True)
            if self.layout.schema_name
            else None,
        )
        return exp.alias_(table, alias, table=True)  # type: ignore[return-value]

    @staticmethod
    def column(name: str, table: str) -> exp.Column:
        return exp.Column(this=exp.to_identifier(name, quoted=True), table=exp.to_identifier(table))

    def json_text(self, column: exp.Expr, field: str) -> exp.Expr:
        """The text of a JSON column's member ``field`` (an identifier), NULL
        when missing or null: ``->>`` in DuckDB, ``#>>`` on PostgreSQL's
        JSONB, ``get_json_object`` in Spark."""
        if self.dialect == "postgres":
            key_path = exp.Literal.string(f"{{{field}}}")  # a text[] path of one key
            return exp.JSONBExtractScalar(this=column, expression=key_path)
        path = exp.JSONPath(expressions=[exp.JSONPathRoot(), exp.JSONPathKey(this=field)])
        return exp.JSONExtractScalar(this=column, expression=path)

    # -- text order -------------------------------------------------------------------

    def ordered(self, expression: exp.Expr) -> exp.Expr:
        """Text that compares by code point whatever the database's collation
        (PostgreSQL's default may be a language's; DuckDB and Spark compare bytes)."""
        if self.dialect == "postgres":
            return exp.Collate(this=expression, expression=exp.Identifier(this="C", quoted=True))
        return expression


def _literal(value: Any) -> exp.Expr:
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int | float):
        return exp.Literal.number(repr(value))
    if isinstance(value, datetime):
        return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.Type.TIMESTAMPTZ)
    if isinstance(value, str):
        return exp.Literal.string(value)
    raise TypeError(f"no SQL literal for {value!r}")

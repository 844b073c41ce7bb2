"""Rows into a table in bulk: a CSV file DuckDB reads, or PostgreSQL's COPY.

A statement per row (``executemany``) loads about a thousand rows a second
into DuckDB. Both paths here send a whole batch through one statement, in
the caller's transaction, and need nothing beyond the connection library:

- DuckDB reads a CSV file written here with the standard library's ``csv``
  (every field quoted, so quotes, commas, newlines, tabs, backslashes and NUL
  travel as they are). A quoted field is never NULL, so a nullable column
  travels with a flag column beside it that says which values are NULL.
  Instants travel as exact epoch microseconds and become TIMESTAMPTZ in SQL
  (no text parsing of offsets, no float, whatever the session's time zone).
- PostgreSQL takes ``COPY ... FROM STDIN`` through psycopg 3, whose
  ``write_row`` escapes each value for the COPY text format.

The SQL is written by sqlglot from the table's ``Column`` list (``sql.schema``).
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlglot import exp

from segmentkit.sql.schema import Column
from segmentkit.storage.encoding import to_microseconds

__all__ = ["copy_statement", "duckdb_load"]

# The type read_csv gives each CSV field, by the kind of its column.
_CSV_TYPES = {
    exp.DType.TIMESTAMPTZ: "BIGINT",  # epoch microseconds
    exp.DType.BOOLEAN: "BOOLEAN",
    exp.DType.BIGINT: "BIGINT",
}
_CSV_OPTIONS: dict[str, exp.Expr] = {
    "header": exp.false(),
    "auto_detect": exp.false(),  # the columns are given: no sniffing of the data
    "delim": exp.Literal.string(","),
    "quote": exp.Literal.string('"'),
    "escape": exp.Literal.string('"'),
    # Rows end in "\n" only: without this DuckDB takes a "\r" inside a quoted
    # text for the end of a row and refuses the file.
    "new_line": exp.Literal.string(r"\n"),  # the two characters DuckDB reads as LF
    "allow_quoted_nulls": exp.false(),  # a quoted "" is an empty text, not NULL
    # The default (2 MB) would refuse a record whose JSON is larger.
    "max_line_size": exp.Literal.number(2**31 - 1),
}
_Cell = Callable[[Any], Any]


def _cells(columns: Sequence[Column]) -> tuple[list[tuple[str, str]], list[exp.Expr], _Cell]:
    """The CSV fields (name, type), the SELECT expression of each column, and
    a function that turns a row into its CSV fields: the row's values (None
    is written as an empty text), then one NULL flag per nullable column."""
    fields = [(f"c{position}", _CSV_TYPES.get(column.kind, "VARCHAR"))
              for position, column in enumerate(columns)]
    instants = [p for p, column in enumerate(columns) if column.kind == exp.DType.TIMESTAMPTZ]
    nullable = [p for p, column in enumerate(columns) if column.nullable]
    fields += [(f"n{position}", "BOOLEAN") for position in nullable]
    selected: list[exp.Expr] = []
    for position in range(len(columns)):
        value: exp.Expr = exp.column(f"c{position}")
        if position in instants:
            # make_timestamp(us) is the UTC wall time; AT TIME ZONE 'UTC' makes it the instant.
            value = exp.AtTimeZone(
                this=exp.Anonymous(this="make_timestamp", expressions=[value]),
                zone=exp.Literal.string("UTC"),
            )
        if position in nullable:
            value = exp.If(this=exp.column(f"n{position}"), true=exp.null(), false=value)
        selected.append(value)

    def row_cells(row: Any) -> list[Any]:
        cells = list(row)
        for position in instants:
            cells[position] = to_microseconds(cells[position])
        cells += [row[position] is None for position in nullable]
        return cells

    return fields, selected, row_cells


def duckdb_load(
    raw: Any, table: exp.Table, columns: Sequence[Column], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Append ``rows`` (tuples in ``columns`` order) to ``table`` through one
    ``INSERT ... SELECT ... FROM read_csv`` on the DuckDB connection ``raw``."""
    fields, selected, row_cells = _cells(columns)
    with tempfile.TemporaryDirectory(prefix="segmentkit-") as folder:
        path = Path(folder) / "rows.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\n")
            writer.writerows(map(row_cells, rows))
        options = [
            exp.PropertyEQ(this=exp.to_identifier(name), expression=value)
            for name, value in _CSV_OPTIONS.items()
        ]
        types = exp.Struct(expressions=[
            exp.PropertyEQ(this=exp.Literal.string(name), expression=exp.Literal.string(kind))
            for name, kind in fields
        ])
        options.append(exp.PropertyEQ(this=exp.to_identifier("columns"), expression=types))
        source = exp.Anonymous(
            this="read_csv", expressions=[exp.Placeholder(this="path"), *options]
        )
        statement = exp.Insert(
            this=_target(table, columns),
            expression=exp.select(*selected).from_(exp.Table(this=source)),
        )
        raw.execute(statement.sql(dialect="duckdb"), {"path": str(path)})


def copy_statement(table: exp.Table, columns: Sequence[Column]) -> str:
    """``COPY table (columns) FROM STDIN`` for PostgreSQL."""
    statement = exp.Copy(
        this=_target(table, columns), kind=True, files=[exp.to_identifier("STDIN")]
    )
    return statement.sql(dialect="postgres")


def _target(table: exp.Table, columns: Sequence[Column]) -> exp.Schema:
    """``table (column, ...)``: where the rows go."""
    return exp.Schema(
        this=table,
        expressions=[exp.to_identifier(column.name, quoted=True) for column in columns],
    )

"""The tables ``SqlRepository`` owns, created when missing (docs/sql.md).

Written as sqlglot ``CREATE TABLE IF NOT EXISTS`` statements, so each
dialect gets its own types: JSON in DuckDB, JSONB in PostgreSQL, TIMESTAMPTZ
for instants. Keys (``sql.keys``) sit beside each record's JSON; list
elements have tables of their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from segmentkit.sql.layout import CONTACT_COLUMNS, TableLayout

__all__ = [
    "CONTACT_COLUMNS",
    "INTERACTION_COLUMNS",
    "Column",
    "create_statements",
    "existing_tables_sql",
    "owned_tables",
    "table_columns",
]

INTERACTION_COLUMNS = ("id", "type", "contact_id", "timestamp", "canceled", "properties", "keys")

_TEXT = exp.DType.TEXT


def _json(dialect: str) -> exp.DType:
    return exp.DType.JSONB if dialect == "postgres" else exp.DType.JSON


@dataclass(frozen=True)
class Column:
    """One column of a table segmentkit owns: what CREATE TABLE declares and
    what a bulk load (``sql.bulk``) needs to know to write its values."""

    name: str
    kind: exp.DType
    key: bool = False
    null: bool = True

    @property
    def nullable(self) -> bool:
        return self.null and not self.key

    def definition(self) -> exp.ColumnDef:
        constraints = []
        if self.key:
            constraints.append(exp.ColumnConstraint(kind=exp.PrimaryKeyColumnConstraint()))
        elif not self.null:
            constraints.append(exp.ColumnConstraint(kind=exp.NotNullColumnConstraint()))
        return exp.ColumnDef(
            this=exp.to_identifier(self.name, quoted=True),
            kind=exp.DataType.build(self.kind),
            constraints=constraints,
        )


def _create(layout: TableLayout, table: str, columns: tuple[Column, ...]) -> exp.Create:
    return exp.Create(
        this=exp.Schema(
            this=_table(layout, table), expressions=[column.definition() for column in columns]
        ),
        kind="TABLE",
        exists=True,
    )


def _table(layout: TableLayout, name: str) -> exp.Table:
    schema = exp.to_identifier(layout.schema_name, quoted=True) if layout.schema_name else None
    return exp.Table(this=exp.to_identifier(name, quoted=True), db=schema)


def _index(layout: TableLayout, table: str, name: str, columns: list[str]) -> exp.Create:
    return exp.Create(
        this=exp.Index(
            this=exp.to_identifier(name, quoted=True),
            table=_table(layout, table),
            params=exp.IndexParameters(
                columns=[exp.Ordered(this=exp.column(c, quoted=True)) for c in columns]
            ),
        ),
        kind="INDEX",
        exists=True,
    )


def owned_tables(layout: TableLayout) -> tuple[str, ...]:
    """The tables ``SqlRepository`` keeps (and creates when missing)."""
    return (
        layout.contacts,
        layout.interactions,
        layout.contact_lists,
        layout.interaction_lists,
        layout.types,
        layout.attribute_kinds,
        layout.segments,
    )


def existing_tables_sql(layout: TableLayout, dialect: str) -> str:
    """A query of the owned tables that exist (``information_schema``, which
    DuckDB and PostgreSQL share): when all do, nothing is created, so a
    read-only connection to a ready database works."""
    schema: exp.Expr = (
        exp.Literal.string(layout.schema_name)
        if layout.schema_name
        else exp.func("current_schema")
    )
    names = [exp.Literal.string(name) for name in owned_tables(layout)]
    table_name = exp.column("table_name")
    statement = (
        exp.select(table_name)
        .from_(exp.table_("tables", db="information_schema"))
        .where(
            exp.EQ(this=exp.column("table_schema"), expression=schema),
            exp.In(this=table_name.copy(), expressions=names),
        )
    )
    return statement.sql(dialect=dialect)


def table_columns(layout: TableLayout, dialect: str) -> dict[str, tuple[Column, ...]]:
    """Every table segmentkit owns, by name, with its columns in order: the
    order of the row tuples ``sql.rows`` builds."""
    json = _json(dialect)
    return {
        layout.contacts: (
            Column(layout.contact_id, _TEXT, key=True),
            *(Column(name, _TEXT) for name in CONTACT_COLUMNS),
            Column(layout.attributes, json, null=False),
            Column(layout.profile_keys, json, null=False),
        ),
        layout.interactions: (
            Column(layout.interaction_id, _TEXT, key=True),
            Column(layout.type, _TEXT, null=False),
            Column(layout.interaction_contact, _TEXT, null=False),
            Column(layout.timestamp, exp.DType.TIMESTAMPTZ, null=False),
            Column(layout.canceled or "canceled", exp.DType.BOOLEAN, null=False),
            Column(layout.properties, json, null=False),
            Column(layout.property_keys, json, null=False),
        ),
        layout.contact_lists: (
            Column("contact_id", _TEXT, null=False),
            Column("field", _TEXT, null=False),
            Column("k", _TEXT),
        ),
        layout.interaction_lists: (
            Column("interaction_id", _TEXT, null=False),
            Column("field", _TEXT, null=False),
            Column("k", _TEXT),
        ),
        layout.types: (
            Column("name", _TEXT, key=True),
            Column("definition", _TEXT, null=False),
        ),
        layout.attribute_kinds: (
            Column("name", _TEXT, key=True),
            Column("kind", _TEXT, null=False),
        ),
        layout.segments: (
            Column("name", _TEXT, key=True),
            Column("position", exp.DType.BIGINT, null=False),
            Column("definition", _TEXT, null=False),
        ),
    }


def create_statements(layout: TableLayout, dialect: str) -> list[str]:
    """``CREATE ... IF NOT EXISTS`` for every table and index, as SQL text."""
    tables = [
        _create(layout, name, columns)
        for name, columns in table_columns(layout, dialect).items()
    ]
    indexes = [
        _index(layout, layout.interactions, f"{layout.interactions}_type_ts",
               [layout.type, layout.timestamp]),
        _index(layout, layout.interactions, f"{layout.interactions}_contact",
               [layout.interaction_contact]),
        _index(layout, layout.contact_lists, f"{layout.contact_lists}_owner",
               ["contact_id", "field"]),
        _index(layout, layout.interaction_lists, f"{layout.interaction_lists}_owner",
               ["interaction_id", "field"]),
    ]
    return [statement.sql(dialect=dialect) for statement in [*tables, *indexes]]

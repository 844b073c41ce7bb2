"""The tables ``SqlRepository`` owns, created when missing (docs/sql.md).

Written as sqlglot ``CREATE TABLE IF NOT EXISTS`` statements, so each
dialect gets its own types: JSON in DuckDB, JSONB in PostgreSQL, TIMESTAMPTZ
for instants. Keys (``sql.keys``) sit beside each record's JSON; list
elements have tables of their own.
"""

from __future__ import annotations

from sqlglot import exp

from segmentkit.sql.layout import CONTACT_COLUMNS, TableLayout

__all__ = [
    "CONTACT_COLUMNS",
    "INTERACTION_COLUMNS",
    "create_statements",
    "existing_tables_sql",
    "owned_tables",
]

INTERACTION_COLUMNS = ("id", "type", "contact_id", "timestamp", "canceled", "properties", "keys")

_TEXT = exp.DType.TEXT


def _json(dialect: str) -> exp.DType:
    return exp.DType.JSONB if dialect == "postgres" else exp.DType.JSON


def _column(
    name: str, kind: exp.DType, *, key: bool = False, null: bool = True
) -> exp.ColumnDef:
    constraints = []
    if key:
        constraints.append(exp.ColumnConstraint(kind=exp.PrimaryKeyColumnConstraint()))
    elif not null:
        constraints.append(exp.ColumnConstraint(kind=exp.NotNullColumnConstraint()))
    return exp.ColumnDef(
        this=exp.to_identifier(name, quoted=True),
        kind=exp.DataType.build(kind),
        constraints=constraints,
    )


def _create(layout: TableLayout, table: str, columns: list[exp.ColumnDef]) -> exp.Create:
    return exp.Create(
        this=exp.Schema(this=_table(layout, table), expressions=columns),
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


def create_statements(layout: TableLayout, dialect: str) -> list[str]:
    """``CREATE ... IF NOT EXISTS`` for every table and index, as SQL text."""
    json = _json(dialect)
    tables = [
        _create(layout, layout.contacts, [
            _column(layout.contact_id, _TEXT, key=True),
            *(_column(name, _TEXT) for name in CONTACT_COLUMNS),
            _column(layout.attributes, json, null=False),
            _column(layout.profile_keys, json, null=False),
        ]),
        _create(layout, layout.interactions, [
            _column(layout.interaction_id, _TEXT, key=True),
            _column(layout.type, _TEXT, null=False),
            _column(layout.interaction_contact, _TEXT, null=False),
            _column(layout.timestamp, exp.DType.TIMESTAMPTZ, null=False),
            _column(layout.canceled or "canceled", exp.DType.BOOLEAN, null=False),
            _column(layout.properties, json, null=False),
            _column(layout.property_keys, json, null=False),
        ]),
        _create(layout, layout.contact_lists, [
            _column("contact_id", _TEXT, null=False),
            _column("field", _TEXT, null=False),
            _column("k", _TEXT),
        ]),
        _create(layout, layout.interaction_lists, [
            _column("interaction_id", _TEXT, null=False),
            _column("field", _TEXT, null=False),
            _column("k", _TEXT),
        ]),
        _create(layout, layout.types, [
            _column("name", _TEXT, key=True),
            _column("definition", _TEXT, null=False),
        ]),
        _create(layout, layout.attribute_kinds, [
            _column("name", _TEXT, key=True),
            _column("kind", _TEXT, null=False),
        ]),
        _create(layout, layout.segments, [
            _column("name", _TEXT, key=True),
            _column("position", exp.DType.BIGINT, null=False),
            _column("definition", _TEXT, null=False),
        ]),
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

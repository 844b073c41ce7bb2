"""Where comparisons and aggregates find a contact's or a record's values,
over either kind of table (``sql.operands``).

Over segmentkit's own tables a value is its key, in the key column's JSON,
and a list's elements are rows of a list table. Over a user's own tables
(``keys=False``) a value is read from the JSON column (``sql.json_values``)
with the kind the catalog declares for it (the interaction type's field,
a declared contact attribute) or, undeclared, its JSON type's; a contact's
own fields that are columns are text.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from segmentkit.engine.catalog import Catalog
from segmentkit.models.records import CONTACT_FIELDS
from segmentkit.sql import keys
from segmentkit.sql.builder import Builder
from segmentkit.sql.json_values import json_reader
from segmentkit.sql.operands import (
    KIND_OF_FIELD,
    Operand,
    Source,
    key_operand,
    known_kind_operand,
)

__all__ = ["Sources"]

Test = Callable[[Operand], exp.Expr]


class Sources:
    """The ``Source`` of a contact or an interaction record, for one query."""

    def __init__(self, builder: Builder, catalog: Catalog, alias: Callable[[str], str]) -> None:
        self.builder, self.catalog, self.alias = builder, catalog, alias
        self.json = json_reader(builder, alias)

    # -- contacts and records ---------------------------------------------------------

    def contact(self, contact: str) -> Source:
        """A contact's profile (``contact`` is the contacts table's alias)."""
        layout, column = self.builder.layout, self.builder.column
        if layout.keys:
            return self._keyed(
                contact, layout.profile_keys, layout.contact_lists, layout.contact_id, "contact_id"
            )
        attributes = column(layout.attributes, contact)
        declared = self.catalog.attributes

        def value(field: str) -> Operand:
            if field == "id":
                return self._text_column(column(layout.contact_id, contact))
            if field in layout.contact_columns:
                return self._text_column(column(field, contact))
            kind = declared.get(field) if field not in CONTACT_FIELDS else None
            return self.json.operand(self.json.member(attributes, field), _letter(kind))

        return Source(value=value, any_item=self._elements(attributes))

    def record(self, record: str, type_name: str) -> Source:
        """An interaction record's properties (``record`` is its table's alias)."""
        layout = self.builder.layout
        if layout.keys:
            return self._keyed(
                record,
                layout.property_keys,
                layout.interaction_lists,
                layout.interaction_id,
                "interaction_id",
            )
        properties = self.builder.column(layout.properties, record)
        return Source(
            value=lambda field: self._property(properties, type_name, field),
            any_item=self._elements(properties),
        )

    # -- what aggregates read -----------------------------------------------------------------

    def aggregated(self, record: str, type_name: str, field: str) -> exp.Expr:
        """The value ``min`` / ``max`` / ``distinct`` aggregate: the key, or
        the value read as its declared kind (NULL when of another)."""
        layout = self.builder.layout
        if layout.keys:
            return self.builder.json_text(self.builder.column(layout.property_keys, record), field)
        return self._as_declared(record, type_name, field)

    def aggregate_operand(self, aggregate: exp.Expr, type_name: str, field: str) -> Operand:
        """The result of ``min`` / ``max`` of ``aggregated`` as an operand."""
        if self.builder.layout.keys:
            return key_operand(self.builder, aggregate)
        return known_kind_operand(aggregate, self._declared(type_name, field))

    def number(self, record: str, type_name: str, field: str) -> exp.Expr:
        """The number ``sum`` / ``avg`` add (NULL for any other value)."""
        layout = self.builder.layout
        if layout.keys:
            text = self.builder.json_text(self.builder.column(layout.properties, record), field)
            return exp.cast(text, exp.DataType.Type.DOUBLE)
        return self._as_declared(record, type_name, field)

    # -- helpers ----------------------------------------------------------------------------

    def _declared(self, type_name: str, field: str) -> str:
        return KIND_OF_FIELD[self.catalog.types[type_name].fields[field]]

    def _property(self, properties: exp.Expr, type_name: str, field: str) -> Operand:
        kind = self.catalog.types[type_name].fields.get(field)
        return self.json.operand(self.json.member(properties, field), _letter(kind))

    def _as_declared(self, record: str, type_name: str, field: str) -> exp.Expr:
        properties = self.builder.column(self.builder.layout.properties, record)
        operand = self._property(properties, type_name, field)
        kind = self._declared(type_name, field)
        fits = exp.EQ(this=operand.kind, expression=exp.Literal.string(kind))
        return exp.Case(ifs=[exp.If(this=fits, true=operand.read(kind))])

    def _text_column(self, value: exp.Expr) -> Operand:
        """A contact's own field: a text column, lower-cased by the engine."""

        def read(kind: str) -> exp.Expr:
            if kind != keys.TEXT:
                return exp.Null()
            return self.builder.ordered(exp.Lower(this=value.copy()))

        text = known_kind_operand(value, keys.TEXT)
        return Operand(text.kind, text.missing, read)

    def _elements(self, column: exp.Expr) -> Callable[[str, Test], exp.Expr]:
        def any_item(field: str, test: Test) -> exp.Expr:
            member = self.json.member(column.copy(), field)
            return self.json.any_element(
                member, lambda element: test(self.json.operand(element, None))
            )

        return any_item

    def _keyed(
        self, alias: str, keys_column: str, lists_table: str, owner_column: str, list_owner: str
    ) -> Source:
        builder = self.builder

        def value(field: str) -> Operand:
            key = builder.json_text(builder.column(keys_column, alias), field)
            return key_operand(builder, key)

        def any_item(field: str, test: Test) -> exp.Expr:
            lists = self.alias("l")
            element = key_operand(builder, builder.column("k", lists))
            return exp.Exists(
                this=exp.select(exp.Literal.number(1))
                .from_(builder.table(lists_table, lists))
                .where(
                    exp.EQ(
                        this=builder.column(list_owner, lists),
                        expression=builder.column(owner_column, alias),
                    ),
                    exp.EQ(
                        this=builder.column("field", lists),
                        expression=exp.Literal.string(field),
                    ),
                    test(element),
                )
            )

        return Source(value=value, any_item=any_item)


def _letter(kind: str | None) -> str | None:
    return None if kind is None else KIND_OF_FIELD[kind]

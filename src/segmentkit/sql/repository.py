"""``SqlRepository``: the repository kept in a database (DuckDB or PostgreSQL).

Everything lives in the tables (``sql.schema``): contacts, interactions,
types and saved segments, so a second process that opens the same database
sees the same repository. Writes take the in-memory repository's checks,
the same functions, with what they need to know of the stored records read
from the database first (which ids exist, which contacts a batch names), and
each write is one transaction. Queries run as one statement
(``compile_query``); the top-level ``evaluate`` runs them here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from types import MappingProxyType
from typing import Any

from pydantic import TypeAdapter
from sqlglot import exp

from segmentkit.errors import InvalidArgumentError, RecordError
from segmentkit.language.ast import Query, SegmentReference
from segmentkit.models.records import Contact, Interaction, InteractionType, Segment
from segmentkit.models.values import FieldKind
from segmentkit.repository.attributes import checked_kinds, declaration_changes
from segmentkit.repository.segment_catalog import SegmentCatalog
from segmentkit.sql.compile import compile_query
from segmentkit.sql.connection import Connection, connect
from segmentkit.sql.layout import TableLayout
from segmentkit.sql.rows import (
    contact_from_row,
    contact_table_rows,
    holds_nul,
    interaction_from_row,
    interaction_table_rows,
)
from segmentkit.sql.schema import CONTACT_COLUMNS, create_statements, table_columns
from segmentkit.storage.builtin_types import BUILTIN_TYPES
from segmentkit.storage.contact_table import ContactTable, fitted, new_contact_ids
from segmentkit.storage.interaction_store import registration_changes
from segmentkit.storage.validation import (
    TypeSchema,
    batch_items,
    did_you_mean,
    interaction_rows,
    validate_items,
    validate_one,
)

__all__ = ["SqlRepository"]

_INTERACTIONS = TypeAdapter(list[Interaction])


@dataclass(frozen=True)
class _Catalog:
    types: Mapping[str, InteractionType]
    segments: Mapping[str, Segment]
    attributes: Mapping[str, FieldKind]


class SqlRepository:
    """A repository whose records live in a DuckDB or PostgreSQL database."""

    def __init__(self, connection: Any, *, layout: TableLayout | None = None) -> None:
        self._db: Connection = connect(connection)
        self.layout = layout if layout is not None else TableLayout()
        self.dialect = self._db.dialect
        self._columns = table_columns(self.layout, self.dialect)
        if self.layout.keys:
            with self._db.transaction():
                for statement in create_statements(self.layout, self.dialect):
                    self._db.run(statement)
                if not self._db.rows(
                    self._select(self.layout.types, ["name"]).limit(1).sql(dialect=self.dialect)
                ):
                    self._write_types(BUILTIN_TYPES)

    # -- SQL helpers --------------------------------------------------------------------

    def _table(self, name: str) -> exp.Table:
        schema = self.layout.schema_name
        return exp.Table(
            this=exp.to_identifier(name, quoted=True),
            db=exp.to_identifier(schema, quoted=True) if schema else None,
        )

    def _select(self, table: str, columns: Sequence[str]) -> exp.Select:
        return exp.select(*(exp.column(c, quoted=True) for c in columns)).from_(self._table(table))

    def _sql(self, expression: exp.Expr) -> str:
        return expression.sql(dialect=self.dialect)

    def _insert(self, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
        self._db.insert(self._table(table), self._columns[table], rows)

    def _storable(self, records: Sequence[Any], noun: str) -> None:
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

    def _among(self, column: str) -> exp.Expr:
        """``column`` is one of the texts bound as parameter ``ids`` (a list):
        one parameter however many ids, so a batch of a million is one query."""
        ids = exp.cast(exp.Placeholder(this="ids"), exp.DataType.build("ARRAY<TEXT>"))
        return exp.column(column, quoted=True).isin(
            query=exp.select(exp.Unnest(expressions=[ids]))
        )

    def _existing(self, table: str, column: str, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` are in ``table.column``."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return set()
        query = self._select(table, [column]).where(self._among(column))
        return {row[0] for row in self._db.rows(self._sql(query), {"ids": wanted})}

    # -- types ----------------------------------------------------------------------------

    def types(self) -> Mapping[str, InteractionType]:
        """The registered types by name (built-in ones included)."""
        if not self.layout.keys:
            return MappingProxyType({t.name: t for t in BUILTIN_TYPES})
        rows = self._db.rows(self._sql(self._select(self.layout.types, ["definition"])))
        found = (InteractionType.model_validate_json(row[0]) for row in rows)
        return MappingProxyType({t.name: t for t in sorted(found, key=lambda t: t.name)})

    def _write_types(self, types: Iterable[InteractionType]) -> None:
        self._insert(self.layout.types, [(t.name, t.model_dump_json()) for t in types])

    def register_type(self, interaction_type: InteractionType | Mapping[str, Any]) -> None:
        """Register an interaction type; the same rules as ``InMemoryRepository``."""
        new = validate_one(InteractionType, interaction_type, "interaction type")
        self._storable([new], "interaction type")
        old = self.types().get(new.name)
        if old is not None and not registration_changes(old, new):
            return
        with self._db.transaction():
            self._delete(self.layout.types, "name", new.name)
            self._write_types([new])

    def _delete(self, table: str, column: str, value: str) -> None:
        statement = exp.delete(self._table(table)).where(
            exp.EQ(this=exp.column(column, quoted=True), expression=exp.Placeholder(this="v"))
        )
        self._db.run(self._sql(statement), {"v": value})

    # -- contacts ---------------------------------------------------------------------------

    def add_contacts(self, records: Iterable[Contact | Mapping[str, Any]]) -> int:
        """Add a batch of contacts; all or nothing. Returns how many."""
        batch = ContactTable.validated(records)
        self._storable(batch, "contact")
        declared = self.attributes()
        if declared:
            schema = TypeSchema("contact", dict(declared), (), noun="attribute")
            batch = [fitted(contact, schema, position) for position, contact in enumerate(batch)]
        known = self._existing(self.layout.contacts, self.layout.contact_id, (c.id for c in batch))
        new_contact_ids(batch, known)
        rows, lists = contact_table_rows(batch)
        with self._db.transaction():
            self._insert(self.layout.contacts, rows)
            self._insert(self.layout.contact_lists, lists)
        return len(batch)

    def attributes(self) -> Mapping[str, FieldKind]:
        """The declared contact attribute kinds, ``{}`` until declared."""
        if not self.layout.keys:
            return MappingProxyType({})
        rows = self._db.rows(self._sql(self._select(self.layout.attribute_kinds, ["name", "kind"])))
        return MappingProxyType({name: kind for name, kind in sorted(rows)})

    def declare_attributes(self, kinds: Mapping[str, FieldKind]) -> None:
        """Declare contact attribute kinds; the in-memory repository's rules
        (declarations add up; contacts that do not fit, or a live segment that
        would no longer check, refuse it and nothing changes)."""
        declared = checked_kinds(kinds)
        if not declared:
            return
        merged = {**self.attributes(), **declared}
        contacts = list(self.contacts())
        catalog = SegmentCatalog.restored(self.segments())
        _, changed = declaration_changes(merged, contacts, catalog, self.types())
        rows, lists = contact_table_rows(changed.values())
        with self._db.transaction():
            for contact in changed.values():
                self._delete(self.layout.contacts, self.layout.contact_id, contact.id)
                self._delete(self.layout.contact_lists, "contact_id", contact.id)
            self._insert(self.layout.contacts, rows)
            self._insert(self.layout.contact_lists, lists)
            for name in declared:
                self._delete(self.layout.attribute_kinds, "name", name)
            self._insert(self.layout.attribute_kinds, sorted(declared.items()))

    def contacts(self) -> Iterator[Contact]:
        columns = [self.layout.contact_id, *CONTACT_COLUMNS, self.layout.attributes]
        query = self._select(self.layout.contacts, columns).order_by(
            exp.column(self.layout.contact_id, quoted=True)
        )
        return (contact_from_row(row) for row in self._db.rows(self._sql(query)))

    # -- interactions ---------------------------------------------------------------------------

    def add_interactions(self, records: Iterable[Interaction | Mapping[str, Any]]) -> int:
        """Add a batch of interactions; all or nothing, the in-memory checks. Returns how many."""
        items = batch_items(records, "interaction")
        batch = validate_items(_INTERACTIONS, items, "interaction")
        self._storable(batch, "interaction")
        types = self.types()
        schemas = {name: TypeSchema.of(t) for name, t in types.items()}
        named = {record.contact_id for record in batch}
        for record in batch:
            schema = schemas.get(record.type)
            for field in schema.references if schema is not None else ():
                value = record.properties.get(field)
                if isinstance(value, str):
                    named.add(value)
        layout = self.layout
        contacts = self._existing(layout.contacts, layout.contact_id, named)
        known = self._existing(layout.interactions, layout.interaction_id, (r.id for r in batch))
        checked = interaction_rows(
            batch, schemas=schemas, positions=dict.fromkeys(contacts, 0), known_ids=known
        )
        fitted = [row[2] for type_rows in checked.values() for row in type_rows]
        rows, lists = interaction_table_rows(fitted)
        with self._db.transaction():
            self._insert(layout.interactions, rows)
            self._insert(layout.interaction_lists, lists)
        return len(batch)

    def interactions(self) -> Iterator[Interaction]:
        layout = self.layout
        columns = [
            layout.interaction_id,
            layout.type,
            layout.interaction_contact,
            layout.timestamp,
            layout.canceled,
            layout.properties,
        ]
        query = self._select(layout.interactions, columns).order_by(
            exp.column(layout.timestamp, quoted=True),
            exp.column(layout.interaction_id, quoted=True),
        )
        return (interaction_from_row(row) for row in self._db.rows(self._sql(query)))

    def cancel_interactions(self, ids: Iterable[str]) -> int:
        """Mark interactions canceled; an unknown id is a RecordError and changes nothing."""
        if isinstance(ids, str | bytes):
            ids = [ids]
        try:
            wanted = list(ids)
        except Exception as error:
            raise RecordError(f"expected an iterable of interaction ids: {error}") from None
        layout = self.layout
        strings = [i for i in wanted if isinstance(i, str)]
        known = self._existing(layout.interactions, layout.interaction_id, strings)
        for position, interaction_id in enumerate(wanted):
            if not (isinstance(interaction_id, str) and interaction_id in known):
                raise RecordError(f"no interaction with id {interaction_id!r}", position=position)
        params = {"ids": list(dict.fromkeys(strings))}
        if not params["ids"]:
            return 0
        matching = exp.and_(
            self._among(layout.interaction_id),
            exp.not_(exp.column(layout.canceled, quoted=True)),
        )
        counted = (
            exp.select(exp.Count(this=exp.Star()))
            .from_(self._table(layout.interactions))
            .where(matching)
        )
        update = exp.update(
            self._table(layout.interactions), {layout.canceled: exp.true()}, where=matching.copy()
        )
        with self._db.transaction():
            changed = int(self._db.rows(self._sql(counted), params)[0][0])
            self._db.run(self._sql(update), params)
        return changed

    # -- segments ---------------------------------------------------------------------------------

    def segments(self) -> Iterator[Segment]:
        query = self._select(self.layout.segments, ["definition"]).order_by(
            exp.column("position", quoted=True)
        )
        return (Segment.model_validate_json(row[0]) for row in self._db.rows(self._sql(query)))

    def catalog(self) -> _Catalog:
        """What queries are checked against: types, segments, attribute kinds."""
        return _Catalog(
            self.types(),
            MappingProxyType({s.name: s for s in self.segments()}),
            self.attributes(),
        )

    def save_segment(self, segment: Segment | Mapping[str, Any]) -> None:
        """Create or replace a segment by name; the in-memory repository's checks."""
        new = validate_one(Segment, segment, "segment")
        self._storable([new], "segment")
        saved = list(self.segments())
        members = new.members or ()
        contacts = self._existing(self.layout.contacts, self.layout.contact_id, members)
        SegmentCatalog.restored(saved).saved(
            new, types=self.types(), contacts=contacts, attributes=self.attributes()
        )
        self._write_segment(new, saved)

    def _write_segment(self, segment: Segment, saved: list[Segment]) -> None:
        names = [s.name for s in saved]
        position = names.index(segment.name) if segment.name in names else len(names)
        with self._db.transaction():
            self._delete(self.layout.segments, "name", segment.name)
            row = (segment.name, position, segment.model_dump_json())
            self._insert(self.layout.segments, [row])

    def go_live(self, name: str) -> Segment:
        saved = list(self.segments())
        _, segment = SegmentCatalog.restored(saved).went_live(
            name, types=self.types(), attributes=self.attributes()
        )
        self._write_segment(segment, saved)
        return segment

    def stop(self, name: str) -> Segment:
        saved = list(self.segments())
        _, segment = SegmentCatalog.restored(saved).stopped(name)
        self._write_segment(segment, saved)
        return segment

    # -- queries -----------------------------------------------------------------------------------

    def evaluate_query(
        self, query: Query | str, *, now: datetime, tz: str | tzinfo = "UTC"
    ) -> frozenset[str]:
        """The members of ``query`` as of ``now``: one statement in the database."""
        compiled = compile_query(query, self, now=now, tz=tz, dialect=self.dialect)
        return frozenset(row[0] for row in self._db.rows(compiled.sql, compiled.params))

    def members(
        self, segment_name: str, *, now: datetime, tz: str | tzinfo = "UTC"
    ) -> frozenset[str]:
        """The members of saved live segment ``segment_name`` as of ``now``
        (an unsaved name is an InvalidArgumentError, as in memory)."""
        saved = {segment.name for segment in self.segments()}
        if not isinstance(segment_name, str) or segment_name not in saved:
            raise InvalidArgumentError(
                f"no segment named {segment_name!r} is saved"
                + (did_you_mean(segment_name, saved) if isinstance(segment_name, str) else ""),
                argument="segment_name",
            )
        return self.evaluate_query(SegmentReference(name=segment_name), now=now, tz=tz)

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

from collections.abc import Iterable, Iterator, Mapping
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
from segmentkit.sql.given_catalog import GivenCatalog, given_catalog
from segmentkit.sql.layout import TableLayout
from segmentkit.sql.rows import (
    contact_from_row,
    contact_table_rows,
    interaction_from_row,
    interaction_table_rows,
)
from segmentkit.sql.schema import CONTACT_COLUMNS
from segmentkit.sql.tables import Tables, equals
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


class SqlRepository:
    """A repository whose records live in a DuckDB or PostgreSQL database."""

    def __init__(
        self,
        connection: Any,
        *,
        layout: TableLayout | None = None,
        types: Iterable[InteractionType | Mapping[str, Any]] | None = None,
        segments: Iterable[Segment | Mapping[str, Any]] | None = None,
        attributes: Mapping[str, FieldKind] | None = None,
    ) -> None:
        """Over segmentkit's own tables (the default layout) everything is in
        the database. Over a user's own tables (``TableLayout(keys=False)``)
        the repository is read-only and ``types``, ``segments`` and
        ``attributes`` are its catalog (docs/sql.md "Your own tables")."""
        if layout is not None and not isinstance(layout, TableLayout):
            raise InvalidArgumentError("layout must be a TableLayout", argument="layout")
        self._db: Connection = connect(connection)
        self.layout = layout if layout is not None else TableLayout()
        self.dialect = self._db.dialect
        self._tables = Tables(self._db, self.layout)
        self._given: GivenCatalog | None = None
        if not self.layout.keys:
            self._given = given_catalog(types, segments, attributes)
            return
        if types is not None or segments is not None or attributes is not None:
            raise InvalidArgumentError(
                "types, segments and attributes are given only over your own tables "
                "(TableLayout(keys=False)); here register_type, save_segment and "
                "declare_attributes keep them in the database",
                argument="types" if types is not None else "segments",
            )
        if not self._tables.ready():
            with self._db.transaction():
                self._tables.create()
                any_type = self._tables.select(self.layout.types, ["name"]).limit(1)
                if not self._tables.rows(any_type):
                    self._write_types(BUILTIN_TYPES)

    @property
    def _canceled(self) -> str:
        # Own tables always have the column (TableLayout checks it).
        return self.layout.canceled or "canceled"

    def _writable(self, action: str) -> None:
        """Refuse a write over a user's own tables, which segmentkit only reads."""
        if self._given is not None:
            raise InvalidArgumentError(
                f"{action} needs segmentkit's own tables: a TableLayout with keys=False "
                "points at your own tables, which segmentkit only reads",
                argument="layout",
            )

    # -- types ----------------------------------------------------------------------------

    def types(self) -> Mapping[str, InteractionType]:
        """The registered types by name (built-in ones included)."""
        if self._given is not None:
            return self._given.types
        rows = self._tables.rows(self._tables.select(self.layout.types, ["definition"]))
        found = (InteractionType.model_validate_json(row[0]) for row in rows)
        return MappingProxyType({t.name: t for t in sorted(found, key=lambda t: t.name)})

    def _write_types(self, types: Iterable[InteractionType]) -> None:
        self._tables.insert(self.layout.types, [(t.name, t.model_dump_json()) for t in types])

    def register_type(self, interaction_type: InteractionType | Mapping[str, Any]) -> None:
        """Register an interaction type; the same rules as ``InMemoryRepository``."""
        self._writable("register_type")
        new = validate_one(InteractionType, interaction_type, "interaction type")
        self._tables.refuse_unstorable([new], "interaction type")
        old = self.types().get(new.name)
        if old is not None and not registration_changes(old, new):
            return
        with self._db.transaction():
            self._tables.delete(self.layout.types, "name", new.name)
            self._write_types([new])

    # -- contacts ---------------------------------------------------------------------------

    def add_contacts(self, records: Iterable[Contact | Mapping[str, Any]]) -> int:
        """Add a batch of contacts; all or nothing. Returns how many."""
        self._writable("add_contacts")
        batch = ContactTable.validated(records)
        self._tables.refuse_unstorable(batch, "contact")
        declared = self.attributes()
        if declared:
            schema = TypeSchema("contact", dict(declared), (), noun="attribute")
            batch = [fitted(contact, schema, position) for position, contact in enumerate(batch)]
        ids = (c.id for c in batch)
        known = self._tables.existing(self.layout.contacts, self.layout.contact_id, ids)
        new_contact_ids(batch, known)
        rows, lists = contact_table_rows(batch)
        with self._tables.adding("contact"):
            self._tables.insert(self.layout.contacts, rows)
            self._tables.insert(self.layout.contact_lists, lists)
        return len(batch)

    def attributes(self) -> Mapping[str, FieldKind]:
        """The declared contact attribute kinds, ``{}`` until declared."""
        if self._given is not None:
            return self._given.attributes
        rows = self._tables.rows(self._tables.select(self.layout.attribute_kinds, ["name", "kind"]))
        return MappingProxyType({name: kind for name, kind in sorted(rows)})

    def declare_attributes(self, kinds: Mapping[str, FieldKind]) -> None:
        """Declare contact attribute kinds; the in-memory repository's rules
        (declarations add up; contacts that do not fit, or a live segment that
        would no longer check, refuse it and nothing changes)."""
        self._writable("declare_attributes")
        declared = checked_kinds(kinds)
        if not declared:
            return
        merged = {**self.attributes(), **declared}
        contacts = list(self.contacts())
        catalog = SegmentCatalog.restored(self.segments())
        _, converted = declaration_changes(
            merged, ((c.id, c.attributes) for c in contacts), catalog, self.types()
        )
        changed = {
            position: contacts[position].model_copy(update={"attributes": attributes})
            for position, attributes in converted.items()
        }
        rows, lists = contact_table_rows(changed.values())
        with self._db.transaction():
            for contact in changed.values():
                self._tables.delete(self.layout.contacts, self.layout.contact_id, contact.id)
                self._tables.delete(self.layout.contact_lists, "contact_id", contact.id)
            self._tables.insert(self.layout.contacts, rows)
            self._tables.insert(self.layout.contact_lists, lists)
            for name in declared:
                self._tables.delete(self.layout.attribute_kinds, "name", name)
            self._tables.insert(self.layout.attribute_kinds, sorted(declared.items()))

    def contacts(self) -> Iterator[Contact]:
        """Every contact, by id."""
        self._writable("reading contacts back")
        query = self._contact_select().order_by(exp.column(self.layout.contact_id, quoted=True))
        return (contact_from_row(row) for row in self._tables.rows(query))

    def get_contact(self, contact_id: str) -> Contact | None:
        """The contact with this id, or None."""
        self._writable("reading contacts back")
        if not isinstance(contact_id, str):
            return None
        query = self._contact_select().where(equals(self.layout.contact_id))
        rows = self._tables.rows(query, {"v": contact_id})
        return contact_from_row(rows[0]) if rows else None

    def _contact_select(self) -> exp.Select:
        columns = [self.layout.contact_id, *CONTACT_COLUMNS, self.layout.attributes]
        return self._tables.select(self.layout.contacts, columns)

    # -- interactions ---------------------------------------------------------------------------

    def add_interactions(self, records: Iterable[Interaction | Mapping[str, Any]]) -> int:
        """Add a batch of interactions; all or nothing, the in-memory checks. Returns how many."""
        self._writable("add_interactions")
        items = batch_items(records, "interaction")
        batch = validate_items(_INTERACTIONS, items, "interaction")
        self._tables.refuse_unstorable(batch, "interaction")
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
        contacts = self._tables.existing(layout.contacts, layout.contact_id, named)
        ids = (r.id for r in batch)
        known = self._tables.existing(layout.interactions, layout.interaction_id, ids)
        checked = interaction_rows(
            batch, schemas=schemas, positions=dict.fromkeys(contacts, 0), known_ids=known
        )
        fitted = [row[2] for type_rows in checked.values() for row in type_rows]
        rows, lists = interaction_table_rows(fitted)
        with self._tables.adding("interaction"):
            self._tables.insert(layout.interactions, rows)
            self._tables.insert(layout.interaction_lists, lists)
        return len(batch)

    def interactions(self, type: str | None = None) -> Iterator[Interaction]:
        """The interactions of one type, or of all, oldest first (ties by id).

        An unregistered type name raises InvalidArgumentError, as in memory."""
        self._writable("reading interactions back")
        layout = self.layout
        query = self._interaction_select()
        params: dict[str, Any] = {}
        if type is not None:
            types = self.types()
            if not isinstance(type, str) or type not in types:
                raise InvalidArgumentError(
                    f"no interaction type named {type!r} is registered"
                    + (did_you_mean(type, types) if isinstance(type, str) else ""),
                    argument="type",
                )
            query = query.where(equals(layout.type))
            params["v"] = type
        query = query.order_by(
            exp.column(layout.timestamp, quoted=True),
            exp.column(layout.interaction_id, quoted=True),
        )
        return (interaction_from_row(row) for row in self._tables.rows(query, params))

    def get_interaction(self, interaction_id: str) -> Interaction | None:
        """The interaction with this id, or None."""
        self._writable("reading interactions back")
        if not isinstance(interaction_id, str):
            return None
        query = self._interaction_select().where(equals(self.layout.interaction_id))
        rows = self._tables.rows(query, {"v": interaction_id})
        return interaction_from_row(rows[0]) if rows else None

    def _interaction_select(self) -> exp.Select:
        layout = self.layout
        columns = [
            layout.interaction_id,
            layout.type,
            layout.interaction_contact,
            layout.timestamp,
            self._canceled,
            layout.properties,
        ]
        return self._tables.select(layout.interactions, columns)

    def cancel_interactions(self, ids: Iterable[str]) -> int:
        """Mark interactions canceled; an unknown id is a RecordError and changes nothing."""
        self._writable("cancel_interactions")
        if isinstance(ids, str | bytes):
            ids = [ids]
        try:
            wanted = list(ids)
        except Exception as error:
            raise RecordError(f"expected an iterable of interaction ids: {error}") from None
        layout = self.layout
        strings = [i for i in wanted if isinstance(i, str)]
        known = self._tables.existing(layout.interactions, layout.interaction_id, strings)
        for position, interaction_id in enumerate(wanted):
            if not (isinstance(interaction_id, str) and interaction_id in known):
                raise RecordError(f"no interaction with id {interaction_id!r}", position=position)
        with self._db.transaction():
            return self._tables.cancel(strings)

    # -- segments ---------------------------------------------------------------------------------

    def segments(self) -> Iterator[Segment]:
        if self._given is not None:
            return iter(self._given.segments.values())
        query = self._tables.select(self.layout.segments, ["definition"]).order_by(
            exp.column("position", quoted=True)
        )
        return (Segment.model_validate_json(row[0]) for row in self._tables.rows(query))

    def get_segment(self, name: str) -> Segment | None:
        """The saved segment with this name, or None."""
        if not isinstance(name, str):
            return None
        if self._given is not None:
            return self._given.segments.get(name)
        query = self._tables.select(self.layout.segments, ["definition"]).where(equals("name"))
        rows = self._tables.rows(query, {"v": name})
        return Segment.model_validate_json(rows[0][0]) if rows else None

    def catalog(self) -> GivenCatalog:
        """What queries are checked against: types, segments, attribute kinds."""
        return GivenCatalog(
            self.types(),
            MappingProxyType({s.name: s for s in self.segments()}),
            self.attributes(),
        )

    def save_segment(self, segment: Segment | Mapping[str, Any]) -> None:
        """Create or replace a segment by name; the in-memory repository's checks."""
        self._writable("save_segment")
        new = validate_one(Segment, segment, "segment")
        self._tables.refuse_unstorable([new], "segment")
        saved = list(self.segments())
        members = new.members or ()
        contacts = self._tables.existing(self.layout.contacts, self.layout.contact_id, members)
        SegmentCatalog.restored(saved).saved(
            new, types=self.types(), contacts=contacts, attributes=self.attributes()
        )
        self._write_segment(new, saved)

    def _write_segment(self, segment: Segment, saved: list[Segment]) -> None:
        names = [s.name for s in saved]
        position = names.index(segment.name) if segment.name in names else len(names)
        with self._db.transaction():
            self._tables.delete(self.layout.segments, "name", segment.name)
            row = (segment.name, position, segment.model_dump_json())
            self._tables.insert(self.layout.segments, [row])

    def go_live(self, name: str) -> Segment:
        self._writable("go_live")
        saved = list(self.segments())
        _, segment = SegmentCatalog.restored(saved).went_live(
            name, types=self.types(), attributes=self.attributes()
        )
        self._write_segment(segment, saved)
        return segment

    def stop(self, name: str) -> Segment:
        self._writable("stop")
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

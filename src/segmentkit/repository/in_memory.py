"""The in-memory repository: contacts, their interaction log, types and saved segments.

Writes are all or nothing: a batch is validated completely (pydantic for
the records, the type schemas, the contacts they name, duplicate ids)
before anything is stored, so a refused batch leaves the repository exactly
as it was. Several writes become one with ``transaction()``. Readers work on
``Snapshot``s (``segmentkit.storage.store``): immutable views that a later
write never changes, so evaluation needs no lock and a reader in another
thread sees a batch, or a transaction, entirely or not at all.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, tzinfo
from heapq import merge
from operator import attrgetter
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel

from segmentkit.engine.evaluate import evaluate
from segmentkit.errors import InvalidArgumentError, RecordError
from segmentkit.language.ast import Query, SegmentReference
from segmentkit.models.records import Contact, Interaction, InteractionType, Segment
from segmentkit.models.values import FieldKind
from segmentkit.repository.attributes import checked_kinds, declaration_changes
from segmentkit.repository.segment_catalog import SegmentCatalog
from segmentkit.repository.snapshot_files import SavedRepository, read_snapshot, save_snapshot
from segmentkit.repository.transaction import Savepoint
from segmentkit.repository.transactional import Transactional
from segmentkit.storage.arrow_tables import arrow_table, read_interactions
from segmentkit.storage.builtin_types import BUILTIN_TYPES
from segmentkit.storage.collection import collection_paused
from segmentkit.storage.contact_table import ContactTable
from segmentkit.storage.interaction_store import InteractionStore
from segmentkit.storage.store import Snapshot
from segmentkit.storage.validation import TypeSchema, batch_items, did_you_mean, validate_one

__all__ = ["InMemoryRepository"]


class InMemoryRepository(Transactional):
    """Contacts, interactions, interaction types and segments, held in memory.

    A new repository has the Dynamics 365 Marketing types
    (``segmentkit.storage.builtin_types``) registered. Safe to share between
    threads: writes are serialised by one lock; reads go through snapshots.
    """

    def __init__(self) -> None:
        super().__init__()
        self._contacts = ContactTable()
        self._store = InteractionStore(self._contacts.ids)
        # Immutable values, replaced on write: a snapshot or a savepoint
        # holds them as they are.
        self._catalog = SegmentCatalog()
        self._extensions: Mapping[str, BaseModel] = MappingProxyType({})
        # Declared contact attribute kinds ({} until declared) and the schema
        # contacts are checked against once they are.
        self._attributes: Mapping[str, FieldKind] = MappingProxyType({})
        self._attribute_schema: TypeSchema | None = None
        for interaction_type in BUILTIN_TYPES:
            self.register_type(interaction_type)

    # --- transactions (Transactional) ---------------------------------------------

    def _savepoint(self) -> Savepoint:
        return Savepoint(
            contacts=self._contacts.savepoint(),
            store=self._store.savepoint(),
            catalog=self._catalog,
            extensions=self._extensions,
            attributes=(self._attributes, self._attribute_schema),
        )

    def _restore(self, savepoint: Savepoint) -> None:
        self._contacts.restore(savepoint.contacts)
        self._store.restore(savepoint.store)
        self._catalog = savepoint.catalog
        self._extensions = savepoint.extensions
        self._attributes, self._attribute_schema = savepoint.attributes

    def _release(self) -> None:
        self._store.release()

    # --- types ----------------------------------------------------------------------

    def register_type(self, interaction_type: InteractionType | Mapping[str, Any]) -> None:
        """Register an interaction type so that records and queries may use it.

        Registering a type again with the same fields and contact references
        is allowed (only its description is updated); a different schema
        under a registered name is refused: records and saved queries rely on it.
        """
        new = validate_one(InteractionType, interaction_type, "interaction type")
        with self._lock:
            if self._store.register(new):
                self._changed()

    def types(self) -> Mapping[str, InteractionType]:
        """The registered types by name (a read-only view as of this call)."""
        published = self._foreign_transaction()
        if published is not None:
            return published.types
        return MappingProxyType(self._store.types)

    # --- contacts ------------------------------------------------------------------

    def add_contacts(self, records: Iterable[Contact | Mapping[str, Any]] | Any) -> int:
        """Add a batch of contacts (models or dicts); all or nothing. Returns how many.

        The batch may also be Arrow data: a ``pyarrow.Table`` or
        ``RecordBatch``, or a pandas or polars DataFrame (docs/data.md).
        """
        # Every model and dict made here is kept or freed by its count: the
        # cyclic collector would walk them again and again (half the time).
        with collection_paused():
            batch = ContactTable.validated(records)
            with self._lock:
                added = self._contacts.add(batch, self._attribute_schema)
                if added:
                    self._changed()
                return added

    def declare_attributes(self, kinds: Mapping[str, FieldKind]) -> None:
        """Declare the kinds of contact attributes (API.md "Contact attribute kinds").

        Declarations add up: each call declares (or re-declares) the keys it
        names. From the first one on, every contact's attributes must be
        declared keys holding values of their kind (ISO text is converted for
        date and datetime), and a profile condition may name only contact
        fields and declared attributes. Existing contacts that do not fit, or
        a live segment whose query names an attribute left undeclared, make
        it a RecordError, and nothing changes.
        """
        declared = checked_kinds(kinds)
        if not declared:
            return  # declaring nothing leaves attributes free-form, as attributes() says
        with self._lock:
            merged = {**self._attributes, **declared}
            schema, changed = declaration_changes(
                merged, self._contacts.attribute_items(), self._catalog, self._store.types
            )
            self._contacts.replace(changed)
            self._attributes = MappingProxyType(merged)
            self._attribute_schema = schema
            self._changed()

    def attributes(self) -> Mapping[str, FieldKind]:
        """The declared contact attribute kinds, ``{}`` until declared."""
        published = self._foreign_transaction()
        return published.attributes if published is not None else self._attributes

    def get_contact(self, contact_id: str) -> Contact | None:
        """The contact with this id, or None."""
        published = self._foreign_transaction()
        if published is not None:
            position = published.positions.get(contact_id)
            return None if position is None else published.contacts[position]
        return self._contacts.get(contact_id)

    def contacts(self) -> Iterator[Contact]:
        """Every contact, in the order they were added."""
        return iter(self.snapshot().contacts)

    # --- interactions --------------------------------------------------------------

    def add_interactions(self, records: Iterable[Interaction | Mapping[str, Any]] | Any) -> int:
        """Add a batch of interactions (models or dicts); all or nothing. Returns how many.

        Each record's type must be registered, its properties must fit the
        type's fields (ISO text for a date or datetime field is converted),
        its contact and every contact-reference property must name an
        existing contact, and its id must be new. The batch may also be
        Arrow data: a ``pyarrow.Table`` or ``RecordBatch``, or a pandas or
        polars DataFrame (docs/data.md), checked the same way.
        """
        table = arrow_table(records)
        if table is not None:
            columns = read_interactions(table)  # converted before the lock is taken
            with self._lock:
                added = self._store.add_table(columns, self._contacts)
                if added:
                    self._changed()
                return added
        with collection_paused():  # as for contacts
            items = batch_items(records, "interaction")
            with self._lock:
                added = self._store.add(items, self._contacts.positions)
                if added:
                    self._changed()
                return added

    def interactions(self, type: str | None = None) -> Iterator[Interaction]:
        """The interactions of one type (oldest first) or of all types merged by timestamp.

        An unregistered type name raises InvalidArgumentError.
        """
        logs = self.snapshot().logs
        if type is None:
            return merge(*(iter(view) for view in logs.values()), key=attrgetter("timestamp"))
        view = logs.get(type) if isinstance(type, str) else None
        if view is None:
            raise InvalidArgumentError(
                f"no interaction type named {type!r} is registered"
                + (did_you_mean(type, logs) if isinstance(type, str) else ""),
                argument="type",
            )
        return iter(view)

    def get_interaction(self, interaction_id: str) -> Interaction | None:
        """The interaction with this id, or None.

        Ids are not indexed (at millions of records an index costs more than
        the rare lookup): an unknown id is answered at once, a known one by a
        scan of the id columns.
        """
        if not isinstance(interaction_id, str):
            return None
        if self._foreign_transaction() is None and interaction_id not in self._store.ids:
            return None
        for view in self.snapshot().logs.values():
            try:
                index = view.ids.index(interaction_id, 0, view.length)
            except ValueError:
                continue
            return view.record(index)
        return None

    def cancel_interactions(self, ids: Iterable[str]) -> int:
        """Mark the interactions with these ids canceled; returns how many changed.

        Canceled interactions stay in the log but no longer count in queries.
        An unknown id is a RecordError and nothing is changed.
        """
        if isinstance(ids, (str, bytes)):
            ids = [ids]
        try:
            wanted = list(ids)
        except Exception as error:
            raise RecordError(f"expected an iterable of interaction ids: {error}") from None
        with self._lock:
            changed = self._store.cancel(wanted)
            if changed:
                self._changed()
            return changed

    # --- segments ------------------------------------------------------------------

    def save_segment(self, segment: Segment | Mapping[str, Any]) -> None:
        """Create or replace a segment by name.

        A static segment's members must all be contacts of the repository. A
        live dynamic segment's query must parse and name known types, fields
        and segments (QuerySyntaxError / QueryValidationError), refer only to
        live segments (SegmentStatusError), and must not make segments refer
        to each other in a circle (SegmentCycleError). A draft is checked
        when it goes live. A segment that live segments refer to cannot be
        replaced by one that is not live. Nothing is saved when any of this fails.
        """
        new = validate_one(Segment, segment, "segment")
        with self._lock:
            self._catalog = self._catalog.saved(
                new,
                types=self._store.types,
                contacts=self._contacts.positions,
                attributes=self._attributes,
            )
            self._changed()

    def go_live(self, name: str) -> Segment:
        """Put a saved segment live, after checking its query as saving a live one does.

        Returns the updated segment. A segment that is live already is returned as it is.
        """
        with self._lock:
            self._catalog, segment = self._catalog.went_live(
                name, types=self._store.types, attributes=self._attributes
            )
            self._changed()
            return segment

    def stop(self, name: str) -> Segment:
        """Stop a live segment: it has no members until it goes live again.

        Refused (SegmentStatusError naming them) while live segments refer to it.
        """
        with self._lock:
            self._catalog, segment = self._catalog.stopped(name)
            self._changed()
            return segment

    def get_segment(self, name: str) -> Segment | None:
        """The saved segment with this name, or None."""
        published = self._foreign_transaction()
        if published is not None:
            return published.segments.get(name) if isinstance(name, str) else None
        return self._catalog.get(name)

    def segments(self) -> Iterator[Segment]:
        """Every saved segment, in the order they were first saved."""
        published = self._foreign_transaction()
        segments = published.segments if published is not None else self._catalog.segments
        return iter(tuple(segments.values()))

    def parsed_query(self, name: str) -> Query | None:
        """The parsed query of a live dynamic segment (None for static, not live or unknown)."""
        return self._catalog.parsed.get(name) if isinstance(name, str) else None

    def members(
        self, segment_name: str, *, now: datetime, tz: str | tzinfo = "UTC"
    ) -> frozenset[str]:
        """The contact ids in a saved live segment as of ``now``.

        An unsaved segment name raises InvalidArgumentError; a draft or stopped
        one SegmentStatusError (an InvalidArgumentError too).
        """
        snapshot = self.snapshot()
        if not isinstance(segment_name, str) or segment_name not in snapshot.segments:
            raise InvalidArgumentError(
                f"no segment named {segment_name!r} is saved"
                + (
                    did_you_mean(segment_name, snapshot.segments)
                    if isinstance(segment_name, str)
                    else ""
                ),
                argument="segment_name",
            )
        return evaluate(SegmentReference(name=segment_name), snapshot, now=now, tz=tz)

    # --- state kept by other layers --------------------------------------------------

    def extension_state(self, name: str) -> Any:
        """The state another layer keeps here under ``name`` (e.g. ``"marketing"``), or None.

        It is saved with the repository and rolled back with a transaction.
        """
        published = self._foreign_transaction()
        extensions = published.extensions if published is not None else self._extensions
        return extensions.get(name)

    def set_extension_state(self, name: str, state: BaseModel) -> None:
        """Keep ``state`` (a frozen pydantic model) under ``name``, replacing what was there."""
        if not isinstance(state, BaseModel) or not state.model_config.get("frozen"):
            raise InvalidArgumentError(
                "extension state must be a frozen pydantic model", argument="state"
            )
        with self._lock:
            self._extensions = MappingProxyType({**self._extensions, name: state})
            self._changed()

    # --- saving -------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> None:
        """Save everything as a snapshot directory that ``open`` reads back equal.

        Written beside the snapshot it replaces and switched in one rename:
        a crash mid-save leaves the previous snapshot readable. Refuses
        (SnapshotError) to replace a directory that is not a snapshot.
        """
        save_snapshot(self.snapshot(), path)

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> InMemoryRepository:
        """A repository read from a directory that ``save`` wrote, without checking
        every record again: a format version and a checksum per file guard it
        (SnapshotError for a foreign or damaged directory; nothing half-loaded)."""
        return read_snapshot(path, cls._from_saved)

    @classmethod
    def _from_saved(cls, saved: SavedRepository) -> InMemoryRepository:
        repo = cls()
        for interaction_type in saved.types:
            repo.register_type(interaction_type)
        repo.declare_attributes(saved.attributes)  # no contacts yet: nothing to convert
        contacts = saved.contacts  # checked when they were added
        repo._contacts.add_saved(contacts.ids, contacts.fields, contacts.attributes)
        for type_name, table, meta in saved.logs:
            repo._store.load_log(type_name, table, meta)
        repo._catalog = SegmentCatalog.restored(saved.segments)
        repo._extensions = MappingProxyType(dict(saved.extensions))
        return repo

    def _take_snapshot(self) -> Snapshot:
        contacts, contact_ids, positions = self._contacts.frozen()
        return Snapshot(
            contacts=contacts,
            contact_ids=contact_ids,
            positions=positions,
            logs=MappingProxyType(self._store.views()),
            types=MappingProxyType(self._store.types),
            segments=self._catalog.segments,
            indexes=self._contacts.indexes,
            extensions=self._extensions,
            attributes=self._attributes,
        )


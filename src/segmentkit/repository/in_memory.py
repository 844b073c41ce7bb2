"""The in-memory repository: contacts, their interaction log, types and saved segments.

Writes are all or nothing: a batch is validated completely (pydantic for
the records, the type schemas, the contacts they name, duplicate ids)
before anything is stored, so a refused batch leaves the repository exactly
as it was. Readers work on ``Snapshot``s (``segmentkit.storage.store``): immutable
views that a later write never changes, so evaluation needs no lock and a
reader in another thread sees a batch entirely or not at all.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, tzinfo
from heapq import merge
from operator import attrgetter
from types import MappingProxyType
from typing import Any

from pydantic import TypeAdapter

from segmentkit.engine.evaluate import evaluate
from segmentkit.errors import InvalidArgumentError, RecordError, SegmentCycleError
from segmentkit.language.ast import Query, SegmentReference
from segmentkit.language.check import check_names, referenced_segments
from segmentkit.language.parse import parse
from segmentkit.models.records import Contact, Interaction, InteractionType, Segment
from segmentkit.repository.positions import CommittedPositions
from segmentkit.repository.segment_graph import cycle_through
from segmentkit.storage.builtin_types import BUILTIN_TYPES
from segmentkit.storage.ingest import fast_columns
from segmentkit.storage.store import InteractionLog, Snapshot
from segmentkit.storage.validation import (
    TypeSchema,
    batch_items,
    did_you_mean,
    interaction_rows,
    validate_batch,
    validate_items,
    validate_one,
)

__all__ = ["InMemoryRepository"]

_CONTACTS: TypeAdapter[list[Contact]] = TypeAdapter(list[Contact])
_INTERACTIONS: TypeAdapter[list[Interaction]] = TypeAdapter(list[Interaction])


class InMemoryRepository:
    """Contacts, interactions, interaction types and segments, held in memory.

    A new repository has the Dynamics 365 Marketing types
    (``segmentkit.storage.builtin_types``) registered. Safe to share between
    threads: writes are serialised by one lock; reads go through snapshots.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        # Contacts are interned to positions, append-only (the store's layout).
        self._contacts: list[Contact] = []
        self._contact_ids: list[str] = []
        self._positions: dict[str, int] = {}
        # Types and segments are replaced, never mutated, on write (copy on
        # write), so a snapshot can hold the dict itself.
        self._types: dict[str, InteractionType] = {}
        self._segments: dict[str, Segment] = {}
        self._schemas: dict[str, TypeSchema] = {}
        self._logs: dict[str, InteractionLog] = {}
        # Every stored interaction id: finds duplicates. (A set, not an id ->
        # type dict: at millions of records the difference is ~30 bytes each;
        # cancel_interactions, which is rare, looks the ids up in the logs.)
        self._interaction_ids: set[str] = set()
        # Per dynamic segment: its parsed query and the segments it names.
        self._parsed: dict[str, Query] = {}
        self._references: dict[str, tuple[str, ...]] = {}
        self._snapshot: Snapshot | None = None
        self._contact_tuples: tuple[tuple[Contact, ...], tuple[str, ...]] | None = None
        self._contact_indexes: dict[Any, Any] = {}
        for interaction_type in BUILTIN_TYPES:
            self.register_type(interaction_type)

    # --- types ----------------------------------------------------------------

    def register_type(self, interaction_type: InteractionType | Mapping[str, Any]) -> None:
        """Register an interaction type so that records and queries may use it.

        Registering a type again with the same fields and contact references
        is allowed (only its description is updated); a different schema
        under a registered name is refused: records and saved queries rely on it.
        """
        new = validate_one(InteractionType, interaction_type, "interaction type")
        with self._lock:
            old = self._types.get(new.name)
            if old is not None:
                if old.fields != new.fields or old.contact_references != new.contact_references:
                    raise RecordError(
                        f"interaction type {new.name!r} is already registered with other "
                        "fields or contact references; choose another name",
                        record_id=new.name,
                    )
                if old != new:
                    self._types = {**self._types, new.name: new}
                    self._snapshot = None
                return
            self._types = {**self._types, new.name: new}
            self._schemas[new.name] = schema = TypeSchema.of(new)
            self._logs[new.name] = InteractionLog(
                schema.references,
                type_name=new.name,
                contact_names=self._contact_ids,
                field_order=tuple(new.fields),
            )
            self._snapshot = None

    def types(self) -> Mapping[str, InteractionType]:
        """The registered types by name (a read-only view as of this call)."""
        return MappingProxyType(self._types)

    # --- contacts ----------------------------------------------------------------

    def add_contacts(self, records: Iterable[Contact | Mapping[str, Any]]) -> int:
        """Add a batch of contacts (models or dicts); all or nothing. Returns how many."""
        batch = validate_batch(_CONTACTS, records, "contact")
        with self._lock:
            positions = self._positions
            first_seen: dict[str, int] = {}
            for position, contact in enumerate(batch):
                contact_id = contact.id
                if contact_id in positions:
                    raise RecordError(
                        "a contact with this id is already in the repository",
                        position=position,
                        record_id=contact_id,
                    )
                earlier = first_seen.setdefault(contact_id, position)
                if earlier != position:
                    raise RecordError(
                        f"the same id is used by record {earlier} of the batch",
                        position=position,
                        record_id=contact_id,
                    )
            if not batch:
                return 0
            start = len(self._contact_ids)
            # Lists first, then the dict: a lock-free get_contact that finds a
            # position always finds the contact behind it.
            self._contacts.extend(batch)
            self._contact_ids.extend(first_seen)
            positions.update(zip(first_seen, range(start, start + len(batch)), strict=True))
            self._contact_tuples = None
            self._snapshot = None
            return len(batch)

    def get_contact(self, contact_id: str) -> Contact | None:
        """The contact with this id, or None."""
        position = self._positions.get(contact_id) if isinstance(contact_id, str) else None
        return None if position is None else self._contacts[position]

    def contacts(self) -> Iterator[Contact]:
        """Every contact, in the order they were added."""
        return iter(self.snapshot().contacts)

    # --- interactions ------------------------------------------------------------

    def add_interactions(self, records: Iterable[Interaction | Mapping[str, Any]]) -> int:
        """Add a batch of interactions (models or dicts); all or nothing. Returns how many.

        Each record's type must be registered, its properties must fit the
        type's fields (ISO text for a date or datetime field is converted),
        its contact and every contact-reference property must name an
        existing contact, and its id must be new.
        """
        items = batch_items(records, "interaction")
        with self._lock:
            columns = fast_columns(
                items,
                schemas=self._schemas,
                logs=self._logs,
                positions=self._positions,
                known_ids=self._interaction_ids,
            )
            if columns is not None:
                for type_columns in columns.values():
                    type_columns.commit()
                for type_columns in columns.values():
                    self._interaction_ids.update(type_columns.ids)
            else:
                # The plain path: pydantic for the whole batch, then the
                # repository's checks; it words every refusal.
                batch = validate_items(_INTERACTIONS, items, "interaction")
                rows = interaction_rows(
                    batch,
                    schemas=self._schemas,
                    positions=self._positions,
                    known_ids=self._interaction_ids,
                )
                # Records given as models are handed back as the same objects.
                given = {id(item) for item in items if isinstance(item, Interaction)}
                for type_name, type_rows in rows.items():
                    self._logs[type_name].add(type_rows, keep=given)
                self._interaction_ids.update(row.id for row in batch)
            if items:
                self._snapshot = None
            return len(items)

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
            wanted_ids: set[str] = set()
            for position, interaction_id in enumerate(wanted):
                known = isinstance(interaction_id, str) and interaction_id in self._interaction_ids
                if not known:
                    raise RecordError(
                        f"no interaction with id {interaction_id!r}", position=position
                    )
                wanted_ids.add(interaction_id)
            frozen = frozenset(wanted_ids)
            changed = sum(log.set_canceled(frozen) for log in self._logs.values())
            if changed:
                self._snapshot = None
            return changed

    # --- segments -----------------------------------------------------------------

    def save_segment(self, segment: Segment | Mapping[str, Any]) -> None:
        """Create or replace a segment by name.

        A static segment's members must all be contacts of the repository. A
        dynamic segment's query must parse and name known types, fields and
        segments (QuerySyntaxError / QueryValidationError), and must not make
        segments refer to each other in a circle (SegmentCycleError).
        Nothing is saved when any of this fails.
        """
        new = validate_one(Segment, segment, "segment")
        with self._lock:
            parsed: Query | None = None
            references: tuple[str, ...] = ()
            if new.members is not None:
                positions = self._positions
                unknown = list(dict.fromkeys(m for m in new.members if m not in positions))
                if unknown:
                    shown = ", ".join(repr(m) for m in unknown[:5])
                    more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
                    raise RecordError(
                        f"the segment lists contacts that do not exist: {shown}{more}",
                        record_id=new.name,
                    )
            else:
                parsed, references = self._check_query(new)
            self._segments = {**self._segments, new.name: new}
            if parsed is None:
                self._parsed.pop(new.name, None)
                self._references.pop(new.name, None)
            else:
                self._parsed[new.name] = parsed
                self._references[new.name] = references
            self._snapshot = None

    def _check_query(self, segment: Segment) -> tuple[Query, tuple[str, ...]]:
        text = segment.query
        assert text is not None  # a Segment has a query or members
        parsed = parse(text)
        # The segment itself is known to the check so that a reference to
        # itself is reported as the cycle it is, not as an unknown name.
        check_names(
            parsed,
            types=self._types,
            segments={**self._segments, segment.name: segment},
            text=text,
        )
        references = tuple(referenced_segments(parsed))
        cycle = cycle_through(segment.name, references, self._references)
        if cycle is not None:
            raise SegmentCycleError(cycle)
        return parsed, references

    def get_segment(self, name: str) -> Segment | None:
        """The saved segment with this name, or None."""
        return self._segments.get(name) if isinstance(name, str) else None

    def segments(self) -> Iterator[Segment]:
        """Every saved segment, in the order they were first saved."""
        return iter(tuple(self._segments.values()))

    def parsed_query(self, name: str) -> Query | None:
        """The parsed query of a saved dynamic segment (None for static or unknown)."""
        return self._parsed.get(name) if isinstance(name, str) else None

    def members(
        self, segment_name: str, *, now: datetime, tz: str | tzinfo = "UTC"
    ) -> frozenset[str]:
        """The contact ids in a saved segment as of ``now``.

        An unsaved segment name raises InvalidArgumentError.
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

    # --- snapshots ------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """An immutable view of everything committed so far, for the evaluator.

        Cached until the next write, so repeated evaluations cost nothing.
        Reading the cache takes no lock: during a long write a reader gets the
        snapshot from before it.
        """
        cached = self._snapshot
        if cached is not None:
            return cached
        with self._lock:
            if self._snapshot is None:
                self._snapshot = self._take_snapshot()
            return self._snapshot

    def _take_snapshot(self) -> Snapshot:
        if self._contact_tuples is None:
            # Copied only when contacts changed since the last snapshot.
            self._contact_tuples = (tuple(self._contacts), tuple(self._contact_ids))
            # Indexes over contacts (profile lookups) live as long as the contacts.
            self._contact_indexes = {}
        contacts, contact_ids = self._contact_tuples
        return Snapshot(
            contacts=contacts,
            contact_ids=contact_ids,
            positions=CommittedPositions(self._positions, contact_ids),
            logs=MappingProxyType({name: log.view() for name, log in self._logs.items()}),
            types=MappingProxyType(self._types),
            segments=MappingProxyType(self._segments),
            indexes=self._contact_indexes,
        )

"""The storage layout the evaluator reads: contacts interned to positions,
interactions in per-type columns sorted by timestamp.

A window over one type is two ``bisect`` calls on ``timestamps``; no query
scans records outside its window. The repository owns the mutable
``InteractionLog`` objects and hands out immutable ``LogView`` /
``Snapshot`` objects: a reader holding a snapshot keeps seeing exactly the
records that were committed when it took it, whatever is added later.

Columns are append-only Python lists shared between views: a view knows its
own length and never looks past it, so appending in time order (the common
case: logs grow forward) costs no copy. A batch that goes back in time is
merged into fresh lists, leaving the old ones to the views that hold them.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from heapq import merge
from operator import itemgetter

from segmentkit.models import Contact, Interaction, InteractionType, Segment

__all__ = [
    "EMPTY_LOG",
    "InteractionLog",
    "LogView",
    "Snapshot",
    "mask_from_positions",
    "positions_of",
    "to_microseconds",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_microseconds(instant: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime (exact, no float)."""
    delta = instant - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@dataclass(frozen=True, slots=True)
class LogView:
    """One interaction type's committed records, oldest first.

    All columns are indexed alike, ``0 <= i < length``:
    ``timestamps[i]`` (epoch microseconds), ``contacts[i]`` (contact
    position of ``contact_id``), ``records[i]`` (the Interaction, for its
    properties), ``canceled[i]``, and ``references[field][i]`` (contact
    position named by a contact-reference property, -1 when absent).
    """

    length: int
    timestamps: Sequence[int]
    contacts: Sequence[int]
    records: Sequence[Interaction]
    canceled: Sequence[bool]
    references: Mapping[str, Sequence[int]]

    def window(self, start: int | None, end: int | None) -> range:
        """Indices of records with ``start <= timestamp < end`` (None = unbounded)."""
        lo = 0 if start is None else bisect_left(self.timestamps, start, 0, self.length)
        hi = self.length if end is None else bisect_left(self.timestamps, end, lo, self.length)
        return range(lo, hi)

    def up_to(self, instant: int) -> int:
        """The index just past the last record with ``timestamp <= instant``."""
        return bisect_right(self.timestamps, instant, 0, self.length)

    def __len__(self) -> int:
        return self.length

    def __iter__(self) -> Iterator[Interaction]:
        return iter(self.records[: self.length])


EMPTY_LOG = LogView(0, (), (), (), (), {})


@dataclass(slots=True)
class InteractionLog:
    """The mutable columns behind one type's ``LogView``s (owned by the repository)."""

    reference_fields: tuple[str, ...]
    timestamps: list[int] = field(default_factory=list)
    contacts: list[int] = field(default_factory=list)
    records: list[Interaction] = field(default_factory=list)
    canceled: list[bool] = field(default_factory=list)
    references: dict[str, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in self.reference_fields:
            self.references.setdefault(name, [])

    def view(self) -> LogView:
        return LogView(
            len(self.timestamps),
            self.timestamps,
            self.contacts,
            self.records,
            self.canceled,
            dict(self.references),
        )

    def add(self, rows: Iterable[tuple[int, int, Interaction, tuple[int, ...]]]) -> None:
        """Add ``(timestamp, contact position, record, reference positions)`` rows.

        Reference positions follow ``reference_fields``. Rows already in time
        order after the last stored record are appended in place; anything
        older is merged into new lists (stable: ties keep insertion order).
        """
        batch = sorted(rows, key=itemgetter(0))
        if not batch:
            return
        if not self.timestamps or batch[0][0] >= self.timestamps[-1]:
            self._append(batch)
            return
        old = zip(
            self.timestamps,
            self.contacts,
            self.records,
            zip(*(self.references[name] for name in self.reference_fields), strict=True)
            if self.reference_fields
            else ((),) * len(self.timestamps),
            self.canceled,
            strict=True,
        )
        old_rows = [(ts, c, rec, refs) for ts, c, rec, refs, _ in old]
        canceled = list(self.canceled)
        merged_canceled: list[bool] = []
        # Tag rows with their origin so canceled flags follow their records.
        tagged_old = ((row, canceled[i]) for i, row in enumerate(old_rows))
        tagged_new = ((row, row[2].canceled) for row in batch)
        fresh = InteractionLog(self.reference_fields)
        merged_rows = []
        for row, flag in merge(tagged_old, tagged_new, key=lambda item: item[0][0]):
            merged_rows.append(row)
            merged_canceled.append(flag)
        fresh._append(merged_rows, merged_canceled)
        self.timestamps = fresh.timestamps
        self.contacts = fresh.contacts
        self.records = fresh.records
        self.canceled = fresh.canceled
        self.references = fresh.references

    def _append(
        self,
        rows: Sequence[tuple[int, int, Interaction, tuple[int, ...]]],
        canceled: Sequence[bool] | None = None,
    ) -> None:
        self.timestamps.extend(row[0] for row in rows)
        self.contacts.extend(row[1] for row in rows)
        self.records.extend(row[2] for row in rows)
        if canceled is None:
            self.canceled.extend(row[2].canceled for row in rows)
        else:
            self.canceled.extend(canceled)
        for index, name in enumerate(self.reference_fields):
            self.references[name].extend(row[3][index] for row in rows)

    def set_canceled(self, ids: frozenset[str]) -> int:
        """Mark the records with these ids canceled; returns how many changed.

        Copies the affected columns, so views taken before stay as they were.
        """
        changed = 0
        records = list(self.records)
        canceled = list(self.canceled)
        for index, record in enumerate(records):
            if record.id in ids and not canceled[index]:
                records[index] = record.model_copy(update={"canceled": True})
                canceled[index] = True
                changed += 1
        if changed:
            self.records = records
            self.canceled = canceled
        return changed


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything one evaluation reads, as committed at one moment.

    Contacts are interned: ``contact_ids[p]`` is the id at position ``p`` and
    ``positions[id] == p``. Sets of contacts are Python ints used as bitsets
    over positions (bit ``p`` set = contact ``p`` is in the set).
    """

    contacts: Sequence[Contact]
    contact_ids: Sequence[str]
    positions: Mapping[str, int]
    logs: Mapping[str, LogView]
    types: Mapping[str, InteractionType]
    segments: Mapping[str, Segment]

    @property
    def contact_count(self) -> int:
        return len(self.contact_ids)

    @property
    def all_mask(self) -> int:
        """The bitset of every contact."""
        return (1 << len(self.contact_ids)) - 1

    def log(self, type_name: str) -> LogView:
        return self.logs.get(type_name, EMPTY_LOG)

    def ids_of(self, mask: int) -> frozenset[str]:
        """The contact ids whose bits are set in ``mask``."""
        ids = self.contact_ids
        return frozenset(ids[position] for position in positions_of(mask))

    def mask_of(self, ids: Iterable[str]) -> int:
        """The bitset of the given ids; unknown ids are left out."""
        positions = self.positions
        return mask_from_positions(
            (p for p in (positions.get(i) for i in ids) if p is not None), self.contact_count
        )


def positions_of(mask: int) -> list[int]:
    """The set bit positions of a bitset, ascending.

    Goes through the binary text once: clearing bits one by one would cost
    time quadratic in the number of contacts.
    """
    if mask <= 0:
        return []
    bits = bin(mask)[:1:-1]  # least significant bit first, without "0b"
    result = []
    index = bits.find("1")
    while index >= 0:
        result.append(index)
        index = bits.find("1", index + 1)
    return result


def mask_from_positions(positions: Iterable[int], size: int) -> int:
    """The bitset with the given positions (all below ``size``) set, built in linear time."""
    bits = bytearray(b"0" * size)
    for position in positions:
        bits[size - 1 - position] = 49  # ord("1"); most significant bit first
    return int(bits, 2) if size else 0

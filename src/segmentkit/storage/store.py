"""The storage layout the evaluator reads: contacts interned to positions,
interactions in per-type columns sorted by timestamp.

A window over one type is two ``bisect`` calls on ``timestamps``; no query
scans records outside its window. The repository owns the mutable
``InteractionLog`` objects and hands out immutable ``LogView`` /
``Snapshot`` objects: a reader holding a snapshot keeps seeing exactly the
records that were committed when it took it, whatever is added later. The
columns themselves are described in ``segmentkit.storage.interaction_log``; this
module holds the snapshot and the bitsets over contacts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, compress, count
from operator import add, itemgetter
from typing import Any

from segmentkit.models.records import Contact, InteractionType, Segment
from segmentkit.models.values import FieldKind
from segmentkit.storage.encoding import (
    ABSENT_KEY,
    ValueDictionary,
    from_microseconds,
    to_microseconds,
    value_key,
)
from segmentkit.storage.interaction_log import InteractionLog
from segmentkit.storage.log_view import EMPTY_LOG, LogView

__all__ = [
    "ABSENT_KEY",
    "EMPTY_LOG",
    "InteractionLog",
    "LogView",
    "Snapshot",
    "ValueDictionary",
    "bits_to_int",
    "flag_positions",
    "from_microseconds",
    "mask_from_positions",
    "positions_of",
    "set_flags",
    "sparse_positions",
    "to_microseconds",
    "value_key",
]

@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything one evaluation reads, as committed at one moment.

    Contacts are interned: ``contact_ids[p]`` is the id at position ``p`` and
    ``positions[id] == p``. Sets of contacts are Python ints used as bitsets
    over positions, one byte per contact (bit ``8 * p`` set = contact ``p``
    is in the set; see ``bits_to_int``). Build them with
    ``mask_from_positions`` / ``mask_of`` and combine them with ``&``, ``|``
    and ``all_mask & ~mask``.
    ``indexes`` caches lazily built lookups over the contacts (per snapshot).
    ``extensions`` holds the state other layers keep in the repository.
    """

    contacts: Sequence[Contact]
    contact_ids: Sequence[str]
    positions: Mapping[str, int]
    logs: Mapping[str, LogView]
    types: Mapping[str, InteractionType]
    segments: Mapping[str, Segment]
    indexes: MutableMapping[Any, Any] = field(default_factory=dict, compare=False)
    # State that other layers keep in the repository (the marketing tables),
    # by name: immutable values, opaque here.
    extensions: Mapping[str, Any] = field(default_factory=dict)
    # Declared kinds of contact attributes (API.md "Contact attribute kinds"):
    # empty until declared, and then profile conditions must use them.
    attributes: Mapping[str, FieldKind] = field(default_factory=dict)

    @property
    def contact_count(self) -> int:
        return len(self.contact_ids)

    @property
    def all_mask(self) -> int:
        """The bitset of every contact."""
        size = len(self.contact_ids)
        found = self.indexes.get(("all", size))
        if found is None:
            found = self.indexes[("all", size)] = bits_to_int(b"\x01" * size)
        return found

    def log(self, type_name: str) -> LogView:
        return self.logs.get(type_name, EMPTY_LOG)

    def ids_of(self, mask: int) -> frozenset[str]:
        """The contact ids whose bits are set in ``mask``."""
        if mask <= 0:
            return frozenset()
        ids = self.contact_ids
        mask &= self.all_mask
        flags = mask.to_bytes(len(ids), "little")
        # One bit set a member: a popcount is cheaper than counting the bytes.
        if mask.bit_count() * _SPARSE < len(ids):
            # Few members: touch only their ids (reading every id object,
            # as the pass below does, is what costs).
            positions = _split_positions(flags)
            if len(positions) == 1:
                return frozenset((ids[positions[0]],))
            return frozenset(itemgetter(*positions)(ids)) if positions else frozenset()
        # More: one pass in C over all ids beats building the positions first.
        return frozenset(compress(ids, flags))

    def mask_of(self, ids: Iterable[str]) -> int:
        """The bitset of the given ids; unknown ids are left out."""
        positions = self.positions
        return mask_from_positions(
            (p for p in (positions.get(i) for i in ids) if p is not None), self.contact_count
        )


def positions_of(mask: int) -> list[int]:
    """The positions of the contacts in a bitset, ascending."""
    if mask <= 0:
        return []
    return flag_positions(mask.to_bytes((mask.bit_length() + 7) // 8, "little"))


def flag_positions(flags: bytes) -> list[int]:
    """The indices of the 1 bytes in a string of 0/1 bytes.

    Sparse flags are split at the ones; denser ones pick from a shared tuple
    of the numbers themselves. Both run in C; the second makes no new int
    objects, which is what costs once more than a few ones are set.
    """
    size = len(flags)
    if flags.count(1) * _SPARSE < size:
        return _split_positions(flags)
    return list(compress(_ordinals(size), flags))


def sparse_positions(flags: bytes, most: int) -> list[int] | None:
    """``flag_positions`` when at most ``most`` flags are set, else None: each
    one found by a search in C, with no count first and no piece of the
    flags copied, and the search given up once there are too many."""
    positions: list[int] = []
    find = flags.find
    at = find(1)
    while at >= 0:
        if len(positions) == most:
            return None
        positions.append(at)
        at = find(1, at + 1)
    return positions


def _split_positions(flags: bytes) -> list[int]:
    """Split at the ones: the lengths of the runs of zeros between them give the positions."""
    runs = flags.split(b"\x01")
    return list(map(add, accumulate(map(len, runs[:-1])), count()))


# Below one set flag in this many, splitting beats picking (measured at
# 100k contacts: split costs per one set, picking per contact).
_SPARSE = 20
_ORDINALS: list[tuple[int, ...]] = [()]


def _ordinals(size: int) -> tuple[int, ...]:
    """``tuple(range(n))`` for some ``n >= size``, made once and shared
    (36 bytes a contact of the largest repository seen)."""
    known = _ORDINALS[0]
    if len(known) < size:
        known = tuple(range(size))
        # One assignment: a thread reading the old tuple still reads a whole one.
        _ORDINALS[0] = known
    return known


def mask_from_positions(positions: Iterable[int], size: int) -> int:
    """The bitset with the given positions (all below ``size``) set, built in linear time."""
    if not size:
        return 0
    flags = bytearray(size)
    set_flags(flags, positions)
    return bits_to_int(flags)


def set_flags(flags: bytearray, positions: Iterable[int]) -> None:
    """``flags[p] = 1`` for every ``p`` of ``positions``.

    A plain loop: measured twice as fast as ``map(flags.__setitem__, ...)``,
    whose bound slot wrapper builds an argument tuple per call.
    """
    for position in positions:
        flags[position] = 1


def bits_to_int(flags: bytes | bytearray) -> int:
    """The bitset of the positions p where ``flags[p]`` is 1 (every byte 0 or 1).

    A contact owns a whole byte of the bitset (bit 8p): converting between
    flags and bitsets is then a plain copy, and ``&``, ``|`` and ``~`` with
    ``all_mask`` work as on any bitset.
    """
    return int.from_bytes(flags, "little")

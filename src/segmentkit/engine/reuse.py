"""What one evaluation leaves for the next, so that re-evaluating costs what changed.

Applications evaluate the same saved segments again after every small batch
of new interactions, usually with ``now`` a little later. Three things carry
over from one evaluation to the next:

- **Counts** (``counted.counted_mask``): for a counted condition, the number of
  records each contact has in the window, with the window's index range and
  the resulting bitset (a ``CountState`` in the log's ``reuse``). The next
  evaluation counts only the records between the old and the new ends of
  the window (the records appended since lie there too), adds or subtracts
  them, and decides again only the contacts whose counts moved.
- **Per-contact leaves** (``patched``): ``having``, ``first`` / ``last`` and
  sequences decide each contact from its own records in a few index ranges
  of a few logs. The next evaluation decides again only the contacts
  related to the records by which those ranges differ (the records appended
  since lie there too) and keeps the old verdict for everyone else.
- **Profile conditions** (``remembered``): computed again only when the
  contacts changed, or ``now`` moved and the comparison reads it.
- **Answers** (``ids_for``): the last id set given for each query. An
  unchanged bitset gives the same frozenset back; a changed one costs the
  difference, not the members.

Why this is exact: a log's ``reuse`` lives exactly as long as the records
it already holds keep their indices and contents (only appends in time
order; see ``storage.interaction_log``), and a state records how many
records and contacts it saw, so no view reads a state computed on records
it does not have. Memos over contacts live in the snapshot's ``indexes``,
which the repository replaces whenever contacts change. Every key holds what
the result depends on besides the data: the query, the time zone, and
``now`` where a restriction reads it (``N UNIT ago``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import datetime, tzinfo
from typing import Any

from segmentkit.language.ast import Ago, Node
from segmentkit.storage.store import (
    LogView,
    Snapshot,
    mask_from_positions,
    sparse_positions,
)

__all__ = ["Reads", "ids_for", "moved", "patched", "reads_now", "remembered", "zone_key"]

# Memos kept per set of contacts: each may hold a bitset of a byte a contact,
# so their number is limited by that (this many bytes of bitsets, and at
# least 16); past it they are all dropped, so a program that evaluates ever
# new queries never grows without bound.
_MEMO_BYTES = 64 * 1024 * 1024
# An answer is patched while fewer than one contact in this many of it changed.
_FEW_SHARE = 8
# A per-contact leaf is decided again contact by contact while at most this
# share of the contacts is touched; beyond, computing afresh is cheaper.
_TOUCHED_SHARE = 0.05

# What a per-contact leaf reads of one log: the view, the column relating
# its records to contacts (None: the log lacks the ``via`` field), and the
# index ranges whose records decide a contact.
Reads = tuple[LogView, Sequence[int] | None, tuple[range, ...]]


def reads_now(node: Node | None) -> bool:
    """Whether a restriction's meaning depends on ``now`` (it holds ``N UNIT ago``)."""
    return node is not None and any(isinstance(part, Ago) for part in node.walk())


def remembered(
    snapshot: Snapshot,
    key: Hashable,
    types: Iterable[str],
    now: datetime | None,
    compute: Callable[[], int],
) -> int:
    """``compute()``, or the bitset it gave last time for ``key`` when the logs
    of ``types`` hold the same records, the contacts are the same and ``now``
    is the same instant (None: the result does not depend on it)."""
    logs = tuple(snapshot.log(name) for name in types)
    stamp = (now, snapshot.contact_count, tuple(log.length for log in logs))
    found = snapshot.indexes.get(("remembered", key))
    if (
        found is not None
        and found[0] == stamp
        and all(seen is log.reuse for seen, log in zip(found[1], logs, strict=True))
    ):
        result: int = found[2]
        return result
    mask = compute()
    _keep(snapshot, ("remembered", key), (stamp, tuple(log.reuse for log in logs), mask))
    return mask


def patched(
    snapshot: Snapshot,
    key: Hashable,
    reads: Sequence[Reads],
    compute: Callable[[], int],
    decide: Callable[[list[int]], Iterable[int]],
) -> int:
    """``compute()``, or the last bitset for ``key`` with the contacts touched
    since decided again: ``decide(positions)`` gives the members among them.

    A contact is touched when a record related to it lies in one of the
    ranges of ``reads`` now but not before, or before but not now. The last
    bitset is used only when every log holds the records it was computed on
    (the same ``reuse``, no fewer records) and the contacts are the same.
    """
    size = snapshot.contact_count
    stamps = tuple((log.reuse, log.length, ranges) for log, _, ranges in reads)
    found = snapshot.indexes.get(("patched", key))
    mask = None
    if found is not None and found[0] == size and _holds_records(found[1], stamps):
        touched = _touched(reads, found[1], size)
        if touched is not None:
            members = decide(sorted(touched))
            cleared = mask_from_positions(touched, size)
            mask = (found[2] & ~cleared) | mask_from_positions(members, size)
    if mask is None:
        mask = compute()
    _keep(snapshot, ("patched", key), (size, stamps, mask))
    return mask


def _holds_records(before: tuple[Any, ...], now: tuple[Any, ...]) -> bool:
    return len(before) == len(now) and all(
        old[0] is new[0] and old[1] <= new[1] for old, new in zip(before, now, strict=True)
    )


def _touched(reads: Sequence[Reads], before: tuple[Any, ...], size: int) -> set[int] | None:
    """Contacts related to the records by which the ranges moved; None when so
    many that computing afresh is cheaper."""
    touched: set[int] = set()
    limit = max(1, int(size * _TOUCHED_SHARE))
    for (_, related, ranges), (_, _, old_ranges) in zip(reads, before, strict=True):
        if related is None:
            continue
        for new, old in zip(ranges, old_ranges, strict=True):
            entering, leaving = moved(old, new)
            for lo, hi in entering + leaving:
                if hi - lo > limit * 4:
                    return None
                touched.update(related[lo:hi])
        if len(touched) > limit:
            return None
    touched.discard(-1)
    return {p for p in touched if p < size}


def moved(old: range, new: range) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The index ranges in ``new`` but not ``old`` (entering) and in ``old`` but
    not ``new`` (leaving), as ``(start, stop)`` pairs, empty ones left out."""
    if not old or not new or old.stop <= new.start or new.stop <= old.start:
        return ([(new.start, new.stop)] if new else []), ([(old.start, old.stop)] if old else [])
    entering = [(new.start, old.start)] if new.start < old.start else []
    entering += [(old.stop, new.stop)] if new.stop > old.stop else []
    leaving = [(old.start, new.start)] if old.start < new.start else []
    leaving += [(new.stop, old.stop)] if new.stop < old.stop else []
    return entering, leaving


def ids_for(snapshot: Snapshot, key: Hashable, mask: int) -> frozenset[str]:
    """``snapshot.ids_of(mask)``, built from the last answer for ``key`` when
    only a few contacts differ (the same object when none does)."""
    mask &= snapshot.all_mask
    found = snapshot.indexes.get(("ids", key))
    if found is not None:
        before, ids = found
        if before == mask:
            result: frozenset[str] = ids
            return result
        changed = before ^ mask
        # A few changes: their positions, then set operations on the old
        # answer (one copy of it each). Many: build the answer as if new.
        flags = changed.to_bytes((changed.bit_length() + 7) // 8, "little")
        # Fewer than one in _FEW_SHARE of the answer (0: any number, as a test forces).
        limit = max(len(ids), snapshot.contact_count // 64, 1)
        few = (limit - 1) // _FEW_SHARE if _FEW_SHARE else len(flags)
        positions = sparse_positions(flags, few)
        if positions is not None:
            names = snapshot.contact_ids
            joined: list[str] = []
            left: list[str] = []
            # Whether a contact left or joined is whether the old answer has it.
            for position in positions:
                name = names[position]
                (left if name in ids else joined).append(name)
            patched_ids: frozenset[str] = ids
            if left:
                patched_ids = patched_ids.difference(left)
            if joined:
                patched_ids = patched_ids.union(joined)
            _keep(snapshot, ("ids", key), (mask, patched_ids))
            return patched_ids
    ids = snapshot.ids_of(mask)
    _keep(snapshot, ("ids", key), (mask, ids))
    return ids


def _keep(snapshot: Snapshot, key: Any, value: Any) -> None:
    indexes = snapshot.indexes
    if len(indexes) >= max(16, _MEMO_BYTES // max(snapshot.contact_count, 1)):
        # Lookups over the contacts (profile indexes, the bitset of all)
        # are rebuilt on demand; dropping them all is safe.
        indexes.clear()
    indexes[key] = value


def zone_key(tz: tzinfo) -> Hashable | None:
    """A time zone as part of a key, or None (keep nothing) for a tzinfo
    class that cannot be hashed: its identity could be another's later."""
    try:
        hash(tz)
    except TypeError:
        return None
    return tz

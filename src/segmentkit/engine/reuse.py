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
- **Other leaves** (``remembered``): ``having``, ``first`` / ``last`` and
  sequences are computed again unless nothing they read changed and ``now``
  is the same instant; then the bitset is the one computed before.
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

from collections.abc import Callable, Hashable, Iterable
from datetime import datetime, tzinfo
from typing import Any

from segmentkit.language.ast import Ago, Node
from segmentkit.storage.store import Snapshot, positions_of

__all__ = ["ids_for", "reads_now", "remembered", "zone_key"]

# Memos kept per snapshot's contacts: a program that evaluates ever new
# queries makes them forget, never grow without bound.
_LIMIT = 1024
# An answer is patched while fewer than one contact in this many of it changed.
_FEW_SHARE = 8


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
        # A few changes: their positions, then two set operations on the
        # old answer. Many: build the answer as if new.
        if _few(changed, len(ids), snapshot.contact_count):
            names = snapshot.contact_ids
            joined = [names[p] for p in positions_of(changed & mask)]
            left = [names[p] for p in positions_of(changed & before)]
            changed_ids: frozenset[str] = ids.difference(left).union(joined)
            _keep(snapshot, ("ids", key), (mask, changed_ids))
            return changed_ids
    ids = snapshot.ids_of(mask)
    _keep(snapshot, ("ids", key), (mask, ids))
    return ids


def _few(changed: int, members: int, size: int) -> bool:
    """Whether so few contacts changed that patching the old answer is cheaper."""
    flags = changed.to_bytes((changed.bit_length() + 7) // 8, "little")
    return flags.count(1) * _FEW_SHARE < max(members, size // 64, 1)


def _keep(snapshot: Snapshot, key: Any, value: Any) -> None:
    indexes = snapshot.indexes
    if len(indexes) >= _LIMIT:
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

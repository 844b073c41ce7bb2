"""A snapshot with nothing carried over from earlier evaluations.

Evaluations leave results for the next one (``segmentkit.engine.reuse``):
counts per condition, remembered and patched bitsets, the last answers.
``without_results`` drops all of them and keeps the lookups every
evaluation builds once and shares (posting lists, the profile index, the
bitset of all contacts), so that timing an evaluation on it measures the
work of answering from the columns, as it was before results were carried
over, on the fastest footing that allows.
"""

from __future__ import annotations

import dataclasses
import sys
from typing import Any

from segmentkit.storage.store import Snapshot

# Keys of the lookups evaluations build and keep (posting lists, the index
# of text values, the profile index, the bitset of all contacts): a cold
# evaluation may use them, as a warmed-up one without carried results would.
LOOKUPS = ("postings", "contact postings", "text index", "profile", "all")


def without_results(snapshot: Snapshot) -> Snapshot:
    """The snapshot with every result carried over from earlier evaluations
    dropped (counts, remembered and patched bitsets, answers), lookups kept."""
    def lookups(found: Any) -> dict[Any, Any]:
        return {
            key: value for key, value in found.items()
            if isinstance(key, tuple) and key and key[0] in LOOKUPS
        }

    logs = {
        name: dataclasses.replace(view, reuse=lookups(view.reuse))
        for name, view in snapshot.logs.items()
    }
    return dataclasses.replace(snapshot, logs=logs, indexes=lookups(snapshot.indexes))


def from_nothing(snapshot: Snapshot) -> Snapshot:
    """The snapshot with nothing at all kept: results and lookups alike (what
    the first evaluation after loading pays)."""
    logs = {
        name: dataclasses.replace(view, reuse={}, indexes={})
        for name, view in snapshot.logs.items()
    }
    return dataclasses.replace(snapshot, logs=logs, indexes={})


def carried_bytes(snapshot: Snapshot) -> int:
    """About how many bytes what evaluations keep for later ones takes:
    results and lookups in the logs' ``reuse`` and the snapshot's memos
    (containers, their int keys, bitsets, arrays; the id strings in answers
    are the contacts' own and not counted)."""
    seen: set[int] = set()

    def size(value: Any) -> int:
        if id(value) in seen or isinstance(value, (str, bool)) or value is None:
            return 0
        seen.add(id(value))
        total = sys.getsizeof(value)
        if isinstance(value, dict):
            total += sum(size(key) + size(item) for key, item in value.items())
        elif isinstance(value, (list, tuple, set, frozenset)) and not _answer(value):
            total += sum(size(item) for item in value)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            total += sum(size(getattr(value, f.name)) for f in dataclasses.fields(value))
        elif hasattr(type(value), "__slots__"):  # posting lists: their arrays and tail
            total += sum(size(getattr(value, name, None)) for name in type(value).__slots__)
        return total

    logs = sum(size(view.reuse) for view in snapshot.logs.values())
    return logs + size(dict(snapshot.indexes))


def _answer(value: Any) -> bool:
    # A frozenset of ids: the set itself counts, its strings belong to the contacts.
    return isinstance(value, frozenset)

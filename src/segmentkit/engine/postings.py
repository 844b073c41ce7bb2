"""Posting lists that grow with the log: value -> ascending record indices.

Selective restrictions (``scan``) and per-contact questions (``first`` /
``last``, sequences, explain, membership over time) read records through
posting lists. They are kept in the log's ``reuse`` (see
``segmentkit.engine.reuse`` for why that is exact) and extended by the
records appended since, instead of being rebuilt for every new view.
"""

from __future__ import annotations

import threading
from array import array
from bisect import bisect_left
from collections.abc import Hashable, Iterator, Mapping, Sequence

from segmentkit.storage.store import LogView

__all__ = ["BoundedPostings", "grown_postings"]

_BUILD_LOCK = threading.Lock()


def grown_postings(
    log: LogView, key: Hashable, column: Sequence[int], *, skip: int | None = None
) -> dict[int, array[int]]:
    """Value -> ascending indices of the records whose ``column`` holds it, for at
    least the view's records (``skip``: a value not listed).

    Kept in the log's ``reuse`` and extended by the records appended since, so
    a log that grows by a small batch costs that batch, not a rebuild. A view
    may find indices past its own length (appended for a later view): every
    reader bounds what it reads by the view's length.
    """
    with _BUILD_LOCK:
        found = log.reuse.get(key)
        lists: dict[int, array[int]]
        done, lists = found if found is not None else (0, {})
        if done < log.length:
            for index in range(done, log.length):
                value = column[index]
                if value == skip:
                    continue
                entry = lists.get(value)
                if entry is None:
                    lists[value] = array("i", (index,))
                else:
                    entry.append(index)
            log.reuse[key] = (log.length, lists)
    return lists


class BoundedPostings(Mapping[int, Sequence[int]]):
    """``grown_postings`` as one view sees them: indices below its length only."""

    __slots__ = ("_length", "_lists")

    def __init__(self, lists: dict[int, array[int]], length: int) -> None:
        self._lists = lists
        self._length = length

    def __getitem__(self, position: int) -> Sequence[int]:
        indices = self._lists[position]
        if indices[-1] < self._length:
            return indices
        kept = indices[: bisect_left(indices, self._length)]
        if not kept:
            raise KeyError(position)
        return kept

    def __iter__(self) -> Iterator[int]:
        length = self._length
        # A copy of the keys: another thread may be extending the lists.
        return (p for p in list(self._lists) if self._lists[p][0] < length)

    def __len__(self) -> int:
        return sum(1 for _ in self)

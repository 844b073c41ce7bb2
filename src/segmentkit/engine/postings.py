"""Posting lists that grow with the log: value -> ascending record indices.

Selective restrictions (``scan``) and per-contact questions (``first`` /
``last``, sequences, explain, membership over time) read records through
posting lists. They are kept in the log's ``reuse`` (see
``segmentkit.engine.reuse`` for why that is exact) and extended by the
records appended since, instead of being rebuilt for every new view.

The lists are laid out as two arrays (``PostingLists``): every record index
grouped by value, and where each value's group starts. A list per value
(about 100,000 of them for a log's contacts) cost a Python object each,
which the cyclic collector had to walk on every full collection: in a
program holding many objects those collections, not the lists, were most
of the time of rebuilding them. Records appended since the arrays were
built wait in a small dict until they are a share of the whole worth
building again for.
"""

from __future__ import annotations

import threading
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Hashable, Iterator, Mapping, Sequence
from itertools import accumulate, repeat

from segmentkit.storage.store import LogView

__all__ = ["BoundedPostings", "PostingLists", "grown_postings"]

_BUILD_LOCK = threading.Lock()
# The appended records are grouped afresh with the rest once they are more
# than this share of the grouped ones (and more than _TAIL_FLOOR).
_TAIL_SHARE = 8
_TAIL_FLOOR = 4096


class PostingLists:
    """Value -> ascending indices of the records of ``[0, done)`` whose column
    holds it (``skip``: a value not listed; every other value is at least 0,
    as contact positions and value codes are).

    The records of ``[0, grouped)`` are in ``order``, grouped by value
    (value ``v``'s indices are ``order[starts[v]:starts[v + 1]]``); those
    appended since are in ``tail``, a list per value. Only ``extend`` (under
    the build lock) changes it, and only by adding larger indices at the
    end, so a reader bounded by its own length reads a consistent list.
    """

    __slots__ = ("done", "grouped", "order", "skip", "starts", "tail", "tail_count")

    def __init__(self, column: Sequence[int], length: int, skip: int | None) -> None:
        self.skip = skip
        counts = Counter(column[:length])
        if skip is not None:
            counts.pop(skip, None)
        size = max(counts, default=-1) + 1
        # Where each value's group starts; the last entry is the total.
        self.starts = array("q", accumulate(map(counts.get, range(size), repeat(0)), initial=0))
        order = array("i", (0,)) * self.starts[-1]
        free = self.starts.tolist()  # the next free slot of each value's group
        for index, value in enumerate(column[:length]):
            if value != skip:
                slot = free[value]
                order[slot] = index
                free[value] = slot + 1
        self.order = order
        self.grouped = self.done = length
        self.tail: dict[int, list[int]] = {}
        self.tail_count = 0

    def extend(self, column: Sequence[int], length: int) -> PostingLists:
        """These lists with the records of ``column`` up to ``length`` added:
        the same object grown, or new lists grouped afresh when the appended
        records have become too many to keep apart."""
        if length <= self.done:
            return self
        if self.tail_count + length - self.done > max(_TAIL_FLOOR, self.grouped // _TAIL_SHARE):
            return PostingLists(column, length, self.skip)
        skip, tail = self.skip, self.tail
        for index in range(self.done, length):
            value = column[index]
            if value != skip:
                found = tail.get(value)
                if found is None:
                    tail[value] = [index]
                else:
                    found.append(index)
                self.tail_count += 1
        self.done = length
        return self

    def get(self, value: int) -> Sequence[int] | None:
        """The ascending indices of ``value``'s records (None: it has none)."""
        found: array[int] | None = None
        if 0 <= value < len(self.starts) - 1:
            start, stop = self.starts[value], self.starts[value + 1]
            if stop > start:
                found = self.order[start:stop]
        later = self.tail.get(value)
        if later:
            if found is None:
                return array("i", later)
            found.extend(later)
        return found

    def count(self, value: int) -> int:
        """How many records hold ``value``."""
        total = len(self.tail.get(value, ()))
        if 0 <= value < len(self.starts) - 1:
            total += self.starts[value + 1] - self.starts[value]
        return total

    def first_of_each(self) -> Iterator[tuple[int, int]]:
        """(value, its first record's index) for every value with records."""
        starts, order = self.starts, self.order
        for value in range(len(starts) - 1):
            if starts[value + 1] > starts[value]:
                yield value, order[starts[value]]
        # A copy of the keys: another thread may be extending the tail.
        for value in list(self.tail):
            if self.count(value) == len(self.tail[value]):  # not grouped above
                yield value, self.tail[value][0]


def grown_postings(
    log: LogView, key: Hashable, column: Sequence[int], *, skip: int | None = None
) -> PostingLists:
    """The posting lists of ``column`` for at least the view's records.

    Kept in the log's ``reuse`` and extended by the records appended since, so
    a log that grows by a small batch costs that batch, not a rebuild. A view
    may find indices past its own length (appended for a later view): every
    reader bounds what it reads by the view's length.
    """
    with _BUILD_LOCK:
        found = log.reuse.get(key)
        if found is None:
            lists = PostingLists(column, log.length, skip)
        else:
            lists = found.extend(column, log.length)
        if lists is not found:
            log.reuse[key] = lists
    return lists


class BoundedPostings(Mapping[int, Sequence[int]]):
    """``grown_postings`` as one view sees them: indices below its length only."""

    __slots__ = ("_length", "_lists")

    def __init__(self, lists: PostingLists, length: int) -> None:
        self._lists = lists
        self._length = length

    def __getitem__(self, position: int) -> Sequence[int]:
        indices = self._lists.get(position)
        if indices is None:
            raise KeyError(position)
        if indices[-1] < self._length:
            return indices
        kept = indices[: bisect_left(indices, self._length)]
        if not kept:
            raise KeyError(position)
        return kept

    def __iter__(self) -> Iterator[int]:
        length = self._length
        return (value for value, first in self._lists.first_of_each() if first < length)

    def __len__(self) -> int:
        return sum(1 for _ in self)

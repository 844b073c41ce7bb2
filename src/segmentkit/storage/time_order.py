"""Putting a log's columns in time order after a batch went back in time."""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_right
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from segmentkit.storage.arrow_order import arrow_time_order

__all__ = ["ARROW_FROM", "stays_in_order", "time_order"]

# From this many records, a log sorts with Arrow when pyarrow is loaded
# anyway (``arrow_order``; the same order, faster); below, its calls cost
# more than they save.
ARROW_FROM = 4096


def stays_in_order(log: Sequence[int], batch: Sequence[int], ascending: bool) -> bool:
    """Whether the timestamps of a log in time order stay so with ``batch``'s
    appended; ``ascending``: the caller knows the batch's never go down."""
    first = batch[0] if ascending else min(batch)
    if log and first < log[-1]:
        return False
    return ascending or list(batch) == sorted(batch)


def time_order(timestamps: array[int], prefix: int) -> tuple[Callable[[Any], Any], bool]:
    """A function giving any column of the log in the stable order of ``timestamps``,
    as a fresh object of the column's own type (``array``, ``list``, ``bytearray``).

    The first ``prefix`` records are in order already. When they are most of
    the log (a small batch that went back in time), the rest is sorted alone
    and merged in, one slice copy per run, instead of sorting everything
    again; either way the result is that of one stable sort.

    Also says whether the first ``prefix`` records keep their indices (the
    later ones were only out of order among themselves).
    """
    count = len(timestamps)
    if count < 2:
        return (lambda column: column[:]), True
    if prefix * 2 < count:
        if count >= ARROW_FROM and sys.modules.get("pyarrow") is not None:
            return arrow_time_order(timestamps), False
        pick = itemgetter(*sorted(range(count), key=timestamps.__getitem__))

        def picked(column: Any) -> Any:
            chosen = pick(column)  # one C loop per column
            if isinstance(column, array):
                return array(column.typecode, chosen)
            return type(column)(chosen)

        return picked, False
    tail = sorted(range(prefix, count), key=timestamps.__getitem__)
    # After the equal timestamps already there: a stable sort's place.
    points = [bisect_right(timestamps, timestamps[i], 0, prefix) for i in tail]

    def merged(column: Any) -> Any:
        result = column[:0]
        done = 0
        for point, index in zip(points, tail, strict=True):
            result += column[done:point]
            result.append(column[index])
            done = point
        result += column[done:prefix]
        return result

    return merged, not points or points[0] == prefix

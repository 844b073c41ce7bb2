"""Counted conditions: how many records each contact has in a window, kept
from one evaluation to the next.

``counted_mask`` answers "whose number of counted records in ``[lo, hi)``
satisfies the count clause" and leaves a ``CountState`` (the counts per
contact, the index range, the bitset) in the log's ``reuse``. The next
evaluation of the same condition (same query, slot, time zone, and ``now``
when the restriction reads it) over the same records plus appended ones
counts only the records between the old and the new ends of the window
(those appended since lie there too), adds or subtracts them, and decides
again only the contacts whose counts moved. Why that is exact is told in
``segmentkit.engine.reuse``.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain, compress, repeat
from operator import and_, eq, ge, le

from segmentkit.engine.reuse import moved
from segmentkit.language.ast import Count
from segmentkit.storage.store import (
    LogView,
    Snapshot,
    bits_to_int,
    mask_from_positions,
    set_flags,
)

__all__ = [
    "CountState",
    "any_record_mask",
    "any_record_will_do",
    "below",
    "count_predicate",
    "count_verdicts",
    "counted_mask",
]

# Counting the records the window's ends passed over beats counting the whole
# window again while they are at most this share of it.
_DELTA_SHARE = 0.5
# What the states of one log may take, about (a dict entry a counted
# contact, a byte a contact for the bitset): past it the log forgets them
# all, so a program that evaluates ever new queries never grows without bound.
_BUDGET_BYTES = 64 * 1024 * 1024
_ENTRY_BYTES = 72
_SPENT = ("counted bytes",)
# One lock for every state: an update is a few dict operations on the
# records that moved, and two threads must not advance one state at once.
_LOCK = threading.Lock()

Select = Callable[[int, int], Iterable[int]]


def _count_bounds(count: Count | None) -> tuple[int, int | None]:
    """The numbers of records a count clause admits, as inclusive bounds (None:
    no upper bound). The one reading of a count clause both tests below share."""
    if count is None:
        return 1, None
    if count.operator == "at least":
        return count.value, None
    if count.operator == "at most":
        return 0, count.value
    if count.operator == "exactly":
        return count.value, count.value
    assert count.upper is not None  # a "between" count always has an upper bound
    return count.value, count.upper


def count_predicate(count: Count | None) -> Callable[[int], bool]:
    """Whether a number of records satisfies a count clause (bounds inclusive)."""
    low, high = _count_bounds(count)
    if high is None:
        return lambda n: n >= low
    return lambda n: low <= n <= high


def count_verdicts(count: Count | None, numbers: Collection[int]) -> Iterator[bool]:
    """``count_predicate(count)`` of each of ``numbers``, in order, computed in C
    (``operator`` functions through ``map``: no Python call per number)."""
    low, high = _count_bounds(count)
    if high is None:
        return map(le, repeat(low), numbers)
    if low == high:
        return map(eq, repeat(low), numbers)
    if low == 0:  # counts are never negative
        return map(ge, repeat(high), numbers)
    return map(and_, map(le, repeat(low), numbers), map(ge, repeat(high), numbers))


def below(positions: Collection[int], size: int) -> Collection[int]:
    """Positions of contacts the snapshot has (a record never names a later one)."""
    if positions and max(positions) >= size:
        return [p for p in positions if p < size]
    return positions


@dataclass(slots=True)
class CountState:
    """A counted condition's result over records ``[lo, hi)`` of a log.

    ``counts`` has each contact position (of the record's owner, or of the
    contact a ``via`` field names) with a positive number of counted
    records, or is None until a record leaves the window: "any record" and
    "no record" conditions are first computed as bitsets alone, which is
    cheaper, and counted only when that is needed. ``mask`` is the
    condition's bitset over ``size`` contacts; ``length`` is how many
    records the log had. Changed only under ``_LOCK``.
    """

    length: int
    size: int
    lo: int
    hi: int
    counts: Counter[int] | None
    mask: int


def counted_mask(
    snapshot: Snapshot,
    log: LogView,
    key: Hashable | None,
    span: range,
    select: Select,
    count: Count | None,
) -> int:
    """The contacts whose number of counted records in ``span`` satisfies ``count``.

    ``select(a, b)`` gives the contact positions of the counted records of
    ``[a, b)`` (-1 for none). The state left under ``key`` (None: keep
    nothing) in the log's ``reuse`` is advanced when it can be, else
    computed afresh and left there.
    """
    size = snapshot.contact_count
    satisfied = count_predicate(count)
    lo, hi = span.start, span.stop
    keep = key is not None and log.length > 0
    if keep:
        with _LOCK:
            state = log.reuse.get(key)
            if state is not None and _advanced(state, log, size, span, select, satisfied):
                advanced: int = state.mask
                return advanced
    counts: Counter[int] | None = None
    if any_record_will_do(count):
        mask = any_record_mask(lambda: select(lo, hi), size)
    elif _nothing(count):
        mask = snapshot.all_mask & ~any_record_mask(lambda: select(lo, hi), size)
    else:
        counts = _counted(select, lo, hi)
        holding = list(compress(counts, count_verdicts(count, counts.values())))
        if satisfied(0):
            # Zero is admitted: every contact is in but those whose count fails.
            failing = counts.keys() - holding
            mask = snapshot.all_mask & ~mask_from_positions(below(failing, size), size)
        else:
            mask = mask_from_positions(below(holding, size), size)
    if keep:
        fresh = CountState(log.length, size, lo, hi, counts, mask)
        cost = _cost(fresh)
        with _LOCK:
            current = log.reuse.get(key)
            if current is None or current.length <= log.length:
                spent = log.reuse.get(_SPENT, 0) + cost
                if current is not None:  # replaced: what it took is free again
                    spent = max(0, spent - _cost(current))
                if spent > _BUDGET_BYTES:
                    # list(): another thread may be adding posting lists meanwhile.
                    for stale, value in list(log.reuse.items()):
                        if isinstance(value, CountState):
                            del log.reuse[stale]
                    spent = cost
                log.reuse[key] = fresh
                log.reuse[_SPENT] = spent
    return mask


def any_record_will_do(count: Count | None) -> bool:
    """Whether any one record will do ("at least 1", the default)."""
    return count is None or (count.operator == "at least" and count.value == 1)


def _nothing(count: Count | None) -> bool:
    """Whether the condition asks for no record at all ("exactly 0", "at most 0")."""
    return count is not None and count.operator in ("exactly", "at most") and count.value == 0


def _counted(select: Select, lo: int, hi: int) -> Counter[int]:
    counts = Counter(select(lo, hi))
    counts.pop(-1, None)
    return counts


def _cost(state: CountState) -> int:
    return (0 if state.counts is None else len(state.counts) * _ENTRY_BYTES) + state.size


def _advanced(
    state: CountState,
    log: LogView,
    size: int,
    span: range,
    select: Select,
    satisfied: Callable[[int], bool],
) -> bool:
    """Bring ``state`` to records ``span`` of ``log``; False (state untouched)
    when it cannot be, or when counting afresh would cost about as much."""
    lo, hi = span.start, span.stop
    if state.length > log.length or state.size != size:
        return False
    if lo >= state.hi or state.lo >= hi:  # the windows do not meet
        return False
    shift = abs(lo - state.lo) + abs(hi - state.hi)
    if shift > _DELTA_SHARE * (hi - lo):
        return False
    if shift:
        entering, leaving = moved(range(state.lo, state.hi), span)
        if state.counts is None and not leaving:
            # Records only came in: "any record" gains their contacts, "no
            # record" loses them, and no count is needed for either.
            came = any_record_mask(lambda: chain.from_iterable(select(*r) for r in entering), size)
            state.mask = state.mask & ~came if satisfied(0) else state.mask | came
        else:
            if state.counts is None:  # the first time a record leaves
                state.counts = _counted(select, state.lo, state.hi)
            change: Counter[int] = Counter()
            for start, stop in entering:
                change.update(select(start, stop))
            for start, stop in leaving:
                change.subtract(select(start, stop))
            change.pop(-1, None)
            state.mask = _recount(state, state.counts, change, size, satisfied)
    state.length, state.lo, state.hi = log.length, lo, hi
    return True


def _recount(
    state: CountState,
    counts: Counter[int],
    change: Counter[int],
    size: int,
    satisfied: Callable[[int], bool],
) -> int:
    """Apply ``change`` to ``counts``; the bitset with the contacts whose
    verdict flipped flipped (most moved contacts keep theirs: 3 opens or 4)."""
    flipped = []
    for position, delta in change.items():
        if delta:
            before = counts.get(position, 0)
            total = before + delta
            if total:
                counts[position] = total
            else:
                del counts[position]
            if position < size and satisfied(before) != satisfied(total):
                flipped.append(position)
    if not flipped:
        return state.mask
    return state.mask ^ mask_from_positions(flipped, size)


def any_record_mask(select: Callable[[], Iterable[int]], size: int) -> int:
    """The bitset of the positions ``select()`` gives (-1, a missing via field, is no one).

    Bytes set one by one (``set_flags``): cheaper than collecting a set first.
    """
    bits = bytearray(size + 1)  # the extra last byte takes the -1 entries
    try:
        set_flags(bits, select())
    except IndexError:  # a position past the snapshot's contacts: leave it out
        found = {p for p in select() if 0 <= p < size}
        return mask_from_positions(found, size)
    del bits[size]
    return bits_to_int(bits)

"""Interaction conditions as bitsets of contacts: counts in a window, counts in
periods (``in M of last N UNIT``), and the helpers they share.

A condition reads only the records inside its window: two bisects on the
type's timestamp column, then one pass over that slice (``scan``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import repeat
from operator import add

from segmentkit.engine.context import Evaluation
from segmentkit.engine.counted import counted_mask
from segmentkit.engine.reuse import reads_now, zone_key
from segmentkit.engine.scan import selected_contacts
from segmentkit.engine.windows import period_bounds
from segmentkit.language.ast import InPeriods, InteractionCondition
from segmentkit.storage.store import LogView, bits_to_int

__all__ = ["interaction_mask", "span_selector"]

# Bitsets give each contact a byte: summing up to this many of them adds
# per contact without one byte carrying into the next.
_BYTE_SUM_LIMIT = 255


def span_selector(
    evaluation: Evaluation,
    query: InteractionCondition,
    log: LogView,
    start: int | None,
    end: int,
) -> Callable[[], Iterable[int]]:
    """A function giving the contact positions of the records of ``[start, end)``
    that count for the condition (type, relation, not canceled, restriction TRUE).
    -1 stands for a record without its ``via`` field."""
    related = log.related(query.via)
    holds = None if query.where is None else evaluation.restriction(query.where)
    span = log.window(start, end)

    def select() -> Iterable[int]:
        if related is None:
            return ()
        return selected_contacts(log, span.start, span.stop, related, query.where, holds)

    return select


def _span_mask(
    evaluation: Evaluation,
    query: InteractionCondition,
    start: int | None,
    end: int,
    slot: int = 0,
) -> int:
    """Contacts whose records of ``[start, end)`` satisfy the count clause.

    ``slot`` tells the windows of one condition apart (a periodic window's
    periods), so that each keeps its own counts for the next evaluation.
    """
    snapshot = evaluation.snapshot
    log = snapshot.log(query.type)
    related = log.related(query.via)
    holds = None if query.where is None else evaluation.restriction(query.where)
    zone = zone_key(evaluation.tz)
    # What decides the restriction's verdicts, and so the counts.
    meaning = None if zone is None else (
        query.where, zone, evaluation.now if reads_now(query.where) else None
    )

    def select(lo: int, hi: int) -> Iterable[int]:
        if related is None:
            return ()
        return selected_contacts(log, lo, hi, related, query.where, holds, meaning)

    key = None if meaning is None else (query, slot, meaning)
    return counted_mask(snapshot, log, key, log.window(start, end), select, query.count)


def interaction_mask(evaluation: Evaluation, query: InteractionCondition) -> int:
    """The contacts an interaction condition selects (LANGUAGE.md "Interaction condition")."""
    if isinstance(query.window, InPeriods):
        return _periodic_mask(evaluation, query, query.window)
    start, end = evaluation.bounds(query.window, query)
    return _span_mask(evaluation, query, start, end)


def _periodic_mask(
    evaluation: Evaluation, query: InteractionCondition, window: InPeriods
) -> int:
    """Contacts for whom the count clause holds in at least ``needed`` periods.

    Each period's bitset has one byte per contact, 0 or 1: adding the bitsets
    as integers counts, per contact, the periods that hold. The sums are made
    in groups small enough that no byte overflows, then added per contact.
    """
    size = evaluation.snapshot.contact_count
    if not size:
        return 0
    masks = [
        _span_mask(evaluation, query, start, end, slot)
        for slot, (start, end) in enumerate(
            period_bounds(window, now=evaluation.now, tz=evaluation.tz)
        )
    ]
    if len(masks) <= _BYTE_SUM_LIMIT:
        # One byte per contact holds its number of periods: a byte table
        # turns "at least M" into 0/1 flags in one pass in C.
        table = bytes(count >= window.needed for count in range(256))
        counts = sum(masks).to_bytes(size + 1, "little")[:size]
        return bits_to_int(counts.translate(table))
    totals: Iterable[int] = repeat(0, size)
    for first in range(0, len(masks), _BYTE_SUM_LIMIT):
        group = sum(masks[first : first + _BYTE_SUM_LIMIT])
        totals = list(map(add, totals, group.to_bytes(size + 1, "little")[:size]))
    return bits_to_int(bytes(map(window.needed.__le__, totals)))

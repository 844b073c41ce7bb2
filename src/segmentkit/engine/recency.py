"""``first`` / ``last`` (LANGUAGE.md "Recency").

Of a contact's matching records (type, relation, ``ts <= now``, not
canceled, restriction TRUE; the window plays no part in choosing), take the
earliest or the latest: the contact is a member when there is one and it
lies in the window. The log is in time order, so with the window's records
at indices ``[lo, hi)``:

- ``first``: a matching record in ``[lo, hi)`` and none before ``lo``;
- ``last``: a matching record in ``[lo, hi)`` and none from ``hi`` up to ``now``.

The contacts with a matching record in the window are found as for any
condition. Excluding those with one outside it costs either one pass over
the outside span (when it is short) or, per candidate, a look at the
candidate's own records outside the window (``contact_postings``), so a
``first X in last 7 days`` does not read years of history.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence

from segmentkit.engine.conditions import span_selector
from segmentkit.engine.contact_records import contact_postings, record_test
from segmentkit.engine.context import Evaluation
from segmentkit.engine.counted import any_record_mask
from segmentkit.engine.reuse import Reads
from segmentkit.language.ast import InteractionCondition, Recency
from segmentkit.storage.log_view import LogView
from segmentkit.storage.store import mask_from_positions, positions_of, to_microseconds

__all__ = ["recency_mask", "recency_members", "recency_reads"]

# Reading an outside span record by record in C beats looking up each
# candidate's records when the span is at most this many times the window.
_SPAN_SHARE = 4


def _spans(
    evaluation: Evaluation, query: Recency
) -> tuple[LogView, range, range, tuple[int | None, int], tuple[int | None, int]]:
    """The log; the window's records and the records outside it that decide
    (before it for ``first``, after it up to now for ``last``); the bounds
    of both in epoch microseconds."""
    log = evaluation.snapshot.log(query.type)
    start, end = evaluation.bounds(query.window, query)
    now_end = to_microseconds(evaluation.now) + 1
    if query.which == "first":
        elsewhere: tuple[int | None, int] = (None, start) if start is not None else (0, 0)
    else:
        elsewhere = (end, now_end) if end < now_end else (0, 0)
    return log, log.window(start, end), log.window(*elsewhere), (start, end), elsewhere


def recency_mask(evaluation: Evaluation, query: Recency) -> int:
    size = evaluation.snapshot.contact_count
    log, window, outside, bounds, elsewhere = _spans(evaluation, query)
    # The condition "any matching record in [start, end)" selects the candidates.
    condition = InteractionCondition(type=query.type, via=query.via, where=query.where)
    candidates = any_record_mask(span_selector(evaluation, condition, log, *bounds), size)
    if not candidates or not outside:
        return candidates
    if len(outside) <= _SPAN_SHARE * max(len(window), 1):
        found = any_record_mask(span_selector(evaluation, condition, log, *elsewhere), size)
        return candidates & ~found
    members = recency_members(evaluation, query, positions_of(candidates), candidates_known=True)
    return mask_from_positions(members, size)


def recency_reads(evaluation: Evaluation, query: Recency) -> list[Reads]:
    """What decides each contact: its records in the window and outside it."""
    log, window, outside, _, _ = _spans(evaluation, query)
    related = log.related(query.via)
    return [(log, related, (window, outside))]


def recency_members(
    evaluation: Evaluation, query: Recency, positions: list[int], *, candidates_known: bool = False
) -> list[int]:
    """The members among ``positions``: a matching record in the window and
    none outside it (``candidates_known``: each has one in the window)."""
    log, window, outside, _, _ = _spans(evaluation, query)
    postings = contact_postings(log, query.via)
    if postings is None:
        return []
    holds = None if query.where is None else evaluation.restriction(query.where)
    counts = record_test(log, query.where, holds)
    members = []
    for position in positions:
        indices = postings.get(position, ())
        if (candidates_known or _any_in(indices, window, counts)) and not _any_in(
            indices, outside, counts
        ):
            members.append(position)
    return members


def _any_in(indices: Sequence[int], span: range, counts: Callable[[int], bool]) -> bool:
    """Whether a record of ``span`` among the ascending ``indices`` counts."""
    first = bisect_left(indices, span.start)
    last = bisect_left(indices, span.stop, first)
    return any(counts(indices[i]) for i in range(first, last))

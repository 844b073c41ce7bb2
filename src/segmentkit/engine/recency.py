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

from segmentkit.engine.conditions import any_record_mask, span_selector
from segmentkit.engine.contact_records import contact_postings, record_test
from segmentkit.engine.context import Evaluation
from segmentkit.language.ast import InteractionCondition, Recency
from segmentkit.storage.store import mask_from_positions, positions_of, to_microseconds

__all__ = ["recency_mask"]

# Reading an outside span record by record in C beats looking up each
# candidate's records when the span is at most this many times the window.
_SPAN_SHARE = 4


def recency_mask(evaluation: Evaluation, query: Recency) -> int:
    snapshot = evaluation.snapshot
    size = snapshot.contact_count
    log = snapshot.log(query.type)
    start, end = evaluation.bounds(query.window, query)
    now_end = to_microseconds(evaluation.now) + 1
    # The condition "any matching record in [start, end)" selects the candidates.
    condition = InteractionCondition(type=query.type, via=query.via, where=query.where)
    candidates = any_record_mask(span_selector(evaluation, condition, log, start, end), size)
    window = log.window(start, end)
    if query.which == "first":
        outside = log.window(None, start) if start is not None else range(0)
    else:
        outside = log.window(end, now_end) if end < now_end else range(0)
    if not candidates or not outside:
        return candidates
    if len(outside) <= _SPAN_SHARE * max(len(window), 1):
        bounds = (None, start) if query.which == "first" else (end, now_end)
        elsewhere = any_record_mask(span_selector(evaluation, condition, log, *bounds), size)
        return candidates & ~elsewhere
    postings = contact_postings(log, query.via)
    if postings is None:
        return 0
    holds = None if query.where is None else evaluation.restriction(query.where)
    counts = record_test(log, query.where, holds)
    members = []
    for position in positions_of(candidates):
        indices = postings.get(position, ())
        first = bisect_left(indices, outside.start)
        last = bisect_left(indices, outside.stop, first)
        if not any(counts(indices[i]) for i in range(first, last)):
            members.append(position)
    return mask_from_positions(members, size)

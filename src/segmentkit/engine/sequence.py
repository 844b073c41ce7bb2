"""Sequences: ``S1 then S2 ... then Sk [within N UNIT] [window]`` (LANGUAGE.md
"Sequences").

A contact is a member when there are k **different** records r1..rk, ri
matching step Si, with ``r1.ts <= ... <= rk.ts`` (equal timestamps in
either order) and, with ``within``, ``rk.ts <= r1.ts + N UNIT``.

The search, per contact, walks the contact's matching records in time
order, grouped by timestamp, with a pointer p to the next step to fill. At
each timestamp it fills as many consecutive steps p, p+1, ... as can be
given *different* records of that timestamp (a bipartite matching, grown one
step at a time with augmenting paths). Why this finds a sequence whenever
one exists (docs/decisions.md has it at length): after each timestamp T,
the steps filled are at least as many as any valid assignment fills with
records up to T. By induction: if a valid assignment fills steps up to q by
T and the greedy had filled up to p' < q before T, then steps p'..q-1 of
that assignment all use different records at exactly T (the assignment had
filled no more than p' before T), so they are a run the matching at T can
give. A greedy first-match without the matching could use, at one instant,
the one record a later step needed, and miss a sequence.

With ``within``, the first record's time matters: for each time T a step-1
record has, the same greedy, started at T with step 1 placed at T, gives
the earliest time the sequence can end; the contact is a member when for
some T that is no later than T + N UNIT.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from collections.abc import Sequence as Seq

from segmentkit.engine.conditions import any_record_mask, span_selector
from segmentkit.engine.contact_records import contact_postings, record_test
from segmentkit.engine.context import Evaluation
from segmentkit.engine.windows import later
from segmentkit.language.ast import InteractionCondition, Sequence
from segmentkit.storage.store import mask_from_positions, positions_of

__all__ = ["has_sequence", "sequence_mask"]

# One record of a contact: its timestamp, its identity (type, index) and the
# steps it matches.
Group = tuple[int, list[tuple[tuple[str, int], frozenset[int]]]]


def _run_at(records: list[tuple[tuple[str, int], frozenset[int]]], first: int, k: int) -> int:
    """How many consecutive steps from ``first`` get different records of one instant.

    Kuhn's augmenting paths: each new step takes a free record that matches
    it, or one whose step can move to another record.
    """
    owner: dict[tuple[str, int], int] = {}

    def place(step: int, seen: set[tuple[str, int]]) -> bool:
        for key, steps in records:
            if step in steps and key not in seen:
                seen.add(key)
                holder = owner.get(key)
                if holder is None or place(holder, seen):
                    owner[key] = step
                    return True
        return False

    step = first
    while step < k and place(step, set()):
        step += 1
    return step - first


def _completion(groups: Seq[Group], start: int, k: int, deadline: int | None) -> int | None:
    """When the greedy from ``groups[start]`` (step 1 placed there) fills all k
    steps, or None (also when past ``deadline``)."""
    filled = 0
    for index in range(start, len(groups)):
        stamp, records = groups[index]
        if deadline is not None and stamp > deadline:
            return None
        run = _run_at(records, filled, k)
        if index == start and run == 0 and deadline is not None:
            return None
        filled += run
        if filled == k:
            return stamp
    return None


def has_sequence(
    groups: Seq[Group], k: int, deadline: Callable[[int], int] | None = None
) -> bool:
    """Whether the timestamp groups (ascending) hold the k steps in order.

    ``deadline(t)`` is the latest end for a sequence whose first record is at
    ``t`` (``within``); None means no limit.
    """
    if deadline is None:
        return _completion(groups, 0, k, None) is not None
    return any(
        any(0 in steps for _, steps in records)
        and _completion(groups, index, k, deadline(stamp)) is not None
        for index, (stamp, records) in enumerate(groups)
    )


def sequence_mask(evaluation: Evaluation, query: Sequence) -> int:
    snapshot = evaluation.snapshot
    size = snapshot.contact_count
    start, end = evaluation.bounds(query.window, query)
    k = len(query.steps)
    candidates = snapshot.all_mask
    readers = []
    for step in query.steps:
        log = snapshot.log(step.type)
        condition = InteractionCondition(type=step.type, via=step.via, where=step.where)
        candidates &= any_record_mask(span_selector(evaluation, condition, log, start, end), size)
        if not candidates:
            return 0
        postings = contact_postings(log, step.via)
        if postings is None:
            return 0
        holds = None if step.where is None else evaluation.restriction(step.where)
        window = log.window(start, end)
        readers.append((step.type, log, postings, record_test(log, step.where, holds), window))
    deadline = None
    if query.within is not None:
        amount, unit, zone = query.within.amount, query.within.unit, evaluation.tz
        deadline = lambda stamp: later(stamp, amount, unit, zone)  # noqa: E731
    members = []
    for position in positions_of(candidates):
        found: dict[tuple[str, int], tuple[int, set[int]]] = {}
        for number, (type_name, log, postings, counts, window) in enumerate(readers):
            indices = postings.get(position, ())
            low = bisect_left(indices, window.start)
            high = bisect_left(indices, window.stop, low)
            for i in range(low, high):
                index = indices[i]
                if counts(index):
                    key = (type_name, index)
                    entry = found.get(key)
                    if entry is None:
                        found[key] = (log.timestamps[index], {number})
                    else:
                        entry[1].add(number)
        if has_sequence(_grouped(found), k, deadline):
            members.append(position)
    return mask_from_positions(members, size)


def _grouped(found: dict[tuple[str, int], tuple[int, set[int]]]) -> list[Group]:
    """The records by timestamp, ascending."""
    by_stamp: dict[int, list[tuple[tuple[str, int], frozenset[int]]]] = {}
    for key, (stamp, steps) in found.items():
        by_stamp.setdefault(stamp, []).append((key, frozenset(steps)))
    return sorted(by_stamp.items())

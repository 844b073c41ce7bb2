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

When every step is of a different type no record can fit two steps, so no
matching is needed: ``chain_ends`` takes, from each step-1 time, the
earliest time of each next step at or after the last (the same greedy,
on plain lists of timestamps).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Mapping
from collections.abc import Sequence as Seq
from dataclasses import dataclass

from segmentkit.engine.conditions import span_selector
from segmentkit.engine.contact_records import contact_postings, record_test
from segmentkit.engine.context import Evaluation
from segmentkit.engine.counted import any_record_mask
from segmentkit.engine.reuse import Reads
from segmentkit.engine.windows import later
from segmentkit.language.ast import InteractionCondition, Sequence
from segmentkit.storage.store import LogView, mask_from_positions, positions_of

__all__ = [
    "SequenceReader",
    "chain_ends",
    "find_sequence",
    "has_sequence",
    "sequence_mask",
    "sequence_members",
    "sequence_reads",
]

# One record of a contact: its timestamp, its identity (type, index) and the
# steps it matches.
Group = tuple[int, list[tuple[tuple[str, int], frozenset[int]]]]


Key = tuple[str, int]


def _run_at(records: list[tuple[Key, frozenset[int]]], first: int, k: int) -> dict[int, Key]:
    """Consecutive steps from ``first`` given different records of one instant,
    as many as can be: step -> record.

    Kuhn's augmenting paths: each new step takes a free record that matches
    it, or one whose step can move to another record.
    """
    owner: dict[Key, int] = {}

    def place(step: int, seen: set[Key]) -> bool:
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
    return {step: key for key, step in owner.items()}


def _completion(
    groups: Seq[Group], start: int, k: int, deadline: int | None
) -> tuple[int, list[Key]] | None:
    """When the greedy from ``groups[start]`` (step 1 placed there) fills all k
    steps, and the records it gives them in step order; None when it does not
    (or only past ``deadline``)."""
    chosen: dict[int, Key] = {}
    for index in range(start, len(groups)):
        stamp, records = groups[index]
        if deadline is not None and stamp > deadline:
            return None
        run = _run_at(records, len(chosen), k)
        if index == start and not run and deadline is not None:
            return None
        chosen.update(run)
        if len(chosen) == k:
            return stamp, [chosen[step] for step in range(k)]
    return None


def find_sequence(
    groups: Seq[Group], k: int, deadline: Callable[[int], int] | None = None
) -> list[Key] | None:
    """Records (one per step, in step order) that make the sequence, or None.

    ``groups`` are the contact's records by timestamp, ascending;
    ``deadline(t)`` is the latest end for a sequence whose first record is at
    ``t`` (``within``); None means no limit.
    """
    if deadline is None:
        found = _completion(groups, 0, k, None)
        return None if found is None else found[1]
    for index, (stamp, records) in enumerate(groups):
        if any(0 in steps for _, steps in records):
            found = _completion(groups, index, k, deadline(stamp))
            if found is not None:
                return found[1]
    return None


def chain_ends(
    stamps: Seq[Seq[int]], deadline: Callable[[int], int] | None = None
) -> bool:
    """Whether times ``t1 <= t2 <= ... <= tk``, ``ti`` from ``stamps[i]`` (each
    ascending), exist with ``tk <= deadline(t1)``: records of different types
    are always different records, so times alone decide.

    From each step-1 time the earliest time of each next step at or after the
    last is the earliest end (any other choice ends no sooner). Once a step
    has no time left, no later start can end either.
    """
    previous = None
    for first in stamps[0]:
        if first == previous:
            continue
        previous = first
        end = first
        for later_stamps in stamps[1:]:
            found = bisect_left(later_stamps, end)
            if found == len(later_stamps):
                return False
            end = later_stamps[found]
        if deadline is None or end <= deadline(first):
            return True
    return False


def has_sequence(
    groups: Seq[Group], k: int, deadline: Callable[[int], int] | None = None
) -> bool:
    """Whether the timestamp groups (ascending) hold the k steps in order."""
    return find_sequence(groups, k, deadline) is not None


@dataclass(frozen=True, slots=True)
class _StepReader:
    type_name: str
    log: LogView
    postings: Mapping[int, Seq[int]]
    counts: Callable[[int], bool]
    window: range

    def in_window(self, position: int) -> Seq[int]:
        """The contact's records of this step's type and relation in the window
        (canceled or not, restriction not applied), ascending."""
        indices = self.postings.get(position, ())
        low = bisect_left(indices, self.window.start)
        return indices[low : bisect_left(indices, self.window.stop, low)]


@dataclass(frozen=True, slots=True)
class SequenceReader:
    """One sequence read per contact: each step's records in the window, in time order."""

    steps: tuple[_StepReader, ...]
    deadline: Callable[[int], int] | None
    # Every step of a different type: times alone decide (``chain_ends``).
    distinct_types: bool = False

    @classmethod
    def of(cls, evaluation: Evaluation, query: Sequence) -> SequenceReader | None:
        """The reader, or None when a step's ``via`` field is not in its log."""
        start, end = evaluation.bounds(query.window, query)
        readers = []
        for step in query.steps:
            log = evaluation.snapshot.log(step.type)
            postings = contact_postings(log, step.via)
            if postings is None:
                return None
            holds = None if step.where is None else evaluation.restriction(step.where)
            counts = record_test(log, step.where, holds)
            readers.append(_StepReader(step.type, log, postings, counts, log.window(start, end)))
        deadline = None
        if query.within is not None:
            amount, unit, zone = query.within.amount, query.within.unit, evaluation.tz
            deadline = lambda stamp: later(stamp, amount, unit, zone)  # noqa: E731
        distinct = len({step.type for step in query.steps}) == len(query.steps)
        return cls(tuple(readers), deadline, distinct)

    def groups(self, position: int) -> list[Group]:
        """The contact's records that fit any step, by timestamp, ascending."""
        found: dict[Key, tuple[int, set[int]]] = {}
        for number, step in enumerate(self.steps):
            for index in step.in_window(position):
                if step.counts(index):
                    key = (step.type_name, index)
                    entry = found.get(key)
                    if entry is None:
                        found[key] = (step.log.timestamps[index], {number})
                    else:
                        entry[1].add(number)
        by_stamp: dict[int, list[tuple[Key, frozenset[int]]]] = {}
        for key, (stamp, steps) in found.items():
            by_stamp.setdefault(stamp, []).append((key, frozenset(steps)))
        return sorted(by_stamp.items())

    def may_hold(self, position: int) -> bool:
        """Whether the contact has a record of every step's type in the window
        (canceled or not): a quick test before ``find``."""
        return all(step.in_window(position) for step in self.steps)

    def find(self, position: int) -> list[Key] | None:
        """The contact's records that make the sequence, in step order, or None."""
        return find_sequence(self.groups(position), len(self.steps), self.deadline)

    def holds(self, position: int) -> bool:
        """Whether the contact's records make the sequence (``find`` without
        naming the records: from times alone when the steps' types differ)."""
        if not self.distinct_types:
            return self.find(position) is not None
        stamps = []
        for step in self.steps:
            timestamps, counts = step.log.timestamps, step.counts
            found = [timestamps[i] for i in step.in_window(position) if counts(i)]
            if not found:
                return False
            stamps.append(found)
        return chain_ends(stamps, self.deadline)


def sequence_mask(evaluation: Evaluation, query: Sequence) -> int:
    snapshot = evaluation.snapshot
    size = snapshot.contact_count
    start, end = evaluation.bounds(query.window, query)
    candidates = snapshot.all_mask
    for step in query.steps:
        log = snapshot.log(step.type)
        condition = InteractionCondition(type=step.type, via=step.via, where=step.where)
        candidates &= any_record_mask(span_selector(evaluation, condition, log, start, end), size)
        if not candidates:
            return 0
    reader = SequenceReader.of(evaluation, query)
    if reader is None:
        return 0
    members = [p for p in positions_of(candidates) if reader.holds(p)]
    return mask_from_positions(members, size)


def sequence_reads(evaluation: Evaluation, query: Sequence) -> list[Reads]:
    """What decides each contact: its records of every step in the window."""
    start, end = evaluation.bounds(query.window, query)
    reads: list[Reads] = []
    for step in query.steps:
        log = evaluation.snapshot.log(step.type)
        related = log.related(step.via)
        reads.append((log, related, (log.window(start, end),)))
    return reads


def sequence_members(evaluation: Evaluation, query: Sequence, positions: list[int]) -> list[int]:
    """The members among ``positions``, each decided from its own records."""
    reader = SequenceReader.of(evaluation, query)
    if reader is None:
        return []
    return [p for p in positions if reader.may_hold(p) and reader.holds(p)]

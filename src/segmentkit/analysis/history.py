"""Membership over time: ``changes``, ``next_change`` and ``sizes`` (API.md
"Membership over time").

A query's membership at ``now`` is a formula over its conditions (segment
references expanded into their queries, static segments constant). The
formula is decided once for every contact at the span's start by the
engine; after that a contact can change only at an instant where one of its
conditions can (``Timelines.candidates``: a record's timestamp, a relative
point passing a record or a compared value). So each contact with such
instants is swept through them in order, its conditions decided there
(``Timelines.holds``), and every instant where the formula flips is a
change. Contacts without any are constant. Nothing is sampled: every
instant comes from a timestamp, a window length or a calendar rule.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from operator import itemgetter
from typing import Any

from segmentkit.analysis.relative_time import reach_of
from segmentkit.analysis.timeline import Timelines, moving_points, value_instants
from segmentkit.engine.catalog import check_written_out_depth
from segmentkit.engine.contact_records import contact_postings
from segmentkit.engine.evaluate import prepare
from segmentkit.engine.scan import profile_values
from segmentkit.engine.windows import require_aware, resolve_timezone
from segmentkit.errors import InvalidArgumentError, SegmentCycleError
from segmentkit.language.ast import (
    AllContacts,
    And,
    InteractionCondition,
    Not,
    Or,
    ProfileCondition,
    Query,
    Recency,
    SegmentReference,
    Sequence,
    Step,
)
from segmentkit.storage.store import Snapshot, from_microseconds, positions_of, to_microseconds

__all__ = ["MembershipChange", "changes", "count_steps", "next_change", "sizes"]

_DAY = 86_400_000_000
# next_change looks ahead a year at a time, jumping over stretches in which
# no record, value or window edge can change anything.
_LOOKAHEAD = 366 * _DAY
# The last instant every zone can show (datetime.max less a day for offsets).
_LAST_INSTANT = to_microseconds(datetime.max.replace(tzinfo=UTC)) - 2 * _DAY


@dataclass(frozen=True)
class MembershipChange:
    """A contact entering (``entered``) or leaving a query's members at ``at``."""

    at: datetime
    contact_id: str
    entered: bool


Formula = Callable[[list[bool]], bool]


class _Plan:
    """A query as a formula over the conditions whose membership can vary."""

    def __init__(self, evaluation: Any, query: Query) -> None:
        self.evaluation = evaluation
        self.atoms: list[Query] = []
        self._numbers: dict[Query, int] = {}
        self._open: list[str] = []
        self._getters: list[Formula] = []  # the atoms' getters, by number
        self.formula = self._compile(query)

    def _atom(self, node: Query) -> Formula:
        number = self._numbers.get(node)
        if number is None:
            number = self._numbers[node] = len(self.atoms)
            self.atoms.append(node)
            self._getters.append(itemgetter(number))
        return self._getters[number]

    def _compile(self, node: Query) -> Formula:
        # The formula runs once per candidate instant of every contact:
        # loops and itemgetters, not generators, which cost a frame a call.
        if isinstance(node, And | Or):
            parts = [self._compile(operand) for operand in node.operands]
            numbers = {id(getter): number for number, getter in enumerate(self._getters)}
            if len(parts) > 1 and all(id(part) in numbers for part in parts):
                # Atoms only (a segment whose query is one atom too): their
                # values picked in one C call.
                picked = itemgetter(*(numbers[id(part)] for part in parts))
                every = all if isinstance(node, And) else any
                return lambda values: every(picked(values))
            return _all_of(parts) if isinstance(node, And) else _any_of(parts)
        if isinstance(node, Not):
            inner = self._compile(node.operand)
            return lambda values: not inner(values)
        if isinstance(node, SegmentReference):
            name = node.name
            if name in self._open:
                raise SegmentCycleError([*self._open[self._open.index(name) :], name])
            query = self.evaluation.segment_query(name)  # checks status and names
            if query is None:
                return self._atom(node)  # a static segment: its list, constant
            self._open.append(name)
            try:
                return self._compile(query)
            finally:
                self._open.pop()
        assert isinstance(
            node, AllContacts | ProfileCondition | InteractionCondition | Recency | Sequence
        )
        return self._atom(node)


# Loops, not all()/any() over a generator: a generator is a frame a call.
def _all_of(parts: list[Formula]) -> Formula:
    def holds(values: list[bool]) -> bool:
        for part in parts:  # noqa: SIM110
            if not part(values):
                return False
        return True

    return holds


def _any_of(parts: list[Formula]) -> Formula:
    def holds(values: list[bool]) -> bool:
        for part in parts:  # noqa: SIM110
            if part(values):
                return True
        return False

    return holds


def _instant(value: datetime, argument: str) -> int:
    require_aware(value, argument)
    return to_microseconds(value)


class _Sweep:
    """Membership at ``start`` and its changes in ``(start, end]``."""

    def __init__(self, query: Query | str, repo: Any, start: int, end: int, zone: tzinfo) -> None:
        self.evaluation, parsed = prepare(query, repo, now=from_microseconds(start, zone), tz=zone)
        check_written_out_depth(parsed, self.evaluation.snapshot)  # _Plan follows segments
        self.evaluation.resolve_segments(parsed)  # static segments' lists; cycles refused
        self.snapshot: Snapshot = self.evaluation.snapshot
        self.root = parsed
        self.plan = _Plan(self.evaluation, parsed)
        self.timelines = Timelines(self.snapshot, zone, start, end)

    def members_at_start(self) -> int:
        return len(self.snapshot.ids_of(self.evaluation.mask(self.root)))

    def changes(self) -> list[tuple[int, int, bool]]:
        """``(at, position, entered)`` for every change, unsorted."""
        atoms, formula, timelines = self.plan.atoms, self.plan.formula, self.timelines
        initial = [set(positions_of(self.evaluation.mask(atom))) for atom in atoms]
        events: dict[int, list[tuple[int, int]]] = {}
        for number, atom in enumerate(atoms):
            for position in _touched(self.snapshot, atom):
                for instant in timelines.candidates(atom, position):
                    events.setdefault(position, []).append((instant, number))
        found: list[tuple[int, int, bool]] = []
        for position, items in events.items():
            items.sort()
            values = [position in members for members in initial]
            member = formula(values)
            index, total = 0, len(items)
            while index < total:
                instant = items[index][0]
                while index < total and items[index][0] == instant:
                    number = items[index][1]
                    values[number] = timelines.holds(atoms[number], position, instant)
                    index += 1
                now_member = formula(values)
                if now_member != member:
                    found.append((instant, position, now_member))
                    member = now_member
        return found


def _touched(snapshot: Snapshot, atom: Query) -> Iterable[int]:
    """Positions of the contacts for which ``atom`` may change over time."""
    if isinstance(atom, InteractionCondition | Recency):
        postings = contact_postings(snapshot.log(atom.type), atom.via)
        return () if postings is None else postings.keys()
    if isinstance(atom, Sequence):
        touched: set[int] = set()
        for step in atom.steps:
            postings = contact_postings(snapshot.log(step.type), step.via)
            touched.update(() if postings is None else postings.keys())
        return touched
    if isinstance(atom, ProfileCondition) and moving_points(atom.comparison):
        return range(snapshot.contact_count)
    return ()


def _span(start: datetime, end: datetime) -> tuple[int, int]:
    low, high = _instant(start, "start"), _instant(end, "end")
    if high < low:
        raise InvalidArgumentError(
            f"end ({end.isoformat()}) is before start ({start.isoformat()})", argument="end"
        )
    return low, high


def changes(
    query: Query | str,
    repo: Any,
    *,
    start: datetime,
    end: datetime,
    tz: str | tzinfo = "UTC",
) -> list[MembershipChange]:
    """Every instant ``t`` with ``start < t <= end`` at which a contact's
    membership differs from its membership one microsecond earlier, sorted
    by ``(at, contact_id)``; ``at`` is shown in ``tz``. The query is checked
    as ``evaluate`` checks it and raises the same errors."""
    low, high = _span(start, end)
    zone = resolve_timezone(tz)
    sweep = _Sweep(query, repo, low, high, zone)
    ids = sweep.snapshot.contact_ids
    found = sorted((at, ids[position], entered) for at, position, entered in sweep.changes())
    return [
        MembershipChange(from_microseconds(at, zone), contact_id, entered)
        for at, contact_id, entered in found
    ]


def sizes(
    query: Query | str,
    repo: Any,
    *,
    start: datetime,
    end: datetime,
    tz: str | tzinfo = "UTC",
) -> tuple[int, list[tuple[datetime, int]]]:
    """The member count as a step function over ``[start, end]``: the count at
    ``start``, then ``(at, count)`` at each instant where the count changes."""
    low, high = _span(start, end)
    zone = resolve_timezone(tz)
    sweep = _Sweep(query, repo, low, high, zone)
    first = sweep.members_at_start()
    found = [
        MembershipChange(from_microseconds(at, zone), "", entered)
        for at, _, entered in sweep.changes()
    ]
    return first, count_steps(first, found)


def count_steps(first: int, found: Iterable[MembershipChange]) -> list[tuple[datetime, int]]:
    """The member count after each instant of ``found`` where it moves,
    from ``first`` members before them: ``sizes`` from ``changes``."""
    moves: dict[datetime, int] = {}
    for change in found:
        moves[change.at] = moves.get(change.at, 0) + (1 if change.entered else -1)
    steps: list[tuple[datetime, int]] = []
    count = first
    for at in sorted(moves):
        if moves[at]:
            count += moves[at]
            steps.append((at, count))
    return steps


def next_change(
    query: Query | str,
    repo: Any,
    *,
    now: datetime,
    tz: str | tzinfo = "UTC",
) -> datetime | None:
    """The earliest instant after ``now`` at which any contact's membership
    changes (shown in ``tz``), or None when it never changes again."""
    start = _instant(now, "now")
    zone = resolve_timezone(tz)
    horizon: _Horizon | None = None
    while True:
        end = min(start + _LOOKAHEAD, _LAST_INSTANT)
        if end <= start:
            return None
        sweep = _Sweep(query, repo, start, end, zone)
        found = sweep.changes()
        if found:
            return from_microseconds(min(found)[0], zone)
        if horizon is None:
            horizon = _Horizon(sweep.snapshot, sweep.plan.atoms, zone)
        # A change after ``end`` needs a record, value or point within the
        # longest window's reach of it: jump to the first such.
        following = horizon.first_after(end - horizon.reach)
        if following is None:
            return None
        start = max(end, following - 1)


class _Horizon:
    """The instants (record timestamps, compared values) near which membership
    can change, and how far after one a change can come (``reach``)."""

    def __init__(self, snapshot: Snapshot, atoms: list[Query], zone: tzinfo) -> None:
        self.sorted_runs: list[Any] = []
        spans = [0]
        extra: list[int] = []
        for atom in atoms:
            spans.extend(reach_of(amount, unit) for amount, unit in moving_points(atom))
            if isinstance(atom, ProfileCondition):
                if moving_points(atom.comparison):
                    for value in profile_values(snapshot.contacts, atom.comparison.field):
                        extra.extend(value_instants(value, zone))
                continue
            if not isinstance(atom, InteractionCondition | Recency | Sequence):
                continue  # everyone, or a static segment: constant
            parts: list[InteractionCondition | Recency | Step] = (
                list(atom.steps) if isinstance(atom, Sequence) else [atom]
            )
            for part in parts:
                log = snapshot.log(part.type)
                self.sorted_runs.append(log.timestamps[: log.length])
                having = part.having if isinstance(part, InteractionCondition) else None
                if any(moving_points(node) for node in (part.where, having) if node is not None):
                    for index in range(log.length):
                        for value in log.record(index).properties.values():
                            extra.extend(value_instants(value, zone))
        self.sorted_runs.append(sorted(extra))
        self.reach = max(spans) + 2 * _DAY

    def first_after(self, instant: int) -> int | None:
        found = [run[i] for run in self.sorted_runs if (i := bisect_right(run, instant)) < len(run)]
        return min(found, default=None)

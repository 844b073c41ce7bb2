"""One condition of a query, for one contact, at any instant (membership over time).

``Timelines`` prepares, once per query and span, what deciding a condition
at an instant needs: each window's bounds as functions of ``now`` (relative
points through ``AgoSteps``, absolute ones computed once), and per contact
the records that fit each condition, in time order. Deciding a condition at
an instant is then a few bisections. ``candidates`` lists the instants at
which a condition may change for a contact: the records' timestamps (a
record counts from its timestamp on) and the instants at which a relative
point passes a record's timestamp or a compared value. The conditions are
the same as ``evaluate``'s; the tests hold every instant to it.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from collections.abc import Sequence as SequenceOf
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from segmentkit.analysis.relative_time import AgoSteps
from segmentkit.engine.aggregates import aggregate_records, having_test
from segmentkit.engine.compare import compile_comparison, compile_restriction, profile_value
from segmentkit.engine.contact_records import contact_postings, record_test
from segmentkit.engine.counted import count_predicate
from segmentkit.engine.sequence import find_sequence
from segmentkit.engine.windows import (
    AFTER_ALL,
    BEFORE_ALL,
    date_midnight,
    end_point,
    later,
    local_instant,
    point_microseconds,
)
from segmentkit.errors import QueryValidationError
from segmentkit.language.ast import (
    Ago,
    Before,
    Between,
    InLast,
    InPeriods,
    InteractionCondition,
    Node,
    Point,
    ProfileCondition,
    Recency,
    Sequence,
    Since,
    Step,
    Window,
)
from segmentkit.storage.store import LogView, Snapshot, from_microseconds

__all__ = ["Timelines", "moving_points", "value_instants"]

Bounds = tuple[int | None, int]


def _agos(node: Node) -> list[Ago]:
    return [part for part in node.walk() if isinstance(part, Ago)]


def moving_points(node: Node) -> list[tuple[int, str]]:
    """``(amount, unit)`` of every point in ``node`` that moves with ``now``:
    each ``N UNIT ago``, the start of ``in last N UNIT`` and each period edge
    of a periodic window."""
    found: list[tuple[int, str]] = [(ago.amount, ago.unit) for ago in _agos(node)]
    for part in node.walk():
        if isinstance(part, InPeriods):
            found.extend((period, part.unit) for period in range(1, part.periods + 1))
        elif isinstance(part, InLast):
            found.append((part.amount, part.unit))
    return found


@dataclass
class _Records:
    """A contact's records that fit one condition (or step), in time order."""

    indices: list[int]
    stamps: list[int]


@dataclass
class Timelines:
    """Conditions of one query over ``[start, end]`` (epoch microseconds) in ``tz``."""

    snapshot: Snapshot
    tz: tzinfo
    start: int
    end: int
    _steps: dict[tuple[int, str], AgoSteps] = field(default_factory=dict)
    _records: dict[tuple[int, int], _Records] = field(default_factory=dict)
    _tests: dict[int, Callable[[int], bool]] = field(default_factory=dict)
    _relative: dict[int, list[AgoSteps]] = field(default_factory=dict)
    _agos_found: dict[int, list[Ago]] = field(default_factory=dict)
    _count_tests: dict[int, Callable[[int], bool]] = field(default_factory=dict)
    _logs: dict[int, tuple[LogView, Mapping[int, SequenceOf[int]] | None]] = field(
        default_factory=dict
    )

    # -- relative points and windows -------------------------------------------------

    def steps(self, amount: int, unit: str) -> AgoSteps:
        key = (amount, unit)
        found = self._steps.get(key)
        if found is None:
            found = self._steps[key] = AgoSteps(amount, unit, self.tz, self.start, self.end)
        return found

    def point(self, point: Point, instant: int, *, end: bool = False) -> int:
        """The instant a window point names at ``now = instant`` (as the
        exclusive end of ``between`` when ``end``: a DATE takes its whole day)."""
        if isinstance(point, Ago):
            return self.steps(point.amount, point.unit).at(instant)
        now = from_microseconds(instant, self.tz)
        if end:
            return end_point(point, now=now, tz=self.tz)
        return point_microseconds(point, now=now, tz=self.tz)

    def bounds(self, window: Window | None, instant: int) -> Bounds:
        """``[start, end)`` of a window (not periodic) at ``now = instant``, as
        ``window_bounds`` computes it."""
        now_end = instant + 1
        if window is None:
            return None, now_end
        if isinstance(window, InLast):
            start: int | None = self.steps(window.amount, window.unit).at(instant)
            end = AFTER_ALL
        elif isinstance(window, Since):
            start, end = self.point(window.point, instant), AFTER_ALL
        elif isinstance(window, Before):
            start, end = None, self.point(window.point, instant)
        else:
            assert isinstance(window, Between)
            start = self.point(window.start, instant)
            end = self.point(window.end, instant, end=True)
            if start > end:
                raise QueryValidationError(
                    "The window starts after it ends: between needs the earlier point first",
                    word="between",
                )
        if start is not None and start <= BEFORE_ALL:
            start = None
        return start, min(end, now_end)

    def periods(self, window: InPeriods, instant: int) -> list[Bounds]:
        ends = [instant + 1]
        bounds: list[Bounds] = []
        for period in range(1, window.periods + 1):
            start = self.steps(period, window.unit).at(instant)
            bounds.append((None if start <= BEFORE_ALL else start, ends[-1]))
            ends.append(start)
        return bounds

    def relative_points(self, window: Window | None) -> list[AgoSteps]:
        if window is None:
            return []
        # Asked for once per contact and condition: the window's tree is
        # walked once (the query, and so the node, lives as long as this).
        found = self._relative.get(id(window))
        if found is None:
            found = self._relative[id(window)] = [
                self.steps(*point) for point in moving_points(window)
            ]
        return found

    # -- a contact's records ------------------------------------------------------------

    def records(self, node: InteractionCondition | Recency | Step, position: int) -> _Records:
        """The contact's records of the condition's type and relation that are not
        canceled and (when the restriction does not move with now) fit it."""
        key = (id(node), position)
        found = self._records.get(key)
        if found is None:
            log, postings = self._postings(node)
            indices = list(postings.get(position, ())) if postings is not None else []
            fits = self._fits(node)
            indices = [index for index in indices if fits(index)]
            found = self._records[key] = _Records(indices, [log.timestamps[i] for i in indices])
        return found

    def _postings(
        self, node: InteractionCondition | Recency | Step
    ) -> tuple[LogView, Mapping[int, SequenceOf[int]] | None]:
        """The condition's log and its contact postings, looked up once per node."""
        found = self._logs.get(id(node))
        if found is None:
            log = self.snapshot.log(node.type)
            found = self._logs[id(node)] = (log, contact_postings(log, node.via))
        return found

    def _fits(self, node: InteractionCondition | Recency | Step) -> Callable[[int], bool]:
        found = self._tests.get(id(node))
        if found is None:
            log = self.snapshot.log(node.type)
            moving = node.where is not None and bool(_agos(node.where))
            where = None if moving else node.where
            holds = None if where is None else compile_restriction(where, tz=self.tz)
            found = self._tests[id(node)] = record_test(log, where, holds)
        return found

    def _counting(
        self, node: InteractionCondition | Recency | Step, position: int, bounds: Bounds,
        instant: int,
    ) -> list[int]:
        """Indices of the contact's records that count at ``instant`` within ``bounds``."""
        records = self.records(node, position)
        low, high = _span(records.stamps, bounds)
        chosen = records.indices[low:high]
        if node.where is not None and self._agos(node.where):
            log = self.snapshot.log(node.type)
            now = from_microseconds(instant, self.tz)
            holds = compile_restriction(node.where, tz=self.tz, now=now)
            fits = record_test(log, node.where, holds)
            chosen = [index for index in chosen if fits(index)]
        return chosen

    # -- conditions at an instant ----------------------------------------------------------

    def holds(self, node: Node, position: int, instant: int) -> bool:
        """Whether the contact is in the condition's set with ``now = instant``."""
        if isinstance(node, InteractionCondition):
            return self._interaction(node, position, instant)
        if isinstance(node, Recency):
            return self._recency(node, position, instant)
        if isinstance(node, Sequence):
            return self._sequence(node, position, instant)
        assert isinstance(node, ProfileCondition)
        now = from_microseconds(instant, self.tz)
        test = compile_comparison(node.comparison, tz=self.tz, now=now)
        return test(profile_value(self.snapshot.contacts[position], node.comparison.field)) is True

    def _interaction(self, node: InteractionCondition, position: int, instant: int) -> bool:
        satisfied = self._satisfied(node)
        if (
            node.having is None
            and not isinstance(node.window, InPeriods)
            and (node.where is None or not self._agos(node.where))
        ):
            # Only how many: two bisects on the contact's fitting records.
            stamps = self.records(node, position).stamps
            low, high = _span(stamps, self.bounds(node.window, instant))
            return satisfied(high - low)
        if isinstance(node.window, InPeriods):
            held = sum(
                satisfied(len(self._counting(node, position, bounds, instant)))
                for bounds in self.periods(node.window, instant)
            )
            return held >= node.window.needed
        counted = self._counting(node, position, self.bounds(node.window, instant), instant)
        if not satisfied(len(counted)):
            return False
        if node.having is None:
            return True
        value = aggregate_records(self.snapshot.log(node.type), node.having, counted)
        test = having_test(node.having, tz=self.tz, now=from_microseconds(instant, self.tz))
        return test(value) is True

    def _recency(self, node: Recency, position: int, instant: int) -> bool:
        matching = self._counting(node, position, (None, instant + 1), instant)
        if not matching:
            return False
        chosen = matching[0] if node.which == "first" else matching[-1]
        stamp = self.snapshot.log(node.type).timestamps[chosen]
        start, end = self.bounds(node.window, instant)
        return (start is None or start <= stamp) and stamp < end

    def _sequence(self, node: Sequence, position: int, instant: int) -> bool:
        bounds = self.bounds(node.window, instant)
        found: dict[tuple[str, int], tuple[int, set[int]]] = {}
        for number, step in enumerate(node.steps):
            log = self.snapshot.log(step.type)
            for index in self._counting(step, position, bounds, instant):
                entry = found.get((step.type, index))
                if entry is None:
                    found[(step.type, index)] = (log.timestamps[index], {number})
                else:
                    entry[1].add(number)
        by_stamp: dict[int, list[tuple[tuple[str, int], frozenset[int]]]] = {}
        for key, (stamp, steps) in found.items():
            by_stamp.setdefault(stamp, []).append((key, frozenset(steps)))
        deadline = None
        if node.within is not None:
            amount, unit, zone = node.within.amount, node.within.unit, self.tz
            deadline = lambda stamp: later(stamp, amount, unit, zone)  # noqa: E731
        return find_sequence(sorted(by_stamp.items()), len(node.steps), deadline) is not None

    # -- when a condition may change --------------------------------------------------------

    def candidates(self, node: Node, position: int) -> set[int]:
        """Instants in ``(start, end]`` at which the condition may change for the contact."""
        found: set[int] = set()
        if isinstance(node, ProfileCondition):
            value = profile_value(self.snapshot.contacts[position], node.comparison.field)
            self._crossings(found, self._agos(node.comparison), value_instants(value, self.tz))
            return found
        parts: list[tuple[InteractionCondition | Recency | Step, Window | None]]
        if isinstance(node, Sequence):
            parts = [(step, node.window) for step in node.steps]
        else:
            assert isinstance(node, InteractionCondition | Recency)
            parts = [(node, node.window)]
        for part, window in parts:
            records = self.records(part, position)
            found.update(s for s in records.stamps if self.start < s <= self.end)
            for steps in self.relative_points(window):
                for stamp in records.stamps:
                    # A window's edges are [start, end): a point passing a
                    # record flips it one microsecond after it meets it.
                    found.update(steps.crossings(stamp, self.start, self.end, edge=True))
            moving = self._agos(part.where) if part.where is not None else []
            if isinstance(part, InteractionCondition) and part.having is not None:
                moving = [*moving, *self._agos(part.having)]
            if moving:
                log = self.snapshot.log(part.type)
                values = [log.record(i).properties for i in records.indices]
                instants = [s for props in values for v in props.values()
                            for s in value_instants(v, self.tz)]
                self._crossings(found, moving, instants)
        return found

    def _satisfied(self, node: InteractionCondition) -> Callable[[int], bool]:
        found = self._count_tests.get(id(node))
        if found is None:
            found = self._count_tests[id(node)] = count_predicate(node.count)
        return found

    def _agos(self, node: Node) -> list[Ago]:
        """``_agos(node)``, walked once per node (asked for per contact; the
        query, and so the node, lives as long as this). Not to be changed."""
        found = self._agos_found.get(id(node))
        if found is None:
            found = self._agos_found[id(node)] = _agos(node)
        return found

    def _crossings(self, found: set[int], agos: list[Ago], instants: Iterable[int]) -> None:
        for ago in agos:
            steps = self.steps(ago.amount, ago.unit)
            for instant in instants:
                found.update(steps.crossings(instant, self.start, self.end))


def _span(stamps: list[int], bounds: Bounds) -> tuple[int, int]:
    """Which of the ascending ``stamps`` lie in ``[start, end)``, as a slice's ends."""
    start, end = bounds
    low = 0 if start is None else bisect_left(stamps, start)
    return low, bisect_left(stamps, end, low)


def value_instants(value: Any, tz: tzinfo) -> list[int]:
    """The instants a value (or a list's elements) stands for: datetimes, date midnights."""
    items = value if isinstance(value, list) else [value]
    found = []
    for item in items:
        if isinstance(item, datetime):
            found.append(local_instant(item, tz))
        elif isinstance(item, date):
            found.append(date_midnight(item, tz))
    return found

"""A brute-force reference evaluator, written from LANGUAGE.md "Meaning" alone.

It exists to be obviously right, not fast: for every contact it looks at
every record and decides each rule directly, with Python sets and ``len()``.
It never imports the engine's ``compare``, ``windows``, ``evaluate`` or
``store`` modules, so that a disagreement with ``segmentkit.engine.evaluate`` points
at a bug in one of the two, never at code they share. Only the AST (the
shared contract), the models, the error classes and ``parse`` (to read the
text of saved dynamic segments) come from segmentkit.

Each rule quotes the sentence of LANGUAGE.md it implements. Instants (plain
integers) live in ``reference_instants``, comparisons (three-valued logic) in
``reference_comparisons``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from collections.abc import Sequence as Seq
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo

from reference_comparisons import comparison_truth, restriction_truth
from reference_instants import (
    Instant,
    instant,
    literal_instant,
    midnight,
    next_midnight,
    units_after,
    units_before,
)
from segmentkit.errors import QueryValidationError, SegmentCycleError
from segmentkit.language.ast import (
    Ago,
    AllContacts,
    And,
    Before,
    Between,
    Comparison,
    Count,
    DateLiteral,
    DateTimeLiteral,
    Having,
    InLast,
    InPeriods,
    InteractionCondition,
    Not,
    Or,
    ProfileCondition,
    Query,
    Recency,
    SegmentReference,
    Sequence,
    Since,
    Step,
    Window,
)
from segmentkit.language.parse import parse
from segmentkit.models.records import Contact, Interaction, InteractionType, Segment
from segmentkit.repository import InMemoryRepository

__all__ = ["World", "reference_evaluate", "world_of"]


@dataclass(frozen=True)
class World:
    """Everything a query can see: plain lists of records, read once.

    The queries given to the reference are already checked ("Names are
    checked before evaluation"), so it never consults ``types``; they are
    here so that a world is the whole repository.
    """

    contacts: Seq[Contact]
    interactions: Seq[Interaction] = ()
    segments: Mapping[str, Segment] = field(default_factory=dict)
    types: Mapping[str, InteractionType] = field(default_factory=dict)


def world_of(repo: InMemoryRepository) -> World:
    """Read a repository only through its public API."""
    return World(
        contacts=tuple(repo.contacts()),
        interactions=tuple(repo.interactions()),
        segments={segment.name: segment for segment in repo.segments()},
        types=dict(repo.types()),
    )


def reference_evaluate(
    query: Query,
    world: World | InMemoryRepository,
    *,
    now: datetime,
    tz: str | tzinfo = "UTC",
) -> frozenset[str]:
    """The contact ids the query selects as of ``now``, decided by brute force."""
    if isinstance(world, InMemoryRepository):
        world = world_of(world)
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    return _Evaluation(world, now, zone).members(query)


# --- the evaluation -----------------------------------------------------------------


class _Evaluation:
    """One evaluation: a world, an instant ``now`` and a timezone."""

    def __init__(self, world: World, now: datetime, tz: tzinfo) -> None:
        self.world = world
        self.now = now
        self.now_instant = instant(now)
        self.tz = tz
        self.all_ids = frozenset(contact.id for contact in world.contacts)
        self.segments_in_progress: list[str] = []

    def members(self, query: Query) -> frozenset[str]:
        # "`A and B` is intersection, `A or B` union, `not A` the complement
        # within all contacts of the repository, `all` every contact."
        if isinstance(query, AllContacts):
            return self.all_ids
        if isinstance(query, And):
            results = [self.members(operand) for operand in query.operands]
            return frozenset.intersection(*results)
        if isinstance(query, Or):
            results = [self.members(operand) for operand in query.operands]
            return frozenset.union(*results)
        if isinstance(query, Not):
            return self.all_ids - self.members(query.operand)
        if isinstance(query, SegmentReference):
            return self.segment_members(query.name)
        if isinstance(query, ProfileCondition):
            return self.profile_members(query)
        if isinstance(query, InteractionCondition):
            return self.interaction_members(query)
        if isinstance(query, Recency):
            return self.recency_members(query)
        if isinstance(query, Sequence):
            return self.sequence_members(query)
        raise TypeError(f"not a query node: {query!r}")

    # --- segments ---

    def segment_members(self, name: str) -> frozenset[str]:
        """"`segment NAME` is the saved segment's members at the same `now` (a
        dynamic or compound segment is evaluated; a static segment is its
        member list, restricted to existing contacts). A reference cycle is
        an error naming the cycle."
        """
        if name in self.segments_in_progress:
            start = self.segments_in_progress.index(name)
            raise SegmentCycleError([*self.segments_in_progress[start:], name])
        segment = self.world.segments[name]
        if segment.members is not None:
            return self.all_ids & frozenset(segment.members)
        assert segment.query is not None
        self.segments_in_progress.append(name)
        try:
            return self.members(parse(segment.query))
        finally:
            self.segments_in_progress.pop()

    # --- profile conditions ---

    def profile_members(self, condition: ProfileCondition) -> frozenset[str]:
        """"`contact.PATH ...` applies the comparison to the contact: PATH
        names a field of the contact model, else a key of its `attributes`."
        A contact matches "only when the result is TRUE".
        """
        return frozenset(
            contact.id
            for contact in self.world.contacts
            if restriction_truth(condition.comparison, contact_fields(contact), self.tz, self.now)
            is True
        )

    # --- interaction conditions ---

    def interaction_members(self, condition: InteractionCondition) -> frozenset[str]:
        """"for each contact c, count the interaction records r with ... c is
        a member when that count satisfies the count clause." Contacts
        without any record have the count 0 like any other."""
        if isinstance(condition.window, InPeriods):
            return self.periodic_members(condition, condition.window)
        start, end = self.window(condition)
        records = [
            record
            for record in self.world.interactions
            if record.type == condition.type  # rule 1
            and self.inside(record, start, end)  # rule 3
            and not record.canceled  # rule 3
            and self.restriction_holds(condition, record)  # rule 4
        ]
        members = set()
        for contact in self.world.contacts:
            mine = [record for record in records if relates(record, contact, condition.via)]
            # "A contact is a member when the count clause holds ... **and** the
            # comparison is TRUE."
            if count_satisfies(condition.count, len(mine)) and self.having_holds(
                condition.having, mine
            ):
                members.add(contact.id)
        return frozenset(members)

    def having_holds(self, having: Having | None, records: list[Interaction]) -> bool:
        """"Over the records that count for the condition ..., take the values of
        FIELD, skipping records where it is missing or null." """
        if having is None:
            return True
        values = [
            record.properties[having.field]
            for record in records
            if record.properties.get(having.field) is not None
        ]
        value = aggregate_of(having.function, values)
        comparison = Comparison(field=having.field, operator=having.operator, value=having.value)
        return comparison_truth(value, comparison, self.tz, self.now) is True

    def periodic_members(
        self, condition: InteractionCondition, window: InPeriods
    ) -> frozenset[str]:
        """"`in M of last N UNIT`: N periods ending at `now`. Period 1 is
        `now - 1 UNIT <= ts <= now`; period i (i >= 2) is
        `now - i UNIT <= ts < now - (i-1) UNIT`, each bound computed from `now`
        directly by the rules of `ago` ... The count clause (default `at least
        1 time`) is applied to each period's records alone; the contact is a
        member when it holds in at least M periods. A zero-admitting count
        counts the empty periods too."
        """
        periods = []
        for i in range(1, window.periods + 1):
            start = units_before(self.now, i, window.unit, self.tz)
            end = math.inf if i == 1 else units_before(self.now, i - 1, window.unit, self.tz)
            periods.append((start, end))
        held = {contact.id: 0 for contact in self.world.contacts}
        for start, end in periods:
            records = [
                record
                for record in self.world.interactions
                if record.type == condition.type
                and self.inside(record, start, end)
                and not record.canceled
                and self.restriction_holds(condition, record)
            ]
            for contact in self.world.contacts:
                mine = [record for record in records if relates(record, contact, condition.via)]
                if count_satisfies(condition.count, len(mine)):
                    held[contact.id] += 1
        return frozenset(contact_id for contact_id, n in held.items() if n >= window.needed)

    def matching(self, condition: Recency | Step) -> list[Interaction]:
        """Records of the condition's type, `ts <= now`, not canceled, restriction TRUE."""
        return [
            record
            for record in self.world.interactions
            if record.type == condition.type
            and instant(record.timestamp) <= self.now_instant
            and not record.canceled
            and (
                condition.where is None
                or restriction_truth(condition.where, record.properties, self.tz, self.now)
                is True
            )
        ]

    def recency_members(self, condition: Recency) -> frozenset[str]:
        """"of the contact's records that match (type, relation, `ts <= now`, not
        canceled, restriction TRUE; the window plays no part in choosing), take
        the earliest (`first`) or latest (`last`). The contact is a member when
        there is one and its timestamp lies in the window (no window: when there
        is one)." """
        start, end = self.window_of(condition.window)
        records = self.matching(condition)
        members = set()
        for contact in self.world.contacts:
            stamps = [
                instant(record.timestamp)
                for record in records
                if relates(record, contact, condition.via)
            ]
            if not stamps:
                continue
            chosen = min(stamps) if condition.which == "first" else max(stamps)
            if start <= chosen < end:
                members.add(contact.id)
        return frozenset(members)

    def sequence_members(self, sequence: Sequence) -> frozenset[str]:
        """"the contact is a member when there are k **different** records
        r1..rk, each ri matching step Si (type, its own relation and restriction,
        `ts <= now`, not canceled, inside the window when there is one), with
        `r1.ts <= r2.ts <= ... <= rk.ts` and, with `within`, `rk.ts <= r1.ts +
        N UNIT` ... Equal timestamps may stand in either order."

        Brute force: try every way of picking the records, step by step.
        """
        start, end = self.window_of(sequence.window)
        per_step = [
            [record for record in self.matching(step) if start <= instant(record.timestamp) < end]
            for step in sequence.steps
        ]
        members = set()
        for contact in self.world.contacts:
            candidates = [
                [record for record in records if relates(record, contact, step.via)]
                for records, step in zip(per_step, sequence.steps, strict=True)
            ]
            if self.chain_exists(candidates, sequence, [], 0):
                members.add(contact.id)
        return frozenset(members)

    def chain_exists(
        self,
        candidates: list[list[Interaction]],
        sequence: Sequence,
        chosen: list[Interaction],
        step: int,
    ) -> bool:
        if step == len(candidates):
            if sequence.within is None:
                return True
            first, last = chosen[0], chosen[-1]
            limit = units_after(
                first.timestamp, sequence.within.amount, sequence.within.unit, self.tz
            )
            return instant(last.timestamp) <= limit
        for record in candidates[step]:
            if any(record is other for other in chosen):  # "different" records
                continue
            if chosen and instant(record.timestamp) < instant(chosen[-1].timestamp):
                continue
            if self.chain_exists(candidates, sequence, [*chosen, record], step + 1):
                return True
        return False

    def inside(self, record: Interaction, start: Instant, end: Instant) -> bool:
        """"`r.timestamp <= now` (nothing after `now` counts, ever), r inside the window"."""
        moment = instant(record.timestamp)
        return moment <= self.now_instant and start <= moment < end

    def restriction_holds(self, condition: InteractionCondition, record: Interaction) -> bool:
        """"the restriction is TRUE for r"; no restriction admits every record."""
        if condition.where is None:
            return True
        return restriction_truth(condition.where, record.properties, self.tz, self.now) is True

    def window(self, condition: InteractionCondition) -> tuple[Instant, Instant]:
        """The window as [start, end); "no window means all time up to `now`"."""
        return self.window_of(condition.window)

    def window_of(self, window: Window | None) -> tuple[Instant, Instant]:
        """[start, end) of a (not periodic) window; ``ts <= now`` is checked apart."""
        tz, now = self.tz, self.now
        if window is None:
            return -math.inf, math.inf
        if isinstance(window, InLast):
            # "`in last N UNIT`: `now - N UNIT <= ts <= now`."
            return units_before(now, window.amount, window.unit, tz), math.inf
        if isinstance(window, Since):
            # "`since p`: `p <= ts <= now`."
            return self.point(window.point), math.inf
        if isinstance(window, Before):
            # "`before p`: `ts < p`."
            return -math.inf, self.point(window.point)
        assert isinstance(window, Between)
        # "`between p and q`: `p <= ts < q'`, where q' is q, or the next
        # midnight when q is a DATE (an end DATE includes its whole day)."
        start = self.point(window.start)
        end_point = window.end
        if isinstance(end_point, DateLiteral):
            end = next_midnight(end_point.value, tz)
        else:
            end = self.point(end_point)
        # "p later than q' is a `QueryValidationError` ... An empty window is allowed."
        if start > end:
            raise QueryValidationError("the window starts after it ends")
        return start, end

    def point(self, point: DateLiteral | DateTimeLiteral | Ago) -> Instant:
        """"DATE is midnight at the start of that day in `tz`; DATETIME is that
        instant (no offset means `tz`); `N UNIT ago` is `now` minus N units"."""
        if isinstance(point, DateLiteral):
            return midnight(point.value, self.tz)
        if isinstance(point, DateTimeLiteral):
            return literal_instant(point, self.tz)
        return units_before(self.now, point.amount, point.unit, self.tz)


def aggregate_of(function: str, values: list[object]) -> object:
    """LANGUAGE.md "Aggregates", rule by rule."""
    if function in ("sum", "avg"):
        # "`sum` of integers is exact; with any float it is `math.fsum`. `avg` is
        # that sum divided by the number of values." "Of no values: `sum` ... 0;
        # `avg` ... null"
        numbers = [value for value in values if isinstance(value, (int, float))]
        total = math.fsum(numbers) if any(isinstance(v, float) for v in numbers) else sum(numbers)
        if function == "sum":
            return total
        return total / len(numbers) if numbers else None
    if function == "distinct":
        # "counts casefolded text once, numbers by value, datetimes as instants"
        # "counts dates, booleans and numbers by value"
        keys = set()
        for value in values:
            if isinstance(value, str):
                keys.add(("text", value.casefold()))
            elif isinstance(value, datetime):
                keys.add(("datetime", instant(value)))
            elif isinstance(value, bool):
                keys.add(("boolean", value))
            elif isinstance(value, date):
                keys.add(("date", value))
            else:
                keys.add(("number", value))
        return len(keys)
    # min / max: "`min`, `max` ... null" of no values. Text orders by the
    # casefolded code points, datetimes as instants.
    if not values:
        return None

    def order(value: object) -> object:
        if isinstance(value, str):
            return value.casefold()
        if isinstance(value, datetime):
            return instant(value)
        return value

    chosen = min if function == "min" else max
    return chosen(values, key=order)  # type: ignore[type-var]


def relates(record: Interaction, contact: Contact, via: str | None) -> bool:
    """"r relates to c: `r.contact_id == c.id`, or, with `via FIELD`,
    `r.properties[FIELD] == c.id`" -- exactly, case-sensitively."""
    if via is None:
        return record.contact_id == contact.id
    return record.properties.get(via) == contact.id


def count_satisfies(count: Count | None, how_many: int) -> bool:
    """"no count clause means `at least 1 time`"."""
    if count is None:
        return how_many >= 1
    if count.operator == "at least":
        return how_many >= count.value
    if count.operator == "at most":
        return how_many <= count.value
    if count.operator == "exactly":
        return how_many == count.value
    assert count.upper is not None
    return count.value <= how_many <= count.upper


def contact_fields(contact: Contact) -> dict[str, object]:
    """The contact's attributes overlaid with its model fields (which win).

    The ``attributes`` dict itself is no value a comparison could take, so
    the name ``attributes`` is looked up among the attributes.
    """
    fields: dict[str, object] = dict(contact.attributes)
    for name in Contact.model_fields:
        if name != "attributes":
            fields[name] = getattr(contact, name)
    return fields

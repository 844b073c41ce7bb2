"""``explain``: why one contact is (or is not) a member, node by node (API.md "Explain").

Each node is decided for the one contact from its own records (per-contact
posting lists, see ``engine.contact_records``), by the same rules and
helpers as ``evaluate``, so an explanation costs what the contact's records
cost, not what the repository holds. The root's ``member`` equals
``contact_id in evaluate(...)``; the tests hold every node to evaluating its
sub-query alone.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any

from segmentkit.analysis.explanation import Explanation, Truth, WindowBounds
from segmentkit.engine.aggregates import aggregate_records, having_test
from segmentkit.engine.catalog import check_written_out_depth
from segmentkit.engine.compare import compile_comparison, profile_value
from segmentkit.engine.contact_records import contact_postings, record_test
from segmentkit.engine.counted import count_predicate
from segmentkit.engine.evaluate import prepare
from segmentkit.engine.sequence import SequenceReader
from segmentkit.engine.windows import period_bounds
from segmentkit.errors import InvalidArgumentError, SegmentCycleError
from segmentkit.language.ast import (
    AllContacts,
    And,
    InPeriods,
    InteractionCondition,
    Not,
    Or,
    ProfileCondition,
    Query,
    Recency,
    SegmentReference,
    Sequence,
)
from segmentkit.storage.store import Snapshot, from_microseconds, to_microseconds
from segmentkit.storage.validation import did_you_mean

__all__ = ["explain"]

_TRUTH: dict[bool | None, Truth] = {True: "true", False: "false", None: "unknown"}


def explain(
    query: Query | str,
    repo: Any,
    contact_id: str,
    *,
    now: datetime,
    tz: str | tzinfo = "UTC",
) -> Explanation:
    """Why ``contact_id`` is or is not in ``query``'s members as of ``now``.

    The query is checked as ``evaluate`` checks it (and raises the same
    errors); an unknown contact is an ``InvalidArgumentError``.
    """
    evaluation, parsed = prepare(query, repo, now=now, tz=tz)
    snapshot = evaluation.snapshot
    check_written_out_depth(parsed, snapshot)  # the explainer follows segments recursively
    position = snapshot.positions.get(contact_id) if isinstance(contact_id, str) else None
    if position is None:
        raise InvalidArgumentError(
            f"no contact with id {contact_id!r} is in the repository"
            + (did_you_mean(contact_id, snapshot.contact_ids[:10_000])
               if isinstance(contact_id, str) else ""),
            argument="contact_id",
        )
    return _Explainer(evaluation, position).explain(parsed)


class _Explainer:
    def __init__(self, evaluation: Any, position: int) -> None:
        self.evaluation = evaluation
        self.snapshot: Snapshot = evaluation.snapshot
        self.position = position
        self.now = evaluation.now
        self.tz: tzinfo = evaluation.tz
        self.now_end = to_microseconds(evaluation.now) + 1
        self.segments_open: list[str] = []

    def explain(self, node: Query) -> Explanation:
        handler: Callable[[Any], Explanation] = getattr(self, "_" + type(node).__name__)
        return handler(node)

    # -- set algebra ----------------------------------------------------------------

    def _And(self, node: And) -> Explanation:
        children = tuple(self.explain(operand) for operand in node.operands)
        return Explanation(node, all(child.member for child in children), children)

    def _Or(self, node: Or) -> Explanation:
        children = tuple(self.explain(operand) for operand in node.operands)
        return Explanation(node, any(child.member for child in children), children)

    def _Not(self, node: Not) -> Explanation:
        child = self.explain(node.operand)
        return Explanation(node, not child.member, (child,))

    def _AllContacts(self, node: AllContacts) -> Explanation:
        return Explanation(node, True)

    def _SegmentReference(self, node: SegmentReference) -> Explanation:
        name = node.name
        if name in self.segments_open:
            cycle = [*self.segments_open[self.segments_open.index(name) :], name]
            raise SegmentCycleError(cycle)
        query = self.evaluation.segment_query(name)  # checks status and names
        segment = self.snapshot.segments[name]
        if query is None:
            listed = self.snapshot.contact_ids[self.position] in (segment.members or ())
            note = "static: listed" if listed else "static: not listed"
            return Explanation(node, listed, note=note)
        self.segments_open.append(name)
        try:
            child = self.explain(query)
        finally:
            self.segments_open.pop()
        return Explanation(node, child.member, (child,), note=f"{segment.status}")

    # -- conditions -------------------------------------------------------------------

    def _ProfileCondition(self, node: ProfileCondition) -> Explanation:
        contact = self.snapshot.contacts[self.position]
        value = profile_value(contact, node.comparison.field)
        test = compile_comparison(node.comparison, tz=self.tz, now=self.now)
        truth: Truth = _TRUTH[test(value)]
        return Explanation(node, truth == "true", value=value, truth=truth)

    def _records(
        self, type_name: str, via: str | None, where: Any, lo: int, hi: int
    ) -> list[int]:
        """Indices (time order) of the contact's counting records with index in [lo, hi)."""
        log = self.snapshot.log(type_name)
        postings = contact_postings(log, via)
        if postings is None:
            return []
        holds = None if where is None else self.evaluation.restriction(where)
        counts = record_test(log, where, holds)
        indices = postings.get(self.position, ())
        low = bisect_left(indices, lo)
        high = bisect_left(indices, hi, low)
        return [index for index in indices[low:high] if counts(index)]

    def _bounds(self, start: int | None, end: int) -> WindowBounds:
        shown_end = self.now if end >= self.now_end else from_microseconds(end, self.tz)
        shown_start = None if start is None else from_microseconds(start, self.tz)
        return shown_start, shown_end

    def _InteractionCondition(self, node: InteractionCondition) -> Explanation:
        log = self.snapshot.log(node.type)
        satisfied = count_predicate(node.count)
        if isinstance(node.window, InPeriods):
            return self._periodic(node, node.window)
        start, end = self.evaluation.bounds(node.window, node)
        span = log.window(start, end)
        indices = self._records(node.type, node.via, node.where, span.start, span.stop)
        member = satisfied(len(indices))
        value = None
        if node.having is not None:
            value = aggregate_records(log, node.having, indices)
            test = having_test(node.having, tz=self.tz, now=self.now)
            member = member and test(value) is True
        return Explanation(
            node,
            member,
            records=tuple(log.ids[i] for i in indices),
            count=len(indices),
            window=self._bounds(start, end),
            aggregate=value,
        )

    def _periodic(self, node: InteractionCondition, window: InPeriods) -> Explanation:
        log = self.snapshot.log(node.type)
        satisfied = count_predicate(node.count)
        bounds = period_bounds(window, now=self.now, tz=self.tz)
        counted: list[int] = []
        counts = []
        for start, end in bounds:
            span = log.window(start, end)
            found = self._records(node.type, node.via, node.where, span.start, span.stop)
            counts.append(len(found))
            counted.extend(found)
        held = sum(1 for count in counts if satisfied(count))
        counted.sort()
        return Explanation(
            node,
            held >= window.needed,
            records=tuple(log.ids[i] for i in counted),
            count=len(counted),
            window=tuple(self._bounds(start, end) for start, end in bounds),
            period_counts=tuple(counts),
        )

    def _Recency(self, node: Recency) -> Explanation:
        log = self.snapshot.log(node.type)
        start, end = self.evaluation.bounds(node.window, node)
        matching = self._records(node.type, node.via, node.where, 0, log.up_to(self.now_end - 1))
        if not matching:
            return Explanation(node, False, records=(), count=0, window=self._bounds(start, end),
                               note=f"no {node.type} record")
        chosen = matching[0] if node.which == "first" else matching[-1]
        stamp = log.timestamps[chosen]
        inside = (start is None or start <= stamp) and stamp < end
        where = "inside" if inside else "outside"  # the line reads "..., inside the window"
        return Explanation(
            node,
            inside,
            records=(log.ids[chosen],),
            count=len(matching),
            window=self._bounds(start, end),
            note=f"{where} the window",
        )

    def _Sequence(self, node: Sequence) -> Explanation:
        start, end = self.evaluation.bounds(node.window, node)
        reader = SequenceReader.of(self.evaluation, node)
        chain = None if reader is None else reader.find(self.position)
        records: tuple[str, ...] = ()
        if chain is not None:
            records = tuple(self.snapshot.log(type_name).ids[i] for type_name, i in chain)
        note = "found in order" if chain is not None else "not found in order"
        return Explanation(
            node,
            chain is not None,
            records=records,
            count=len(records),
            window=self._bounds(start, end),
            note=note,
        )

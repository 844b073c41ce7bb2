"""Evaluate a query to the set of contact ids it selects (LANGUAGE.md "Meaning").

Sets of contacts are Python ints used as bitsets over contact positions
(``store.Snapshot``): ``and`` is ``&``, ``or`` is ``|``, ``not`` is the
complement within ``all_mask``. An interaction condition reads only the
records inside its window: two bisects on the type's timestamp column, then
one pass over that slice. What an evaluation computes is left for the next
one on the same records (``reuse``, ``counted``): re-evaluating after a
small append costs what changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, tzinfo
from functools import reduce
from typing import TYPE_CHECKING, Any, Final, Protocol, cast, runtime_checkable

from segmentkit.engine.aggregates import having_mask, having_members, having_reads
from segmentkit.engine.catalog import checked_query, saved_query, segments_in_order
from segmentkit.engine.compare import compile_comparison, compile_restriction
from segmentkit.engine.conditions import interaction_mask
from segmentkit.engine.context import RecordTest
from segmentkit.engine.recency import recency_mask, recency_members, recency_reads
from segmentkit.engine.reuse import Reads, ids_for, patched, reads_now, remembered, zone_key
from segmentkit.engine.scan import profile_mask
from segmentkit.engine.sequence import sequence_mask, sequence_members, sequence_reads
from segmentkit.engine.windows import require_aware, resolve_timezone, window_bounds
from segmentkit.errors import InvalidArgumentError, QueryValidationError
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
)
from segmentkit.language.parse import parse
from segmentkit.storage.store import Snapshot

if TYPE_CHECKING:
    from segmentkit.language.ast import Node, Restriction, Window

__all__ = ["EvaluatesItself", "evaluate", "prepare"]


class _HasSnapshot(Protocol):
    def snapshot(self) -> Snapshot: ...


@runtime_checkable
class EvaluatesItself(Protocol):
    """A repository that evaluates queries itself (``segmentkit.sql.SqlRepository``)."""

    def evaluate_query(
        self, query: Query | str, *, now: datetime, tz: str | tzinfo = "UTC"
    ) -> frozenset[str]: ...


class _Evaluation:
    """One ``evaluate`` call: a snapshot, an instant and a time zone, with memos."""

    def __init__(self, snapshot: Snapshot, now: datetime, tz: tzinfo, text: str | None) -> None:
        self.snapshot = snapshot
        self.now = now
        self.tz = tz
        self.text = text
        self.segment_masks: dict[str, int] = {}
        self.leaf_masks: dict[Query, int] = {}
        self.restrictions: dict[Restriction, RecordTest] = {}
        self.windows: dict[Window | None, tuple[int | None, int]] = {}

    # -- segments -------------------------------------------------------------------

    def segment_query(self, name: str) -> Query | None:
        """The parsed query of saved segment ``name`` (None for a static one),
        after the checks evaluating it needs: it is live, its names known."""
        return saved_query(self.snapshot, name)

    def resolve_segments(self, query: Query) -> None:
        """Evaluate every segment the query reaches, dependencies first."""
        for name in segments_in_order(query, self.snapshot, done=self.segment_masks):
            self.segment_masks[name] = self._segment_members(name)

    def _segment_members(self, name: str) -> int:
        segment = self.snapshot.segments[name]
        if segment.members is not None:
            return self.snapshot.mask_of(segment.members)
        assert segment.query is not None  # a segment has members or a query
        # Its own references are already in segment_masks (resolved first).
        return self.mask(parse(segment.query))

    # -- the set algebra ---------------------------------------------------------------

    def mask(self, query: Query) -> int:
        return _DISPATCH[type(query)](self, query)

    def _all(self, query: AllContacts) -> int:
        return self.snapshot.all_mask

    def _and(self, query: And) -> int:
        return reduce(lambda acc, operand: acc & self.mask(operand), query.operands, -1)

    def _or(self, query: Or) -> int:
        return reduce(lambda acc, operand: acc | self.mask(operand), query.operands, 0)

    def _not(self, query: Not) -> int:
        return self.snapshot.all_mask & ~self.mask(query.operand)

    def _segment(self, query: SegmentReference) -> int:
        if query.name not in self.segment_masks:
            self.resolve_segments(query)
        return self.segment_masks[query.name]

    # -- conditions ------------------------------------------------------------------

    def _memoised(self, query: Query, compute: Callable[[], int]) -> int:
        mask = self.leaf_masks.get(query)
        if mask is None:
            mask = self.leaf_masks[query] = compute()
        return mask

    def _profile(self, query: ProfileCondition) -> int:
        return self._memoised(query, lambda: self._profile_mask(query))

    def _profile_mask(self, query: ProfileCondition) -> int:
        def compute() -> int:
            test = compile_comparison(query.comparison, tz=self.tz, now=self.now)
            return profile_mask(self.snapshot, query.comparison.field, test)

        now = self.now if reads_now(query.comparison) else None
        return self._remembered(query, (), now, compute)

    def _remembered(
        self, query: Query, types: Iterable[str], now: datetime | None, compute: Callable[[], int]
    ) -> int:
        """``compute()``, or its bitset from an earlier evaluation on the same
        records (``reuse.remembered``)."""
        zone = zone_key(self.tz)
        if zone is None:
            return compute()
        return remembered(self.snapshot, (query, zone), types, now, compute)

    def _interaction(self, query: InteractionCondition) -> int:
        return self._memoised(query, lambda: self._interaction_mask(query))

    def bounds(self, window: Window | None, node: Node) -> tuple[int | None, int]:
        # Memoised: a leaf's cold path, its reads and its per-contact decision
        # each ask, and calendar arithmetic is not free.
        found = self.windows.get(window)
        if found is not None:
            return found
        try:
            found = self.windows[window] = window_bounds(window, now=self.now, tz=self.tz)
            return found
        except QueryValidationError as error:
            position = window.position() if window is not None else node.position()
            if self.text is None or position is None:
                raise
            raise error.with_position(self.text, *position) from None

    def _recency(self, query: Recency) -> int:
        return self._memoised(
            query,
            lambda: self._patched(
                query, (query.where,), recency_reads(self, query),
                lambda: recency_mask(self, query),
                lambda positions: recency_members(self, query, positions),
            ),
        )

    def _sequence(self, query: Sequence) -> int:
        return self._memoised(
            query,
            lambda: self._patched(
                query, tuple(step.where for step in query.steps), sequence_reads(self, query),
                lambda: sequence_mask(self, query),
                lambda positions: sequence_members(self, query, positions),
            ),
        )

    def _interaction_mask(self, query: InteractionCondition) -> int:
        if query.having is not None:
            return self._patched(
                query, (query.where, query.having), having_reads(self, query),
                lambda: having_mask(self, query),
                lambda positions: having_members(self, query, positions),
            )
        # Counted conditions carry their counts over (engine.counted).
        return interaction_mask(self, query)

    def _patched(
        self,
        query: Query,
        reading: tuple[Node | None, ...],
        reads: list[Reads],
        compute: Callable[[], int],
        decide: Callable[[list[int]], Iterable[int]],
    ) -> int:
        """A per-contact leaf, patched from its last bitset (``reuse.patched``).

        ``reading``: the parts whose meaning may depend on ``now``.
        """
        zone = zone_key(self.tz)
        if zone is None:
            return compute()
        now = self.now if any(reads_now(part) for part in reading) else None
        return patched(self.snapshot, (query, zone, now), reads, compute, decide)

    def restriction(self, restriction: Restriction) -> RecordTest:
        compiled = self.restrictions.get(restriction)
        if compiled is None:
            compiled = self.restrictions[restriction] = compile_restriction(
                restriction, tz=self.tz, now=self.now
            )
        return compiled


_DISPATCH: Final[dict[type[Any], Callable[[_Evaluation, Any], int]]] = {
    AllContacts: _Evaluation._all,
    And: _Evaluation._and,
    Or: _Evaluation._or,
    Not: _Evaluation._not,
    SegmentReference: _Evaluation._segment,
    ProfileCondition: _Evaluation._profile,
    InteractionCondition: _Evaluation._interaction,
    Recency: _Evaluation._recency,
    Sequence: _Evaluation._sequence,
}


def _snapshot_of(repo: _HasSnapshot | Snapshot) -> Snapshot:
    if isinstance(repo, Snapshot):
        return repo
    take = getattr(repo, "snapshot", None)
    if not callable(take):
        raise InvalidArgumentError(
            f"expected a repository or a Snapshot, not {type(repo).__name__}", argument="repo"
        )
    snapshot = take()
    if not isinstance(snapshot, Snapshot):
        raise InvalidArgumentError("the repository's snapshot() gave no Snapshot", argument="repo")
    return snapshot


def evaluate(
    query: Query | str,
    repo: _HasSnapshot | Snapshot | EvaluatesItself,
    *,
    now: datetime,
    tz: str | tzinfo = "UTC",
) -> frozenset[str]:
    """The ids of the contacts ``query`` selects in ``repo`` as of ``now``.

    A string is parsed first; either way the query is checked (structure,
    then names against the repository) before anything is evaluated. ``now``
    must be timezone-aware; ``tz`` (an IANA name or a tzinfo) is the zone for
    DATE literals, naive DATETIMEs and calendar arithmetic.
    """
    # A repository whose records are elsewhere (a database) runs the query
    # there. (The attribute test is what isinstance on the runtime-checkable
    # protocol does, without its cost on every evaluation.)
    if callable(getattr(repo, "evaluate_query", None)):
        return cast(EvaluatesItself, repo).evaluate_query(query, now=now, tz=tz)
    evaluation, parsed = prepare(query, cast("_HasSnapshot | Snapshot", repo), now=now, tz=tz)
    evaluation.resolve_segments(parsed)
    return ids_for(evaluation.snapshot, parsed, evaluation.mask(parsed))


def prepare(
    query: Query | str,
    repo: _HasSnapshot | Snapshot,
    *,
    now: datetime,
    tz: str | tzinfo = "UTC",
) -> tuple[_Evaluation, Query]:
    """The checks every evaluation starts with, and an evaluation ready to run.

    Parses a text, checks the structure and the names against the
    repository's snapshot; raises as ``evaluate`` does. Other analyses of a
    query (``explain``, ``changes``) start here too.
    """
    zone = resolve_timezone(tz)
    require_aware(now)
    snapshot = _snapshot_of(repo)
    parsed, text = checked_query(query, snapshot)
    return _Evaluation(snapshot, now, zone, text), parsed

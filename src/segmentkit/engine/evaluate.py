"""Evaluate a query to the set of contact ids it selects (LANGUAGE.md "Meaning").

Sets of contacts are Python ints used as bitsets over contact positions
(``store.Snapshot``): ``and`` is ``&``, ``or`` is ``|``, ``not`` is the
complement within ``all_mask``. An interaction condition reads only the
records inside its window: two bisects on the type's timestamp column, then
one pass over that slice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import datetime, tzinfo
from functools import reduce
from itertools import repeat
from typing import TYPE_CHECKING, Any, Final, Protocol

from segmentkit.engine.compare import compile_comparison, compile_restriction
from segmentkit.engine.scan import profile_mask, selected_contacts
from segmentkit.engine.windows import require_aware, resolve_timezone, window_bounds
from segmentkit.errors import (
    InvalidArgumentError,
    QueryValidationError,
    SegmentCycleError,
    SegmentStatusError,
)
from segmentkit.language.ast import (
    AllContacts,
    And,
    Count,
    InteractionCondition,
    Not,
    Or,
    ProfileCondition,
    Query,
    SegmentReference,
)
from segmentkit.language.check import check_names, check_structure, referenced_segments
from segmentkit.language.parse import parse
from segmentkit.storage.store import Snapshot, bits_to_int, mask_from_positions

if TYPE_CHECKING:
    from segmentkit.language.ast import Restriction

__all__ = ["count_predicate", "evaluate"]


class _HasSnapshot(Protocol):
    def snapshot(self) -> Snapshot: ...


def count_predicate(count: Count | None) -> Callable[[int], bool]:
    """Whether a number of records satisfies a count clause (bounds inclusive)."""
    if count is None:
        return lambda n: n >= 1
    low, high = count.value, count.upper
    if count.operator == "at least":
        return lambda n: n >= low
    if count.operator == "at most":
        return lambda n: n <= low
    if count.operator == "exactly":
        return lambda n: n == low
    assert high is not None  # a "between" count always has an upper bound
    return lambda n: low <= n <= high


class _Evaluation:
    """One ``evaluate`` call: a snapshot, an instant and a time zone, with memos."""

    def __init__(self, snapshot: Snapshot, now: datetime, tz: tzinfo, text: str | None) -> None:
        self.snapshot = snapshot
        self.now = now
        self.tz = tz
        self.text = text
        self.segment_masks: dict[str, int] = {}
        self.leaf_masks: dict[Query, int] = {}
        self.restrictions: dict[Restriction, Callable[[Mapping[str, Any]], bool | None]] = {}

    # -- segments -------------------------------------------------------------------

    def _dependencies(self, name: str) -> list[str]:
        segment = self.snapshot.segments.get(name)
        if segment is None:
            # check_names stops this for the query itself; a saved query is
            # checked below, so this is a snapshot edited behind our back.
            raise QueryValidationError(f"There is no segment named {name}", word=name)
        if segment.status != "live":
            words = "a draft" if segment.status == "draft" else segment.status
            raise SegmentStatusError(
                f"segment {name!r} is {words}, so it has no members: only a live segment "
                f"has members; put it live first (repo.go_live({name!r}))",
                segment=name,
                status=segment.status,
            )
        if segment.query is None:
            return []
        # parse caches by text; checking names again is cheap and catches a
        # saved query that no longer fits the repository's types.
        query = parse(segment.query)
        snapshot = self.snapshot
        check_names(query, types=snapshot.types, segments=snapshot.segments, text=segment.query)
        return referenced_segments(query)

    def resolve_segments(self, query: Query) -> None:
        """Evaluate every segment the query reaches, dependencies first.

        An explicit stack instead of recursion: a long chain of segments that
        refer to each other cannot exhaust Python's recursion limit, and the
        stack is the path that names a cycle when one closes.
        """
        visiting: set[str] = set()
        for root in referenced_segments(query):
            if root in self.segment_masks:
                continue
            path = [root]
            visiting.add(root)
            stack = [iter(self._dependencies(root))]
            while stack:
                for dependency in stack[-1]:
                    if dependency in visiting:
                        cycle = [*path[path.index(dependency) :], dependency]
                        raise SegmentCycleError(cycle)
                    if dependency not in self.segment_masks:
                        path.append(dependency)
                        visiting.add(dependency)
                        stack.append(iter(self._dependencies(dependency)))
                        break
                else:
                    stack.pop()
                    done = path.pop()
                    visiting.discard(done)
                    self.segment_masks[done] = self._segment_members(done)

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
        test = compile_comparison(query.comparison, tz=self.tz, now=self.now)
        return profile_mask(self.snapshot, query.comparison.field, test)

    def _interaction(self, query: InteractionCondition) -> int:
        return self._memoised(query, lambda: self._interaction_mask(query))

    def _window(self, query: InteractionCondition) -> tuple[int | None, int]:
        try:
            return window_bounds(query.window, now=self.now, tz=self.tz)
        except QueryValidationError as error:
            position = query.window.position() if query.window is not None else None
            if self.text is None or position is None:
                raise
            raise error.with_position(self.text, *position) from None

    def _interaction_mask(self, query: InteractionCondition) -> int:
        log = self.snapshot.log(query.type)
        start, end = self._window(query)
        related = log.contacts if query.via is None else log.references.get(query.via)
        size = self.snapshot.contact_count
        holds = None if query.where is None else self._restriction(query.where)
        satisfied = count_predicate(query.count)
        span = log.window(start, end)

        def select() -> Iterable[int]:
            if related is None:
                return ()
            return selected_contacts(log, span.start, span.stop, related, query.where, holds)

        if query.count is None or (query.count.operator == "at least" and query.count.value == 1):
            # The default: any one record will do, so the distinct positions suffice.
            return _any_record_mask(select, size)
        if query.count.value == 0 and query.count.operator in ("exactly", "at most"):
            # No record at all: the complement of "any record".
            return self.snapshot.all_mask & ~_any_record_mask(select, size)
        selected = select()
        counts = Counter(selected)
        counts.pop(-1, None)
        if satisfied(0):
            # Zero is admitted: contacts with no records are in; drop the failing ones.
            failing = [p for p, n in counts.items() if not satisfied(n)]
            return self.snapshot.all_mask & ~mask_from_positions(_below(failing, size), size)
        passing = [p for p, n in counts.items() if satisfied(n)]
        return mask_from_positions(_below(passing, size), size)

    def _restriction(self, restriction: Restriction) -> Callable[[Mapping[str, Any]], bool | None]:
        compiled = self.restrictions.get(restriction)
        if compiled is None:
            compiled = self.restrictions[restriction] = compile_restriction(
                restriction, tz=self.tz, now=self.now
            )
        return compiled


def _any_record_mask(select: Callable[[], Iterable[int]], size: int) -> int:
    """The bitset of the positions ``select()`` gives (-1, a missing via field, is no one).

    Bytes set through map() in C: cheaper than collecting a set first.
    """
    bits = bytearray(size + 1)  # the extra last byte takes the -1 entries
    try:
        any(map(bits.__setitem__, select(), repeat(1)))
    except IndexError:  # a position past the snapshot's contacts: leave it out
        found = {p for p in select() if 0 <= p < size}
        return mask_from_positions(found, size)
    del bits[size]
    return bits_to_int(bits)


def _below(positions: Collection[int], size: int) -> Collection[int]:
    """Positions of contacts the snapshot has (a record never names a later one)."""
    if positions and max(positions) >= size:
        return [p for p in positions if p < size]
    return positions


_DISPATCH: Final[dict[type[Any], Callable[[_Evaluation, Any], int]]] = {
    AllContacts: _Evaluation._all,
    And: _Evaluation._and,
    Or: _Evaluation._or,
    Not: _Evaluation._not,
    SegmentReference: _Evaluation._segment,
    ProfileCondition: _Evaluation._profile,
    InteractionCondition: _Evaluation._interaction,
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
    repo: _HasSnapshot | Snapshot,
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
    zone = resolve_timezone(tz)
    require_aware(now)
    snapshot = _snapshot_of(repo)
    text: str | None = None
    parsed: Query
    if isinstance(query, str):
        text = query
        parsed = parse(text)  # parse runs check_structure itself
    elif isinstance(query, Query):
        parsed = query
        check_structure(parsed)
    else:
        raise InvalidArgumentError(
            f"expected a query text or a Query, not {type(query).__name__}", argument="query"
        )
    check_names(parsed, types=snapshot.types, segments=snapshot.segments, text=text)
    evaluation = _Evaluation(snapshot, now, zone, text)
    evaluation.resolve_segments(parsed)
    return snapshot.ids_of(evaluation.mask(parsed))

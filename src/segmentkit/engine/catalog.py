"""What a query is checked against, whatever holds the records: interaction
types, saved segments, declared contact attributes.

``evaluate`` reads them from a ``Snapshot``; a SQL repository from its
tables. Both check a query, find a saved segment's query and order the
segments a query reaches (dependencies first, cycles refused) here, so the
two agree on every error.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Protocol

from segmentkit.errors import (
    InvalidArgumentError,
    QueryValidationError,
    SegmentCycleError,
    SegmentStatusError,
)
from segmentkit.language.ast import Node, Query, SegmentReference
from segmentkit.language.check import check_structure
from segmentkit.language.names import check_names, referenced_segments
from segmentkit.language.parse import parse
from segmentkit.models.records import InteractionType, Segment
from segmentkit.models.values import FieldKind

__all__ = [
    "MAX_WRITTEN_OUT_DEPTH",
    "Catalog",
    "check_written_out_depth",
    "checked_query",
    "saved_query",
    "segments_in_order",
]

# explain and changes follow a segment reference into the segment's own query,
# recursively. A query's own nesting is limited (MAX_DEPTH); this limits the
# nesting of the query with every segment it reaches written out, so that no
# chain of segments exhausts Python's recursion limit there. (Evaluation
# resolves segments one by one, dependencies first, and needs no such limit.)
MAX_WRITTEN_OUT_DEPTH = 250


class Catalog(Protocol):
    @property
    def types(self) -> Mapping[str, InteractionType]: ...

    @property
    def segments(self) -> Mapping[str, Segment]: ...

    @property
    def attributes(self) -> Mapping[str, FieldKind]: ...


def checked_query(query: Query | str, catalog: Catalog) -> tuple[Query, str | None]:
    """The query parsed (a text) and checked: structure, then names against
    ``catalog``. Returns it with its text (None for a tree)."""
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
    check_names(
        parsed,
        types=catalog.types,
        segments=catalog.segments,
        text=text,
        attributes=catalog.attributes,
    )
    return parsed, text


def saved_query(catalog: Catalog, name: str) -> Query | None:
    """The parsed query of saved segment ``name`` (None for a static one),
    after the checks evaluating it needs: it is live, its names known."""
    segment = catalog.segments.get(name)
    if segment is None:
        # check_names stops this for the query itself; a saved query is
        # checked below, so this is a catalog edited behind our back.
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
        return None
    # parse caches by text; checking names again is cheap and catches a
    # saved query that no longer fits the repository's types.
    query = parse(segment.query)
    check_names(
        query,
        types=catalog.types,
        segments=catalog.segments,
        text=segment.query,
        attributes=catalog.attributes,
    )
    return query


def segments_in_order(
    query: Query, catalog: Catalog, done: Mapping[str, object] | None = None
) -> Iterator[str]:
    """The segments ``query`` reaches, each after the segments it refers to
    (names in ``done`` and what they reach are skipped); a cycle is a
    ``SegmentCycleError`` naming it.

    An explicit stack instead of recursion: a long chain of segments that
    refer to each other cannot exhaust Python's recursion limit, and the
    stack is the path that names a cycle when one closes. The caller resolves
    each name as it comes, before asking for the next.
    """
    finished: set[str] = set(done or ())
    visiting: set[str] = set()

    def dependencies(name: str) -> Iterator[str]:
        saved = saved_query(catalog, name)
        return iter([] if saved is None else referenced_segments(saved))

    for root in referenced_segments(query):
        if root in finished:
            continue
        path = [root]
        visiting.add(root)
        stack = [dependencies(root)]
        while stack:
            for dependency in stack[-1]:
                if dependency in visiting:
                    cycle = [*path[path.index(dependency) :], dependency]
                    raise SegmentCycleError(cycle)
                if dependency not in finished:
                    path.append(dependency)
                    visiting.add(dependency)
                    stack.append(dependencies(dependency))
                    break
            else:
                stack.pop()
                name = path.pop()
                visiting.discard(name)
                finished.add(name)
                yield name


def check_written_out_depth(query: Query, catalog: Catalog) -> None:
    """A QueryValidationError, naming the limit, when ``query`` with the queries
    of the segments it reaches written out in place of their references nests
    more than ``MAX_WRITTEN_OUT_DEPTH`` levels deep. Computed without recursion,
    each segment once."""
    below: dict[str, int] = {}  # a segment's query, written out: its depth (0: static)
    for name in segments_in_order(query, catalog):
        saved = saved_query(catalog, name)
        below[name] = 0 if saved is None else _written_out_depth(saved, below)
    found = _written_out_depth(query, below)
    if found > MAX_WRITTEN_OUT_DEPTH:
        raise QueryValidationError(
            f"With the segments it refers to written out, the query is nested {found} "
            f"levels deep, more than the {MAX_WRITTEN_OUT_DEPTH} that explain and "
            "changes follow",
            hint="evaluate and members take it; a shorter chain of segments would do "
            "for explain and changes.",
        )


def _written_out_depth(query: Node, below: Mapping[str, int]) -> int:
    deepest = 0
    stack: list[tuple[Node, int]] = [(query, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(node, SegmentReference):
            deepest = max(deepest, level + below.get(node.name, 0))
        else:
            stack.extend((child, level + 1) for child in node.children())
    return deepest

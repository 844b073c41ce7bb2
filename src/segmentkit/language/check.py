"""Rules a parsed query must follow before it is evaluated.

``check_structure`` holds the rules that need no repository (negative counts,
inverted ranges, ``null`` outside ``is null``, lists of mixed kinds, depth);
``check_names`` those that do (every type, field, ``via`` and segment named
must exist). Both walk the AST without recursion and report the first
problem in query order, at the position the parser recorded on the node.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, time, timedelta

from segmentkit.errors import QueryValidationError
from segmentkit.language.ast import (
    MAX_DEPTH,
    Ago,
    Between,
    Comparison,
    Count,
    DateLiteral,
    DateTimeLiteral,
    InLast,
    InPeriods,
    InteractionCondition,
    ListLiteral,
    Node,
    NullLiteral,
    Query,
    SegmentReference,
    StringLiteral,
)
from segmentkit.language.like_pattern import like_problem
from segmentkit.models.records import InteractionType, Segment
from segmentkit.suggestions import close_names

__all__ = ["check_names", "check_structure", "referenced_segments"]

_KIND_WORDS = {
    "string": "text",
    "number": "a number",
    "boolean": "true/false",
    "date": "a date",
    "datetime": "a date and time",
}
# A wall time read in any time zone lies within a day of the same wall time
# read in UTC (utcoffset is always under 24 hours).
_ANY_OFFSET = timedelta(hours=24)


def _error(
    problem: str,
    node: Node,
    field: str = "",
    *,
    text: str | None,
    word: str | None = None,
    suggestions: Iterable[str] = (),
    hint: str | None = None,
) -> QueryValidationError:
    position = node.position(field)
    line, column = position if position is not None else (None, None)
    return QueryValidationError(
        problem,
        word=word,
        suggestions=list(suggestions),
        text=text,
        line=line,
        column=column,
        hint=hint,
    )


# --- structure ---------------------------------------------------------------------------


def check_structure(query: Query, *, text: str | None = None) -> None:
    """Raise QueryValidationError for the first repository-independent problem."""
    _check_depth(query, text)
    for node in query.walk():
        if isinstance(node, Count):
            _check_count(node, text)
        elif isinstance(node, InLast | Ago) and node.amount < 0:
            raise _error(
                f"A number of {node.unit}s cannot be negative ({node.amount})",
                node,
                "amount",
                text=text,
                word=str(node.amount),
            )
        elif isinstance(node, Between) and _inverted(node):
            raise _error(
                "The window's start is later than its end",
                node,
                "start",
                text=text,
                hint="Write the earlier point first: between EARLIER and LATER.",
            )
        elif isinstance(node, Comparison):
            _check_comparison(node, text)
        elif isinstance(node, InPeriods):
            _check_periods(node, text)


def _check_depth(query: Query, text: str | None) -> None:
    stack: list[tuple[Node, int]] = [(query, 1)]
    while stack:
        node, level = stack.pop()
        if level > MAX_DEPTH:
            raise _error(
                f"The query is nested more than {MAX_DEPTH} levels deep",
                node,
                text=text,
                hint="Remove double negations (not not ...) or split it into saved segments.",
            )
        stack.extend((child, level + 1) for child in node.children())


def _check_periods(window: InPeriods, text: str | None) -> None:
    if window.periods < 1:
        raise _error(
            f"in ... of last {window.periods} {window.unit}s: the number of periods must be "
            "at least 1",
            window,
            "periods",
            text=text,
            word=str(window.periods),
        )
    if not 1 <= window.needed <= window.periods:
        raise _error(
            f"in {window.needed} of last {window.periods} {window.unit}s: the first number "
            f"must be between 1 and {window.periods}",
            window,
            "needed",
            text=text,
            word=str(window.needed),
            hint=f"For all of them, write in {window.periods} of last {window.periods} "
            f"{window.unit}s." if window.needed > window.periods else None,
        )


def _check_count(count: Count, text: str | None) -> None:
    for field, number in (("value", count.value), ("upper", count.upper)):
        if number is not None and number < 0:
            raise _error(
                f"A count cannot be negative ({number})",
                count,
                field,
                text=text,
                word=str(number),
            )
    if count.upper is not None and count.value > count.upper:
        raise _error(
            f"between {count.value} and {count.upper} times: the first number is larger "
            "than the second",
            count,
            "value",
            text=text,
            hint=f"Write between {count.upper} and {count.value} times.",
        )


def _inverted(window: Between) -> bool:
    """True when both points are absolute and the start is surely after the end.

    The end is q' (a DATE end includes its whole day). A point without an
    offset is read in the evaluation's time zone, unknown here: against a
    point with an offset the order is decided only when no time zone could
    change it; otherwise evaluation decides.
    """
    start, end = window.start, window.end
    if not isinstance(start, DateLiteral | DateTimeLiteral):
        return False
    if not isinstance(end, DateLiteral | DateTimeLiteral):
        return False
    try:
        if isinstance(start, DateLiteral):
            start_at = datetime.combine(start.value, time())
        else:
            start_at = start.value
        if isinstance(end, DateLiteral):
            end_at = datetime.combine(end.value, time()) + timedelta(days=1)
        else:
            end_at = end.value
        start_naive, end_naive = start_at.tzinfo is None, end_at.tzinfo is None
        if start_naive == end_naive:
            return start_at > end_at
        if start_naive:
            return start_at.replace(tzinfo=UTC) - _ANY_OFFSET >= end_at
        return start_at >= end_at.replace(tzinfo=UTC) + _ANY_OFFSET
    except OverflowError:
        # A point at the very end of the calendar: nothing lies after it.
        return False


def _check_comparison(comparison: Comparison, text: str | None) -> None:
    value = comparison.value
    field = comparison.field
    if comparison.operator in ("like", "not like") and isinstance(value, StringLiteral):
        problem = like_problem(value.value)
        if problem is not None:
            raise _error(
                problem[0],
                value,
                text=text,
                hint="In a pattern \\% and \\_ match % and _ themselves and \\\\ a backslash; "
                'inside the quotes each backslash is written twice: "50\\\\%".',
            )
    if isinstance(value, NullLiteral):
        wanted = "is not null" if comparison.operator == "!=" else "is null"
        raise _error(
            f"null can only be tested with is null or is not null, not {comparison.operator}",
            value,
            text=text,
            word="null",
            hint=f"Write {field} {wanted}.",
        )
    if isinstance(value, ListLiteral) and value.items:
        first_kind = value.items[0].kind
        for item in value.items:
            if isinstance(item, NullLiteral):
                raise _error(
                    "A list cannot hold null",
                    item,
                    text=text,
                    word="null",
                    hint=f"To also match a missing value, add: or {field} is null.",
                )
        for item in value.items:
            if item.kind != first_kind:
                raise _error(
                    f"A list holds one kind of value: this one starts with "
                    f"{_KIND_WORDS[first_kind]} but also holds {_KIND_WORDS[item.kind]}",
                    item,
                    text=text,
                )


# --- names ---------------------------------------------------------------------------------


def check_names(
    query: Query,
    *,
    types: Mapping[str, InteractionType],
    segments: Mapping[str, Segment],
    text: str | None = None,
) -> None:
    """Raise QueryValidationError for the first unknown type, field, via or segment.

    Profile paths (``contact.X``) are never unknown: contact attributes are
    free-form.
    """
    for node in query.walk():
        if isinstance(node, InteractionCondition):
            _check_interaction(node, types, text)
        elif isinstance(node, SegmentReference) and node.name not in segments:
            raise _error(
                f"There is no segment named {node.name}",
                node,
                "name",
                text=text,
                word=node.name,
                suggestions=close_names(node.name, segments),
            )


def _check_interaction(
    condition: InteractionCondition, types: Mapping[str, InteractionType], text: str | None
) -> None:
    schema = types.get(condition.type)
    if schema is None:
        raise _error(
            f"There is no interaction type named {condition.type}",
            condition,
            text=text,
            word=condition.type,
            suggestions=close_names(condition.type, types),
        )
    if condition.via is not None:
        if condition.via not in schema.fields:
            raise _error(
                f"{schema.name} records have no field {condition.via}",
                condition,
                "via",
                text=text,
                word=condition.via,
                suggestions=close_names(condition.via, schema.contact_references),
            )
        if condition.via not in schema.contact_references:
            references = sorted(schema.contact_references)
            raise _error(
                f"The field {condition.via} of {schema.name} does not hold a contact id, "
                "so it cannot follow via",
                condition,
                "via",
                text=text,
                word=condition.via,
                suggestions=close_names(condition.via, references) or references[:3],
            )
    if condition.where is not None:
        for part in condition.where.walk():
            if isinstance(part, Comparison) and part.field not in schema.fields:
                raise _error(
                    f"{schema.name} records have no field {part.field}",
                    part,
                    text=text,
                    word=part.field,
                    suggestions=close_names(part.field, schema.fields),
                )


def referenced_segments(query: Query) -> list[str]:
    """The distinct names of ``segment X`` atoms, in query order."""
    names: dict[str, None] = {}
    for node in query.walk():
        if isinstance(node, SegmentReference):
            names.setdefault(node.name)
    return list(names)

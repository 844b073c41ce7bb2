"""Rules a parsed query must follow before it is evaluated.

``check_structure`` holds the rules that need no repository (negative counts,
inverted ranges, ``null`` outside ``is null``, lists of mixed kinds, depth);
``names.check_names`` those that do (every type, field, ``via`` and segment
named must exist). Both walk the AST without recursion and report the first
problem in query order, at the position the parser recorded on the node.
"""

from __future__ import annotations

from collections.abc import Iterable
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
    Having,
    InLast,
    InPeriods,
    InteractionCondition,
    ListLiteral,
    Node,
    NullLiteral,
    NumberLiteral,
    Query,
    Recency,
    Sequence,
    StringLiteral,
    Within,
)
from segmentkit.language.like_pattern import like_problem

__all__ = ["check_structure", "error_at"]

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


def error_at(
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
        elif isinstance(node, InLast | Ago | Within) and node.amount < 0:
            raise error_at(
                f"A number of {node.unit}s cannot be negative ({node.amount})",
                node,
                "amount",
                text=text,
                word=str(node.amount),
            )
        elif isinstance(node, Between) and _inverted(node):
            raise error_at(
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
        elif isinstance(node, InteractionCondition) and node.having is not None:
            _check_having(node.having, node, text)
        elif isinstance(node, Recency | Sequence) and isinstance(node.window, InPeriods):
            what = f"{node.which} condition" if isinstance(node, Recency) else "sequence"
            raise error_at(
                f"A {what} cannot take a periodic window (in ... of last ...)",
                node.window,
                text=text,
                hint="Use one window, e.g. in last 4 weeks.",
            )


def _check_depth(query: Query, text: str | None) -> None:
    stack: list[tuple[Node, int]] = [(query, 1)]
    while stack:
        node, level = stack.pop()
        if level > MAX_DEPTH:
            raise error_at(
                f"The query is nested more than {MAX_DEPTH} levels deep",
                node,
                text=text,
                hint="Remove double negations (not not ...) or split it into saved segments.",
            )
        stack.extend((child, level + 1) for child in node.children())


_NUMERIC_AGGREGATES = frozenset({"sum", "avg", "distinct"})


def _check_having(having: Having, condition: InteractionCondition, text: str | None) -> None:
    """The rules of LANGUAGE.md "Aggregates" that need no schema."""
    if isinstance(condition.window, InPeriods):
        raise error_at(
            "having cannot be combined with a periodic window (in ... of last ...)",
            condition.window,
            text=text,
            hint="Use one window, e.g. in last 4 weeks.",
        )
    value = having.value
    if isinstance(value, NullLiteral):
        raise error_at(
            f"having compares {having.function}({having.field}) with a value, not null",
            value,
            text=text,
            word="null",
            hint="An aggregate of no values is 0 for sum and distinct and null (never a "
            "member) for avg, min and max.",
        )
    if having.function in _NUMERIC_AGGREGATES and not isinstance(value, NumberLiteral):
        raise error_at(
            f"{having.function}(...) is a number: compare it with a number",
            value,
            text=text,
        )


def _check_periods(window: InPeriods, text: str | None) -> None:
    if window.periods < 1:
        raise error_at(
            f"in ... of last {window.periods} {window.unit}s: the number of periods must be "
            "at least 1",
            window,
            "periods",
            text=text,
            word=str(window.periods),
        )
    if not 1 <= window.needed <= window.periods:
        raise error_at(
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
            raise error_at(
                f"A count cannot be negative ({number})",
                count,
                field,
                text=text,
                word=str(number),
            )
    if count.upper is not None and count.value > count.upper:
        raise error_at(
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
            raise error_at(
                problem[0],
                value,
                text=text,
                hint="In a pattern \\% and \\_ match % and _ themselves and \\\\ a backslash; "
                'inside the quotes each backslash is written twice: "50\\\\%".',
            )
    if isinstance(value, NullLiteral):
        wanted = "is not null" if comparison.operator == "!=" else "is null"
        raise error_at(
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
                raise error_at(
                    "A list cannot hold null",
                    item,
                    text=text,
                    word="null",
                    hint=f"To also match a missing value, add: or {field} is null.",
                )
        for item in value.items:
            if item.kind != first_kind:
                raise error_at(
                    f"A list holds one kind of value: this one starts with "
                    f"{_KIND_WORDS[first_kind]} but also holds {_KIND_WORDS[item.kind]}",
                    item,
                    text=text,
                )

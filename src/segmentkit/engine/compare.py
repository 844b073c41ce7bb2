"""Three-valued comparisons (LANGUAGE.md "Comparisons and three-valued logic").

A comparison is TRUE (``True``), FALSE (``False``) or UNKNOWN (``None``), as
in SQL. Each comparison is compiled once into a closure over its literal (the
literal casefolded, a date turned into an ordinal, a datetime into epoch
microseconds), so that testing a record or a contact does no re-work.

Values are the kinds of ``segmentkit.models.values.Value``: text, number, boolean,
date, datetime, a list of those, or None. ``bool`` is its own kind here even
though Python says ``True == 1``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Final

from segmentkit.engine.like import compile_like
from segmentkit.engine.windows import date_midnight, local_instant, point_microseconds
from segmentkit.errors import InvalidArgumentError
from segmentkit.language.ast import (
    Ago,
    BooleanLiteral,
    Comparison,
    DateLiteral,
    DateTimeLiteral,
    NumberLiteral,
    Restriction,
    StringLiteral,
    WhereAnd,
    WhereNot,
    WhereOr,
)
from segmentkit.models.records import CONTACT_FIELDS, Contact

__all__ = [
    "ORDER",
    "Truth",
    "compare",
    "compile_comparison",
    "compile_restriction",
    "kleene_and",
    "kleene_not",
    "kleene_or",
    "profile_value",
    "restriction_holds",
]

Truth = bool | None
ValueTest = Callable[[Any], Truth]
RecordTest = Callable[[Mapping[str, Any]], Truth]

ORDER: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_EQUALITY: Final = frozenset({"=", "!="})



# --- Kleene logic ---------------------------------------------------------------


def kleene_not(truth: Truth) -> Truth:
    return None if truth is None else not truth


def kleene_and(truths: Iterable[Truth]) -> Truth:
    """FALSE if any is FALSE, else UNKNOWN if any is UNKNOWN, else TRUE."""
    result: Truth = True
    for truth in truths:
        if truth is False:
            return False
        if truth is None:
            result = None
    return result


def kleene_or(truths: Iterable[Truth]) -> Truth:
    """TRUE if any is TRUE, else UNKNOWN if any is UNKNOWN, else FALSE."""
    result: Truth = False
    for truth in truths:
        if truth is True:
            return True
        if truth is None:
            result = None
    return result


# --- scalar tests: one literal, one operator ---------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _text_test(op: str, literal: str) -> ValueTest:
    compare_to = ORDER[op]
    key = literal.casefold()

    def test(value: Any) -> Truth:
        return compare_to(value.casefold(), key) if isinstance(value, str) else None

    return test


def _number_test(op: str, literal: int | float) -> ValueTest:
    compare_to = ORDER[op]

    def test(value: Any) -> Truth:
        return compare_to(value, literal) if _is_number(value) else None

    return test


def _boolean_test(op: str, literal: bool) -> ValueTest:
    if op not in _EQUALITY:
        return _unknown  # booleans have no order
    compare_to = ORDER[op]

    def test(value: Any) -> Truth:
        return compare_to(value, literal) if isinstance(value, bool) else None

    return test


def _local_ordinal(value: datetime, tz: tzinfo) -> int:
    """The day number of a datetime's calendar date in ``tz``."""
    if value.tzinfo is None:
        return value.toordinal()
    try:
        return value.astimezone(tz).toordinal()
    except OverflowError:
        return _edge_local_ordinal(value, tz)


_MICROSECOND: Final = timedelta(microseconds=1)
_DAY_MICROSECONDS: Final = 86_400_000_000
_EPOCH_NAIVE: Final = datetime(1970, 1, 1)


def _edge_local_ordinal(value: datetime, tz: tzinfo) -> int:
    # Within a day of the calendar's ends the conversion through UTC can leave
    # datetime's range although the local date is a real one (0001-01-01
    # 00:30+05:00 is 09:30 that day in +14:00). Do it in whole microseconds,
    # with tz's offset at the nearest instant datetime can hold: offsets do not
    # change at the very ends of the calendar.
    offset = value.utcoffset() or timedelta(0)
    instant = (value.replace(tzinfo=None) - _EPOCH_NAIVE - offset) // _MICROSECOND
    nearest = datetime.min if value.year == 1 else datetime.max
    local_offset = tz.utcoffset(nearest) or timedelta(0)
    local = instant + local_offset // _MICROSECOND
    # An ordinal outside 1..date.max simply orders before or after every date.
    return _EPOCH_NAIVE.toordinal() + local // _DAY_MICROSECONDS


def _date_test(op: str, literal: date, tz: tzinfo) -> ValueTest:
    compare_to = ORDER[op]
    day = literal.toordinal()

    def test(value: Any) -> Truth:
        # datetime is a subclass of date: test it first.
        if isinstance(value, datetime):
            return compare_to(_local_ordinal(value, tz), day)
        if isinstance(value, date):
            return compare_to(value.toordinal(), day)
        return None

    return test


def _datetime_test(op: str, literal: datetime, tz: tzinfo) -> ValueTest:
    return _instant_test(op, local_instant(literal, tz), tz)


def _instant_test(op: str, instant: int, tz: tzinfo) -> ValueTest:
    """``value OP instant`` (epoch microseconds) for a datetime or date value."""
    compare_to = ORDER[op]

    def test(value: Any) -> Truth:
        # Epoch microseconds: exact, and immune to same-tzinfo wall-clock comparison.
        if isinstance(value, datetime):
            return compare_to(local_instant(value, tz), instant)
        if isinstance(value, date):
            return compare_to(date_midnight(value, tz), instant)
        return None

    return test


def _unknown(value: Any) -> Truth:
    return None


def _ago_test(op: str, literal: Ago, tz: tzinfo, now: datetime | None) -> ValueTest:
    # "N UNIT ago ... is the instant now - N UNIT (the rules of windows) and
    # has the kind DATETIME": so it compares as a DATETIME literal would.
    if now is None:
        raise InvalidArgumentError(
            f"{literal.amount} {literal.unit}(s) ago needs the instant now to compare with",
            argument="now",
        )
    return _instant_test(op, point_microseconds(literal, now=now, tz=tz), tz)


_SCALAR_TESTS: Final[
    dict[type[Any], Callable[[str, Any, tzinfo, datetime | None], ValueTest]]
] = {
    StringLiteral: lambda op, literal, tz, now: _text_test(op, literal.value),
    NumberLiteral: lambda op, literal, tz, now: _number_test(op, literal.value),
    BooleanLiteral: lambda op, literal, tz, now: _boolean_test(op, literal.value),
    DateLiteral: lambda op, literal, tz, now: _date_test(op, literal.value, tz),
    DateTimeLiteral: lambda op, literal, tz, now: _datetime_test(op, literal.value, tz),
    Ago: _ago_test,
}


def _scalar_test(op: str, literal: Any, tz: tzinfo, now: datetime | None = None) -> ValueTest:
    """``value OP literal`` for one scalar value (a NULL literal makes it UNKNOWN)."""
    make = _SCALAR_TESTS.get(type(literal))
    return _unknown if make is None else make(op, literal, tz, now)


# --- whole comparisons ------------------------------------------------------------------


def _in_test(items: Iterable[Any], tz: tzinfo, negate: bool) -> ValueTest:
    equals = [_scalar_test("=", item, tz) for item in items]

    def test(value: Any) -> Truth:
        if value is None or isinstance(value, list):
            return None
        found = kleene_or(element_equals(value) for element_equals in equals)
        return kleene_not(found) if negate else found

    return test


def _contains_test(literal: Any, tz: tzinfo, now: datetime | None) -> ValueTest:
    element_equals = _scalar_test("=", literal, tz, now)
    needle = literal.value.casefold() if isinstance(literal, StringLiteral) else None

    def test(value: Any) -> Truth:
        if isinstance(value, list):
            return kleene_or(
                None if element is None else element_equals(element) for element in value
            )
        if isinstance(value, str) and needle is not None:
            return needle in value.casefold()
        # Null, text against a non-text literal, or a number/boolean/date value:
        # "contains" has no meaning there.
        return None

    return test


def _affix_test(literal: str, at_start: bool) -> ValueTest:
    affix = literal.casefold()

    def test(value: Any) -> Truth:
        if not isinstance(value, str):
            return None
        folded = value.casefold()
        return folded.startswith(affix) if at_start else folded.endswith(affix)

    return test


def _like_test(pattern: str, negate: bool) -> ValueTest:
    matches = compile_like(pattern)

    def test(value: Any) -> Truth:
        # Text only: a number, a list or null makes like (and not like) UNKNOWN.
        if not isinstance(value, str):
            return None
        return matches(value) is not negate

    return test


def _scalar_only(test: ValueTest) -> ValueTest:
    """Null and list values make an ordinary operator UNKNOWN."""

    def guarded(value: Any) -> Truth:
        if value is None or isinstance(value, list):
            return None
        return test(value)

    return guarded


def compile_comparison(
    comparison: Comparison, *, tz: tzinfo, now: datetime | None = None
) -> ValueTest:
    """A function from one value (None = missing or null) to TRUE/FALSE/UNKNOWN.

    ``now`` is needed when the literal is ``N UNIT ago``.
    """
    op, literal = comparison.operator, comparison.value
    if op == "is null":
        return lambda value: value is None
    if op == "is not null":
        return lambda value: value is not None
    if op in ("in", "not in"):
        items = getattr(literal, "items", ())
        return _in_test(items, tz, negate=op == "not in")
    if op == "contains":
        return _contains_test(literal, tz, now)
    if op in ("starts with", "ends with"):
        if not isinstance(literal, StringLiteral):
            return _unknown
        return _affix_test(literal.value, at_start=op == "starts with")
    if op in ("like", "not like"):
        if not isinstance(literal, StringLiteral):
            return _unknown
        return _like_test(literal.value, negate=op == "not like")
    return _scalar_only(_scalar_test(op, literal, tz, now))


def compare(
    value: Any, comparison: Comparison, *, tz: tzinfo, now: datetime | None = None
) -> Truth:
    """``value`` tested by ``comparison``: True, False or None (UNKNOWN)."""
    return compile_comparison(comparison, tz=tz, now=now)(value)


# --- restrictions (where clauses) ---------------------------------------------------


def _compile_and(node: WhereAnd, tz: tzinfo, now: datetime | None) -> RecordTest:
    parts = [compile_restriction(operand, tz=tz, now=now) for operand in node.operands]
    return lambda properties: kleene_and(part(properties) for part in parts)


def _compile_or(node: WhereOr, tz: tzinfo, now: datetime | None) -> RecordTest:
    parts = [compile_restriction(operand, tz=tz, now=now) for operand in node.operands]
    return lambda properties: kleene_or(part(properties) for part in parts)


def _compile_not(node: WhereNot, tz: tzinfo, now: datetime | None) -> RecordTest:
    part = compile_restriction(node.operand, tz=tz, now=now)
    return lambda properties: kleene_not(part(properties))


def _compile_comparison_node(node: Comparison, tz: tzinfo, now: datetime | None) -> RecordTest:
    test = compile_comparison(node, tz=tz, now=now)
    field = node.field
    return lambda properties: test(properties.get(field))


_RESTRICTION_COMPILERS: Final[
    dict[type[Any], Callable[[Any, tzinfo, datetime | None], RecordTest]]
] = {
    Comparison: _compile_comparison_node,
    WhereAnd: _compile_and,
    WhereOr: _compile_or,
    WhereNot: _compile_not,
}


def compile_restriction(
    restriction: Restriction, *, tz: tzinfo, now: datetime | None = None
) -> RecordTest:
    """A function from a record's properties to TRUE/FALSE/UNKNOWN.

    Recursion follows the tree, whose depth the checker bounds (ast.MAX_DEPTH).
    """
    return _RESTRICTION_COMPILERS[type(restriction)](restriction, tz, now)


def restriction_holds(
    restriction: Restriction,
    properties: Mapping[str, Any],
    *,
    tz: tzinfo,
    now: datetime | None = None,
) -> Truth:
    """The restriction's truth for one record's properties (missing key = null)."""
    return compile_restriction(restriction, tz=tz, now=now)(properties)


# --- profile paths ----------------------------------------------------------------


def profile_value(contact: Contact, path: str) -> Any:
    """The value ``contact.PATH`` names: a model field, else an attribute (missing = None)."""
    if path in CONTACT_FIELDS:
        return getattr(contact, path)
    return contact.attributes.get(path)

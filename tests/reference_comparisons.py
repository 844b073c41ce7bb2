"""Comparisons and three-valued logic for the reference evaluator.

Written from LANGUAGE.md "Comparisons and three-valued logic" alone and
independent of segmentkit's ``compare`` module. A truth value is ``True``,
``False`` or ``None`` (UNKNOWN).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, tzinfo
from typing import Any

from reference_instants import calendar_day, instant, literal_instant, midnight, units_before
from segmentkit.language.ast import (
    Ago,
    BooleanLiteral,
    Comparison,
    DateLiteral,
    DateTimeLiteral,
    ListLiteral,
    Node,
    NumberLiteral,
    StringLiteral,
    WhereAnd,
    WhereNot,
    WhereOr,
)

__all__ = ["Truth", "kleene_and", "kleene_not", "kleene_or", "restriction_truth"]

Truth = bool | None
UNKNOWN: Truth = None


# --- Kleene logic -------------------------------------------------------------------
# "`not` maps UNKNOWN to UNKNOWN; `and`/`or` follow Kleene logic."


def kleene_not(truth: Truth) -> Truth:
    return UNKNOWN if truth is UNKNOWN else not truth


def kleene_and(truths: Iterable[Truth]) -> Truth:
    values = list(truths)
    if False in values:
        return False
    if UNKNOWN in values:
        return UNKNOWN
    return True


def kleene_or(truths: Iterable[Truth]) -> Truth:
    values = list(truths)
    if True in values:
        return True
    if UNKNOWN in values:
        return UNKNOWN
    return False


def restriction_truth(
    restriction: Node, fields: Mapping[str, object], tz: tzinfo, now: datetime | None = None
) -> Truth:
    """The truth of a restriction (or one comparison) for one record or contact.

    ``now`` is needed only for ``N UNIT ago`` literals.
    """
    if isinstance(restriction, WhereAnd):
        return kleene_and(
            restriction_truth(part, fields, tz, now) for part in restriction.operands
        )
    if isinstance(restriction, WhereOr):
        return kleene_or(restriction_truth(part, fields, tz, now) for part in restriction.operands)
    if isinstance(restriction, WhereNot):
        return kleene_not(restriction_truth(restriction.operand, fields, tz, now))
    assert isinstance(restriction, Comparison)
    # A missing field is null.
    return comparison_truth(fields.get(restriction.field), restriction, tz, now)


# --- one comparison ---------------------------------------------------------------------


def comparison_truth(
    value: object, comparison: Comparison, tz: tzinfo, now: datetime | None = None
) -> Truth:
    operator, literal = comparison.operator, comparison.value
    # "A missing field or a `null` value makes every comparison UNKNOWN
    # except `is null` / `is not null`." ... "(an empty list is not null)"
    if operator == "is null":
        return value is None
    if operator == "is not null":
        return value is not None
    if value is None:
        return UNKNOWN
    if operator in ("like", "not like"):
        # "On a non-text value, a list included, `like` is UNKNOWN; `not like`
        # is the `not` of `like`."
        assert isinstance(literal, StringLiteral)
        matched = like_matches(value, literal.value) if isinstance(value, str) else UNKNOWN
        return kleene_not(matched) if operator == "not like" else matched
    if isinstance(value, list):
        return list_value_truth(value, comparison, tz, now)
    if operator == "in":
        # "`in [..]` is the Kleene OR of `value = element`"
        assert isinstance(literal, ListLiteral)
        return kleene_or(scalar_truth(value, "=", item, tz) for item in literal.items)
    if operator == "not in":
        # "`not in [..]` is its `not`."
        assert isinstance(literal, ListLiteral)
        return kleene_not(kleene_or(scalar_truth(value, "=", item, tz) for item in literal.items))
    assert literal is not None and not isinstance(literal, ListLiteral)
    return scalar_truth(value, operator, literal, tz, now)


def list_value_truth(
    values: list[object], comparison: Comparison, tz: tzinfo, now: datetime | None = None
) -> Truth:
    """"A list value (e.g. `tags`) supports `contains x`, the Kleene OR of
    `element = x` over its elements (FALSE for an empty list) ...; every other
    operator on a list value is UNKNOWN, `not in` included."
    """
    literal = comparison.value
    if comparison.operator != "contains":
        return UNKNOWN
    assert literal is not None and not isinstance(literal, ListLiteral)
    return kleene_or(
        UNKNOWN if element is None else scalar_truth(element, "=", literal, tz, now)
        for element in values
    )


def scalar_truth(
    value: object, operator: str, literal: Node, tz: tzinfo, now: datetime | None = None
) -> Truth:
    """A non-null scalar value against a scalar literal."""
    if value is None:
        return UNKNOWN
    if operator in ("contains", "starts with", "ends with"):
        return text_match(value, operator, literal)
    pair = comparable_pair(value, literal, tz, now)
    if pair is None:
        # "Values of different kinds (text vs number, number vs boolean)
        # compare UNKNOWN."
        return UNKNOWN
    left, right = pair
    if isinstance(left, bool) and operator not in ("=", "!="):
        # "Booleans only with `=` and `!=`."
        return UNKNOWN
    return bool(ORDERINGS[operator](left, right))


ORDERINGS: dict[str, Callable[[Any, Any], object]] = {
    "=": lambda left, right: left == right,
    "!=": lambda left, right: left != right,
    "<": lambda left, right: left < right,
    "<=": lambda left, right: left <= right,
    ">": lambda left, right: left > right,
    ">=": lambda left, right: left >= right,
}


def text_match(value: object, operator: str, literal: Node) -> Truth:
    """`contains`, `starts with`, `ends with` on a text value.

    "Text comparisons (... `contains`, `starts with`, `ends with`) are
    case-insensitive: both sides are compared `casefold()`ed." They are text
    comparisons, so any other kind of value or literal is UNKNOWN.
    """
    if not isinstance(value, str) or not isinstance(literal, StringLiteral):
        return UNKNOWN
    text, part = value.casefold(), literal.value.casefold()
    if operator == "contains":
        return part in text
    if operator == "starts with":
        return text.startswith(part)
    return text.endswith(part)


def comparable_pair(
    value: object, literal: Node, tz: tzinfo, now: datetime | None = None
) -> tuple[object, object] | None:
    """The two sides as Python values Python may compare, or None for kinds
    that do not compare."""
    if isinstance(literal, Ago):
        # "`N UNIT ago`, where a literal may stand (not in a list), is the
        # instant `now - N UNIT` (the rules of windows) and has the kind DATETIME"
        assert now is not None
        point = units_before(now, literal.amount, literal.unit, tz)
        if isinstance(value, bool):
            return None
        if isinstance(value, datetime):
            return instant(value), point
        if isinstance(value, date):
            return midnight(value, tz), point
        return None
    # bool before number: in Python a bool is an int, in the language it is not.
    if isinstance(literal, BooleanLiteral):
        return (value, literal.value) if isinstance(value, bool) else None
    if isinstance(value, bool):
        return None
    if isinstance(literal, StringLiteral):
        # "Text orders by code point of the casefolded strings."
        return (value.casefold(), literal.value.casefold()) if isinstance(value, str) else None
    if isinstance(literal, NumberLiteral):
        # "Numbers compare numerically (`1 = 1.0`)."
        return (value, literal.value) if isinstance(value, (int, float)) else None
    # datetime before date: in Python a datetime is a date, in the language it is not.
    if isinstance(literal, DateLiteral):
        if isinstance(value, datetime):
            # "A DATE literal against a datetime value compares the value's
            # calendar date in `tz`"
            return calendar_day(instant(value), tz), literal.value.toordinal()
        if isinstance(value, date):
            return value.toordinal(), literal.value.toordinal()
        return None
    if isinstance(literal, DateTimeLiteral):
        if isinstance(value, datetime):
            return instant(value), literal_instant(literal, tz)
        if isinstance(value, date):
            # "a DATETIME literal against a date value compares that date's
            # midnight" ("Every date value ... is read in `tz`")
            return midnight(value, tz), literal_instant(literal, tz)
        return None
    return None


def like_matches(text: str, pattern: str) -> bool:
    """"SQL's LIKE on text, case-insensitive (both sides casefolded): `%` is any
    run of characters, none included; `_` is exactly one character; a
    backslash makes the next `%`, `_` or backslash literal."

    Brute force over (position in text, position in pattern), as a table:
    obviously right, quadratic, fine for tests.
    """
    symbols: list[str] = []  # "%" any run, "_" one character, else ("=", char)
    literal: list[bool] = []
    folded = pattern.casefold()
    index = 0
    while index < len(folded):
        char = folded[index]
        if char == "\\":
            index += 1
            symbols.append(folded[index])
            literal.append(True)
        else:
            symbols.append(char)
            literal.append(False)
        index += 1
    text = text.casefold()
    # matches[j] after reading i characters: do the first j symbols match them?
    matches = [True] + [False] * len(symbols)
    for j, symbol in enumerate(symbols, start=1):
        matches[j] = matches[j - 1] and symbol == "%" and not literal[j - 1]
    for char in text:
        following = [False] * (len(symbols) + 1)
        for j, symbol in enumerate(symbols, start=1):
            if symbol == "%" and not literal[j - 1]:
                following[j] = following[j - 1] or matches[j]
            elif symbol == "_" and not literal[j - 1]:
                following[j] = matches[j - 1]
            else:
                following[j] = matches[j - 1] and char == symbol
        matches = following
    return matches[-1]

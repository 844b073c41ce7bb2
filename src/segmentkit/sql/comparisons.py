"""Comparisons and restrictions as SQL, three-valued exactly as in memory
(``engine.compare``), over comparison keys (``sql.keys``).

A comparison becomes a boolean SQL expression that is NULL where the
in-memory comparison is UNKNOWN; SQL's AND, OR and NOT are Kleene's, like
ours, and WHERE keeps only TRUE. A value's key starts with its kind, so each
comparison is a ``CASE`` on the kind: a branch for each kind the literal can
meet (a date literal meets dates, and datetimes through instant bounds in
``tz``), no branch (NULL) for the rest. Lists live in a table of their own
and are read through ``Source.items``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlglot import exp

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
from segmentkit.language.like_pattern import read_like_pattern
from segmentkit.sql import keys
from segmentkit.sql.builder import Builder
from segmentkit.storage.store import from_microseconds

__all__ = ["OPERATORS", "Comparisons", "Source", "comparison_sql", "restriction_sql"]

OPERATORS: dict[str, type[exp.Binary]] = {  # the language's operators as sqlglot's
    "=": exp.EQ,
    "!=": exp.NEQ,
    "<": exp.LT,
    "<=": exp.LTE,
    ">": exp.GT,
    ">=": exp.GTE,
}


@dataclass(frozen=True)
class Source:
    """Where a comparison finds its value: ``key(field)`` is the value's key
    (NULL when missing or null, ``L`` for a list), and ``items(field, test)``
    a query of the list's element keys (column ``k``) for which ``test`` holds."""

    key: Callable[[str], exp.Expr]
    items: Callable[[str, Callable[[exp.Expr], exp.Expr]], exp.Select]


Branches = list[tuple[str, exp.Expr]]


class Comparisons:
    def __init__(self, builder: Builder, tz: tzinfo, now: datetime | None) -> None:
        self.builder, self.tz, self.now = builder, tz, now

    # -- one literal against one scalar key --------------------------------------------

    def branches(self, op: str, literal: Any, key: exp.Expr) -> Branches | None:
        """``(kind, condition)`` pairs for ``key OP literal``; None: always UNKNOWN."""
        value = self.builder.value
        ordered = self.builder.ordered
        if isinstance(literal, StringLiteral):
            if "\0" in literal.value and not self.builder.text_holds_nul:
                return [(keys.TEXT, self._past_nul(op, literal.value, key))]
            return [(keys.TEXT, _op(op, ordered(key), value(keys.text_key(literal.value))))]
        if isinstance(literal, NumberLiteral):
            return [(keys.NUMBER, _op(op, ordered(key), value(keys.number_key(literal.value))))]
        if isinstance(literal, BooleanLiteral):
            if op not in ("=", "!="):
                return None  # booleans have no order
            flag = keys.TRUE_KEY if literal.value else keys.FALSE_KEY
            return [(keys.BOOLEAN, _op(op, key, value(flag)))]
        if isinstance(literal, DateLiteral):
            return [
                (keys.DATE, _op(op, ordered(key), value(keys.date_key(literal.value)))),
                (keys.INSTANT, self._local_day(op, literal.value, key)),
            ]
        if isinstance(literal, DateTimeLiteral | Ago):
            instant = self._instant(literal)
            return [
                (keys.INSTANT, _op(op, ordered(key), value(keys.instant_key(instant)))),
                (keys.DATE, self._midnight(op, instant, key)),
            ]
        return None  # null

    def _past_nul(self, op: str, text: str, key: exp.Expr) -> exp.Expr:
        """``key OP text`` where text holds a NUL and no stored text does: no
        stored text equals it, and one sorts before it exactly when it sorts
        at or before the part before the first NUL."""
        if op in ("=", "!="):
            return exp.false() if op == "=" else exp.true()
        prefix = self.builder.value(keys.text_key(text.split("\0", 1)[0]))
        at_or_before = exp.LTE(this=self.builder.ordered(key), expression=prefix)
        return at_or_before if op in ("<", "<=") else exp.not_(at_or_before)

    def _instant(self, literal: DateTimeLiteral | Ago) -> int:
        if isinstance(literal, DateTimeLiteral):
            return local_instant(literal.value, self.tz)
        if self.now is None:
            raise InvalidArgumentError(
                f"{literal.amount} {literal.unit}(s) ago needs the instant now to compare with",
                argument="now",
            )
        return point_microseconds(literal, now=self.now, tz=self.tz)

    def _local_day(self, op: str, day: date, key: exp.Expr) -> exp.Expr:
        """``local date of the instant OP day``: the day is [first, after) in tz."""
        first = keys.instant_key(date_midnight(day, self.tz))
        try:
            after: str | None = keys.instant_key(date_midnight(day + timedelta(days=1), self.tz))
        except OverflowError:
            after = None
        return self._in_range(op, key, first, after)

    def _midnight(self, op: str, instant: int, key: exp.Expr) -> exp.Expr:
        """``midnight of the date (in tz) OP instant``: midnights grow with the
        date, so this is the date against the first dates past ``instant``."""
        first, after = _days_around(instant, self.tz)
        return self._in_range(op, key, first, after)

    def _in_range(
        self, op: str, key: exp.Expr, first: str | None, after: str | None
    ) -> exp.Expr:
        """``key OP range`` where the range is ``[first, after)`` of one kind's
        keys; a bound of None lies after every key ("" lies before every key)."""
        ordered, value = self.builder.ordered(key), self.builder.value

        # Only the bounds an operator uses become parameters: an engine may
        # refuse a parameter the statement never reads.
        def at_or_after_first() -> exp.Expr:
            if first is None:
                return exp.false()
            return exp.GTE(this=ordered.copy(), expression=value(first))

        def before_after() -> exp.Expr:
            if after is None:
                return exp.true()
            return exp.LT(this=ordered.copy(), expression=value(after))

        if op in ("=", "!="):
            inside = exp.and_(at_or_after_first(), before_after())
            return inside if op == "=" else exp.not_(inside)
        if op == "<":
            return exp.not_(at_or_after_first())
        if op == "<=":
            return before_after()
        if op == ">":
            return exp.not_(before_after())
        return at_or_after_first()

    def scalar(self, op: str, literal: Any, key: exp.Expr) -> exp.Expr:
        """``key OP literal``, NULL for a list, a null or another kind."""
        found = self.branches(op, literal, key)
        if not found:
            return exp.Null()
        kind = _kind(key)
        return exp.Case(
            ifs=[
                exp.If(this=exp.EQ(this=kind, expression=exp.Literal.string(k)), true=condition)
                for k, condition in found
            ]
        )

    # -- whole comparisons --------------------------------------------------------------

    def comparison(self, comparison: Comparison, source: Source) -> exp.Expr:
        op, literal, field = comparison.operator, comparison.value, comparison.field
        key = source.key(field)
        if op == "is null":
            return exp.Is(this=key, expression=exp.Null())
        if op == "is not null":
            return exp.not_(exp.Is(this=key, expression=exp.Null()))
        if op in ("in", "not in"):
            found = self._in(getattr(literal, "items", ()), key)
            return exp.not_(found) if op == "not in" else found
        if op == "contains":
            return self._contains(literal, field, key, source)
        if op in ("starts with", "ends with", "like", "not like"):
            if not isinstance(literal, StringLiteral):
                return exp.Null()
            pattern = _affix_pattern(literal.value, op) if "with" in op else _like(literal.value)
            matched = self._like(key, pattern)
            return exp.not_(matched) if op == "not like" else matched
        return self.scalar(op, literal, key)

    def _in(self, items: Any, key: exp.Expr) -> exp.Expr:
        equal = [self.scalar("=", item, key) for item in items]
        found = exp.or_(*equal) if equal else exp.false()
        return exp.Case(
            ifs=[exp.If(this=_null_or_list(key), true=exp.Null())], default=exp.paren(found)
        )

    def _contains(
        self, literal: Any, field: str, key: exp.Expr, source: Source
    ) -> exp.Expr:
        def equal(item: exp.Expr) -> exp.Expr:
            return self.scalar("=", literal, item)

        # A list: TRUE if an element equals the literal, else UNKNOWN if an
        # element is null or of another kind, else FALSE (kleene_or).
        found = exp.Exists(this=source.items(field, lambda item: _is_true(equal(item))))
        unknown = exp.Exists(
            this=source.items(field, lambda item: exp.Is(this=equal(item), expression=exp.Null()))
        )
        in_list = exp.Case(
            ifs=[exp.If(this=found, true=exp.true()), exp.If(this=unknown, true=exp.Null())],
            default=exp.false(),
        )
        is_list = exp.EQ(this=key, expression=exp.Literal.string(keys.LIST))
        ifs = [exp.If(this=is_list, true=in_list)]
        if isinstance(literal, StringLiteral):
            inside: exp.Expr
            if "\0" in literal.value and not self.builder.text_holds_nul:
                inside = exp.false()  # no stored text holds a NUL
            else:
                needle = self.builder.value(literal.value.casefold())
                text = exp.Substring(this=key, start=exp.Literal.number(2))
                position = exp.StrPosition(this=text, substr=needle)
                inside = exp.GT(this=position, expression=exp.Literal.number(0))
            is_text = exp.EQ(this=_kind(key), expression=exp.Literal.string(keys.TEXT))
            ifs.append(exp.If(this=is_text, true=inside))
        return exp.Case(ifs=ifs)

    def _like(self, key: exp.Expr, pattern: str) -> exp.Expr:
        escaped: exp.Expr
        if "\0" in pattern and not self.builder.text_holds_nul:
            escaped = exp.false()  # a NUL in the pattern matches only a NUL
        else:
            like = exp.Like(this=key, expression=self.builder.value(keys.TEXT + pattern))
            escaped = exp.Escape(this=like, expression=exp.Literal.string("\\"))
        is_text = exp.EQ(this=_kind(key), expression=exp.Literal.string(keys.TEXT))
        return exp.Case(ifs=[exp.If(this=is_text, true=escaped)])

    # -- restrictions -------------------------------------------------------------------

    def restriction(self, node: Restriction, source: Source) -> exp.Expr:
        if isinstance(node, WhereAnd):
            return exp.and_(*(self.restriction(operand, source) for operand in node.operands))
        if isinstance(node, WhereOr):
            return exp.or_(*(self.restriction(operand, source) for operand in node.operands))
        if isinstance(node, WhereNot):
            return exp.not_(self.restriction(node.operand, source))
        assert isinstance(node, Comparison)
        return self.comparison(node, source)


def comparison_sql(
    comparison: Comparison, source: Source, builder: Builder, *, tz: tzinfo, now: datetime | None
) -> exp.Expr:
    """``comparison`` of the value ``source`` names, TRUE / FALSE / NULL (UNKNOWN)."""
    return Comparisons(builder, tz, now).comparison(comparison, source)


def restriction_sql(
    restriction: Restriction, source: Source, builder: Builder, *, tz: tzinfo, now: datetime | None
) -> exp.Expr:
    """A ``where`` restriction over one record's keys, three-valued."""
    return Comparisons(builder, tz, now).restriction(restriction, source)


# -- helpers ------------------------------------------------------------------------------


def _op(op: str, left: exp.Expr, right: exp.Expr) -> exp.Expr:
    return OPERATORS[op](this=left, expression=right)


def _kind(key: exp.Expr) -> exp.Expr:
    return exp.Substring(this=key, start=exp.Literal.number(1), length=exp.Literal.number(1))


def _is_true(condition: exp.Expr) -> exp.Expr:
    return exp.Is(this=exp.paren(condition), expression=exp.true())


def _null_or_list(key: exp.Expr) -> exp.Expr:
    return exp.or_(
        exp.Is(this=key, expression=exp.Null()),
        exp.EQ(this=key, expression=exp.Literal.string(keys.LIST)),
    )


def _days_around(instant: int, tz: tzinfo) -> tuple[str | None, str | None]:
    """Date keys of the first date whose midnight is at or after ``instant``
    and the first whose midnight is after it (None: no such date; "": every
    date is)."""
    try:
        day = from_microseconds(instant, tz).date() - timedelta(days=1)
    except (OverflowError, ValueError):
        # Beyond what a date can show: every date's midnight is on one side.
        return ("", "") if instant < 0 else (None, None)
    first: str | None = None
    while True:
        try:
            midnight = date_midnight(day, tz)
        except OverflowError:
            return first, None
        if first is None and midnight >= instant:
            first = keys.date_key(day)
        if midnight > instant:
            return first, keys.date_key(day)
        try:
            day += timedelta(days=1)
        except OverflowError:
            return first, None


def _escape_like(text: str) -> str:
    return "".join("\\" + char if char in "%_\\" else char for char in text)


def _affix_pattern(affix: str, op: str) -> str:
    folded = _escape_like(affix.casefold())
    return folded + "%" if op == "starts with" else "%" + folded


def _like(pattern: str) -> str:
    """A query's like pattern as SQL LIKE (escape ``\\``), casefolded."""
    read = read_like_pattern(pattern.casefold())
    parts: list[str] = []
    for index, symbol in enumerate(read.symbols):
        if read.loops[index]:
            parts.append("%")
        parts.append("_" if symbol is None else _escape_like(symbol))
    if read.loops[-1]:
        parts.append("%")
    return "".join(parts)

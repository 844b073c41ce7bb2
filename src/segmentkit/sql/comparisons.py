"""Comparisons and restrictions as SQL, three-valued exactly as in memory
(``engine.compare``), over values read as ``sql.operands`` (keys over
segmentkit's own tables, the engine's types over a user's).

A comparison becomes a boolean SQL expression that is NULL where the
in-memory comparison is UNKNOWN; SQL's AND, OR and NOT are Kleene's, like
ours, and WHERE keeps only TRUE. Each value has a kind, so each
comparison is a ``CASE`` on the kind: a branch for each kind the literal can
meet (a date literal meets dates, and datetimes through instant bounds in
``tz``), no branch (NULL) for the rest. List elements are read through
``Source.any_item``.
"""

from __future__ import annotations

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
from segmentkit.sql.operands import BEFORE_ALL, Operand, Source, encoding_for
from segmentkit.storage.store import from_microseconds

__all__ = ["OPERATORS", "Comparisons", "comparison_sql", "restriction_sql"]

OPERATORS: dict[str, type[exp.Binary]] = {  # the language's operators as sqlglot's
    "=": exp.EQ,
    "!=": exp.NEQ,
    "<": exp.LT,
    "<=": exp.LTE,
    ">": exp.GT,
    ">=": exp.GTE,
}


Branches = list[tuple[str, exp.Expr]]
Bound = Any  # a literal of one kind, None (after every value) or BEFORE_ALL


class Comparisons:
    def __init__(self, builder: Builder, tz: tzinfo, now: datetime | None) -> None:
        self.builder, self.tz, self.now = builder, tz, now
        self.encoding = encoding_for(builder)

    # -- one literal against one scalar value -------------------------------------------

    def branches(self, op: str, literal: Any, value: Operand) -> Branches | None:
        """``(kind, condition)`` pairs for ``value OP literal``; None: always UNKNOWN."""
        encoding = self.encoding
        if isinstance(literal, StringLiteral):
            text = value.read(keys.TEXT)
            if "\0" in literal.value and not self.builder.text_holds_nul:
                return [(keys.TEXT, self._past_nul(op, literal.value, text))]
            return [(keys.TEXT, _op(op, text, encoding.text(literal.value)))]
        if isinstance(literal, NumberLiteral):
            number = encoding.literal(keys.NUMBER, literal.value)
            return [(keys.NUMBER, _op(op, value.read(keys.NUMBER), number))]
        if isinstance(literal, BooleanLiteral):
            if op not in ("=", "!="):
                return None  # booleans have no order
            flag = encoding.literal(keys.BOOLEAN, literal.value)
            return [(keys.BOOLEAN, _op(op, value.read(keys.BOOLEAN), flag))]
        if isinstance(literal, DateLiteral):
            day = encoding.literal(keys.DATE, literal.value)
            return [
                (keys.DATE, _op(op, value.read(keys.DATE), day)),
                (keys.INSTANT, self._local_day(op, literal.value, value)),
            ]
        if isinstance(literal, DateTimeLiteral | Ago):
            instant = self._instant(literal)
            moment = encoding.literal(keys.INSTANT, instant)
            return [
                (keys.INSTANT, _op(op, value.read(keys.INSTANT), moment)),
                (keys.DATE, self._midnight(op, instant, value)),
            ]
        return None  # null

    def _past_nul(self, op: str, text: str, value: exp.Expr) -> exp.Expr:
        """``value OP text`` where text holds a NUL and no stored text does: no
        stored text equals it, and one sorts before it exactly when it sorts
        at or before the part before the first NUL."""
        if op in ("=", "!="):
            return exp.false() if op == "=" else exp.true()
        prefix = self.encoding.text(text.split("\0", 1)[0])
        at_or_before = exp.LTE(this=value, expression=prefix)
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

    def _local_day(self, op: str, day: date, value: Operand) -> exp.Expr:
        """``local date of the instant OP day``: the day is [first, after) in tz."""
        first = date_midnight(day, self.tz)
        try:
            after: int | None = date_midnight(day + timedelta(days=1), self.tz)
        except OverflowError:
            after = None
        return self._in_range(op, keys.INSTANT, value, first, after)

    def _midnight(self, op: str, instant: int, value: Operand) -> exp.Expr:
        """``midnight of the date (in tz) OP instant``: midnights grow with the
        date, so this is the date against the first dates past ``instant``."""
        first, after = _days_around(instant, self.tz)
        return self._in_range(op, keys.DATE, value, first, after)

    def _in_range(
        self, op: str, kind: str, value: Operand, first: Bound, after: Bound
    ) -> exp.Expr:
        """``value OP range`` where the range is ``[first, after)`` of one
        kind's values; a bound of None lies after every value, BEFORE_ALL
        before every value."""
        read = value.read(kind)

        # Only the bounds an operator uses become parameters: an engine may
        # refuse a parameter the statement never reads.
        def at_or_after(bound: Bound) -> exp.Expr:
            if bound is None:
                return exp.false()
            if bound is BEFORE_ALL:
                return exp.not_(exp.Is(this=read.copy(), expression=exp.Null()))
            return exp.GTE(this=read.copy(), expression=self.encoding.literal(kind, bound))

        def before_after() -> exp.Expr:
            return exp.not_(at_or_after(after))

        if op in ("=", "!="):
            inside = exp.and_(at_or_after(first), before_after())
            return inside if op == "=" else exp.not_(inside)
        if op == "<":
            return exp.not_(at_or_after(first))
        if op == "<=":
            return before_after()
        if op == ">":
            return at_or_after(after)
        return at_or_after(first)

    def scalar(self, op: str, literal: Any, value: Operand) -> exp.Expr:
        """``value OP literal``, NULL for a list, a null or another kind."""
        found = self.branches(op, literal, value)
        if not found:
            return exp.Null()
        return exp.Case(
            ifs=[
                exp.If(
                    this=exp.EQ(this=value.kind.copy(), expression=exp.Literal.string(k)),
                    true=condition,
                )
                for k, condition in found
            ]
        )

    # -- whole comparisons --------------------------------------------------------------

    def comparison(self, comparison: Comparison, source: Source) -> exp.Expr:
        op, literal, field = comparison.operator, comparison.value, comparison.field
        value = source.value(field)
        if op == "is null":
            return value.missing
        if op == "is not null":
            return exp.not_(value.missing)
        if op in ("in", "not in"):
            found = self._in(getattr(literal, "items", ()), value)
            return exp.not_(found) if op == "not in" else found
        if op == "contains":
            return self._contains(literal, field, value, source)
        if op in ("starts with", "ends with", "like", "not like"):
            if not isinstance(literal, StringLiteral):
                return exp.Null()
            fold = self.encoding.folds_in_python
            if "with" in op:
                pattern = _affix_pattern(literal.value, op, fold)
            else:
                pattern = _like(literal.value, fold)
            matched = self._like(value, pattern)
            return exp.not_(matched) if op == "not like" else matched
        return self.scalar(op, literal, value)

    def _in(self, items: Any, value: Operand) -> exp.Expr:
        equal = [self.scalar("=", item, value) for item in items]
        found = exp.or_(*equal) if equal else exp.false()
        null_or_list = exp.or_(value.missing, _is_kind(value, keys.LIST))
        return exp.Case(ifs=[exp.If(this=null_or_list, true=exp.Null())], default=exp.paren(found))

    def _contains(self, literal: Any, field: str, value: Operand, source: Source) -> exp.Expr:
        def equal(item: Operand) -> exp.Expr:
            return self.scalar("=", literal, item)

        # A list: TRUE if an element equals the literal, else UNKNOWN if an
        # element is null or of another kind, else FALSE (kleene_or).
        found = source.any_item(field, lambda item: _is_true(equal(item)))
        unknown = source.any_item(
            field, lambda item: exp.Is(this=exp.paren(equal(item)), expression=exp.Null())
        )
        in_list = exp.Case(
            ifs=[exp.If(this=found, true=exp.true()), exp.If(this=unknown, true=exp.Null())],
            default=exp.false(),
        )
        ifs = [exp.If(this=_is_kind(value, keys.LIST), true=in_list)]
        if isinstance(literal, StringLiteral):
            inside: exp.Expr
            if "\0" in literal.value and not self.builder.text_holds_nul:
                inside = exp.false()  # no stored text holds a NUL
            else:
                needle = self.encoding.text(literal.value)
                position = exp.StrPosition(this=exp.paren(value.read(keys.TEXT)), substr=needle)
                inside = exp.GT(this=position, expression=exp.Literal.number(0))
            ifs.append(exp.If(this=_is_kind(value, keys.TEXT), true=inside))
        return exp.Case(ifs=ifs)

    def _like(self, value: Operand, pattern: str) -> exp.Expr:
        escaped: exp.Expr
        if "\0" in pattern and not self.builder.text_holds_nul:
            escaped = exp.false()  # a NUL in the pattern matches only a NUL
        else:
            like = exp.Like(this=value.read(keys.TEXT), expression=self.encoding.text(pattern))
            escaped = exp.Escape(this=like, expression=exp.Literal.string("\\"))
        return exp.Case(ifs=[exp.If(this=_is_kind(value, keys.TEXT), true=escaped)])

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
    """A ``where`` restriction over one record's values, three-valued."""
    return Comparisons(builder, tz, now).restriction(restriction, source)


# -- helpers ------------------------------------------------------------------------------


def _op(op: str, left: exp.Expr, right: exp.Expr) -> exp.Expr:
    return OPERATORS[op](this=left, expression=right)


def _is_kind(value: Operand, kind: str) -> exp.Expr:
    return exp.EQ(this=value.kind.copy(), expression=exp.Literal.string(kind))


def _is_true(condition: exp.Expr) -> exp.Expr:
    return exp.Is(this=exp.paren(condition), expression=exp.true())


def _days_around(instant: int, tz: tzinfo) -> tuple[Bound, Bound]:
    """The first date whose midnight is at or after ``instant`` and the first
    whose midnight is after it (None: no such date; BEFORE_ALL: every date is)."""
    try:
        day = from_microseconds(instant, tz).date() - timedelta(days=1)
    except (OverflowError, ValueError):
        # Beyond what a date can show: every date's midnight is on one side.
        return (BEFORE_ALL, BEFORE_ALL) if instant < 0 else (None, None)
    first: date | None = None
    while True:
        try:
            midnight = date_midnight(day, tz)
        except OverflowError:
            return first, None
        if first is None and midnight >= instant:
            first = day
        if midnight > instant:
            return first, day
        try:
            day += timedelta(days=1)
        except OverflowError:
            return first, None


def _escape_like(text: str) -> str:
    return "".join("\\" + char if char in "%_\\" else char for char in text)


def _affix_pattern(affix: str, op: str, fold: bool) -> str:
    escaped = _escape_like(affix.casefold() if fold else affix)
    return escaped + "%" if op == "starts with" else "%" + escaped


def _like(pattern: str, fold: bool) -> str:
    """A query's like pattern as SQL LIKE (escape ``\\``), casefolded when
    ``fold`` (else the engine lower-cases it with the value)."""
    read = read_like_pattern(pattern.casefold() if fold else pattern)
    parts: list[str] = []
    for index, symbol in enumerate(read.symbols):
        if read.loops[index]:
            parts.append("%")
        parts.append("_" if symbol is None else _escape_like(symbol))
    if read.loops[-1]:
        parts.append("%")
    return "".join(parts)

"""The lark Transformer that turns grammar rules into AST nodes while parsing.

One method per rule of ``grammar/segment.lark`` (same names), run by the LALR
parser as each rule is reduced, so no tree is built and nothing recurses over
one. Methods build nodes and record where their words stood; the only
decisions made here are the ones that need a token in hand: decoding a
literal's text and refusing a clause that appears twice.

Errors raised here carry an empty ``text``: the transformer never sees the
whole query, and ``parse`` re-raises them with it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, cast

from lark import Token, Transformer, v_args

from segmentkit.errors import QuerySyntaxError, QueryValidationError
from segmentkit.language.ast import (
    Ago,
    AllContacts,
    And,
    Before,
    Between,
    BooleanLiteral,
    Comparison,
    ComparisonOperator,
    Count,
    CountOperator,
    DateLiteral,
    DateTimeLiteral,
    InLast,
    InteractionCondition,
    ListLiteral,
    Node,
    Not,
    NullLiteral,
    NumberLiteral,
    Or,
    ProfileCondition,
    SegmentReference,
    Since,
    StringLiteral,
    Unit,
    WhereAnd,
    WhereNot,
    WhereOr,
)

__all__ = ["AstBuilder", "decode_number", "decode_string"]

Position = tuple[int, int]

_MAX_DIGITS = 4300
_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "n": "\n", "t": "\t"}
_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPE = re.compile(
    r"\\u(?P<high>[dD][89abAB][0-9a-fA-F]{2})\\u(?P<low>[dD][c-fC-F][0-9a-fA-F]{2})"
    r"|\\(?P<code>u[0-9a-fA-F]{4}|[\"'\\nt])"
)
_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|([+-])(\d{2}):(\d{2}))?"
)


def _at(token: Token) -> Position:
    return (token.line or 1, token.column or 1)


def _fail(problem: str, position: Position, hint: str | None = None) -> QuerySyntaxError:
    return QuerySyntaxError(problem, text="", line=position[0], column=position[1], hint=hint)


def _identifier(token: Token) -> str:
    # A backticked name is the name without its backticks: `day` names "day".
    return str(token)[1:-1] if token.type == "QUOTED_NAME" else str(token)


def decode_string(token: Token) -> str:
    """The value of a STRING token; the grammar has already refused bad escapes."""
    raw = str(token)[1:-1]
    line, column = _at(token)
    lone = _SURROGATE.search(raw)
    if lone is not None:
        position = (line, column + 1 + lone.start())
        raise _fail("A quoted text holds half of a character pair", position)
    text = _ESCAPE.sub(_unescape, raw) if "\\" in raw else raw
    if _SURROGATE.search(text) is not None:
        at = next(
            match.start()
            for match in _ESCAPE.finditer(raw)
            if _SURROGATE.fullmatch(_unescape(match)) is not None
        )
        raise _fail(
            "A \\u escape in a quoted text names half of a character pair (a lone surrogate)",
            (line, column + 1 + at),
            hint="Write a character outside the basic plane as two escapes, e.g. \\ud83d\\ude00.",
        )
    return text


def _unescape(match: re.Match[str]) -> str:
    high, low, code = match.group("high", "low", "code")
    if high is not None:
        # A UTF-16 surrogate pair written as two escapes is one character.
        return chr(0x10000 + ((int(high, 16) - 0xD800) << 10) + (int(low, 16) - 0xDC00))
    if code[0] == "u":
        return chr(int(code[1:], 16))
    return _ESCAPES[code]


def decode_number(token: Token) -> int | float:
    """An int when written without '.' or exponent, else a finite float."""
    raw = str(token)
    try:
        if "." in raw or "e" in raw or "E" in raw:
            value: int | float = float(raw)
            if not math.isfinite(value):
                raise ValueError(raw)
            return value
        if len(raw) > _MAX_DIGITS:
            # Python's own limit, applied even where an application lifted it:
            # converting a megabyte of digits takes seconds.
            raise ValueError(raw)
        return int(raw)
    except ValueError:
        raise _fail(f"The number {_shorten(raw)} is too large", _at(token)) from None


def _whole_number(token: Token, what: str) -> int:
    value = decode_number(token)
    if not isinstance(value, int):
        raise _fail(f"{what} must be a whole number, not {_shorten(str(token))}", _at(token))
    return value


def _shorten(raw: str) -> str:
    return raw if len(raw) <= 20 else raw[:17] + "..."


def _decode_date(token: Token) -> date:
    try:
        return date.fromisoformat(str(token))
    except ValueError:
        raise _fail(f"{token} is not a real calendar date", _at(token)) from None


def _decode_datetime(token: Token) -> datetime:
    match = _DATETIME.fullmatch(str(token))
    if match is None:  # the grammar's pattern is the same: cannot happen
        raise _fail(f"{token} is not a date and time", _at(token))
    year, month, day, hour, minute, second, fraction, zone, sign, off_h, off_m = match.groups()
    if fraction is not None and len(fraction) > 6:
        raise _fail(
            f"{token} has more than 6 digits after the seconds' decimal point", _at(token)
        )
    try:
        tzinfo: timezone | None = None
        if zone == "Z":
            tzinfo = UTC
        elif zone is not None:
            offset = timedelta(hours=int(off_h), minutes=int(off_m))
            if int(off_m) >= 60:
                raise ValueError(zone)
            tzinfo = timezone(-offset if sign == "-" else offset)
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second or 0),
            int((fraction or "0").ljust(6, "0")),
            tzinfo=tzinfo,
        )
    except ValueError:
        raise _fail(f"{token} is not a real date and time", _at(token)) from None


@dataclass(frozen=True)
class _Clause:
    """A `via` or `where` clause on its way into its InteractionCondition."""

    kind: str
    value: Any
    position: Position
    value_position: Position | None = None


@dataclass(frozen=True)
class _Tail:
    """The part of a comparison after the field: operator and value."""

    operator: ComparisonOperator
    value: Node | None
    position: Position


_CLAUSE_NAMES = {
    "via": "via clause",
    "where": "where clause",
    "count": "count (at least / at most / exactly / between ... times)",
    "window": "time window (in last / since / before / between)",
}


@v_args(inline=True)
class AstBuilder(Transformer[Token, Any]):
    """Builds AST nodes rule by rule; method names are the grammar's rule names."""

    # --- queries -----------------------------------------------------------------

    def query_or(self, *children: Any) -> Or:
        operands = children[::2]
        return Or(operands=operands).at(node=operands[0].position())

    def query_and(self, *children: Any) -> And:
        operands = children[::2]
        return And(operands=operands).at(node=operands[0].position())

    def query_not(self, keyword: Token, operand: Any) -> Not:
        return Not(operand=operand).at(node=_at(keyword))

    def segment_reference(self, keyword: Token, name: Token) -> SegmentReference:
        return SegmentReference(name=_identifier(name)).at(node=_at(keyword), name=_at(name))

    def all_contacts(self, keyword: Token) -> AllContacts:
        return AllContacts().at(node=_at(keyword))

    def profile_condition(self, keyword: Token, path: Token, tail: _Tail) -> ProfileCondition:
        comparison = _comparison(path, tail)
        return ProfileCondition(comparison=comparison).at(node=_at(path))

    # --- interaction conditions ----------------------------------------------------

    def interaction_condition(self, name: Token, *clauses: Any) -> InteractionCondition:
        fields: dict[str, Any] = {}
        via_position: Position | None = None
        for clause in clauses:
            if isinstance(clause, _Clause):
                kind, value, position = clause.kind, clause.value, clause.position
            else:
                kind = "count" if isinstance(clause, Count) else "window"
                value, position = clause, clause.position()
            if kind in fields:
                raise _fail(
                    f"The {_CLAUSE_NAMES[kind]} appears twice in one interaction condition",
                    position,
                    hint="Each kind of clause may appear at most once; "
                    "combine the two into one, or join two conditions with and.",
                )
            fields[kind] = value
            if isinstance(clause, _Clause) and kind == "via":
                via_position = clause.value_position
        return InteractionCondition(type=_identifier(name), **fields).at(
            node=_at(name), via=via_position
        )

    def via_clause(self, keyword: Token, field: Token) -> _Clause:
        return _Clause("via", _identifier(field), _at(keyword), _at(field))

    def where_clause(self, keyword: Token, restriction: Any) -> _Clause:
        return _Clause("where", restriction, _at(keyword))

    def count_at_least(self, at: Token, _least: Token, number: Token) -> Count:
        return _count("at least", at, number)

    def count_at_most(self, at: Token, _most: Token, number: Token) -> Count:
        return _count("at most", at, number)

    def count_exactly(self, keyword: Token, number: Token) -> Count:
        return _count("exactly", keyword, number)

    def count_between(self, keyword: Token, low: Token, _and: Token, high: Token) -> Count:
        return _count("between", keyword, low, high)

    def in_last(self, keyword: Token, *rest: Any) -> InLast:
        number, unit = rest[-2], rest[-1]
        amount = _whole_number(number, "The number of time units")
        return InLast(amount=amount, unit=unit).at(node=_at(keyword), amount=_at(number))

    def since(self, keyword: Token, point: Node) -> Since:
        return Since(point=point).at(node=_at(keyword), point=point.position())

    def before(self, keyword: Token, point: Node) -> Before:
        return Before(point=point).at(node=_at(keyword), point=point.position())

    def between(self, keyword: Token, start: Node, _and: Token, end: Node) -> Between:
        return Between(start=start, end=end).at(
            node=_at(keyword), start=start.position(), end=end.position()
        )

    def ago(self, number: Token, unit: Unit, _ago: Token) -> Ago:
        amount = _whole_number(number, "The number of time units")
        return Ago(amount=amount, unit=unit).at(node=_at(number), amount=_at(number))

    def unit(self, word: Token) -> Unit:
        # Singular and plural are the same unit; the AST keeps the singular.
        return cast(Unit, str(word).removesuffix("s"))

    # --- restrictions ------------------------------------------------------------------

    def where_or(self, *children: Any) -> WhereOr:
        operands = children[::2]
        return WhereOr(operands=operands).at(node=operands[0].position())

    def where_and(self, *children: Any) -> WhereAnd:
        operands = children[::2]
        return WhereAnd(operands=operands).at(node=operands[0].position())

    def where_not(self, keyword: Token, operand: Any) -> WhereNot:
        return WhereNot(operand=operand).at(node=_at(keyword))

    def comparison(self, field: Token, tail: _Tail) -> Comparison:
        return _comparison(field, tail)

    def operator_tail(self, operator: Token, value: Node) -> _Tail:
        return _Tail(cast(ComparisonOperator, str(operator)), value, _at(operator))

    def in_tail(self, *children: Any) -> _Tail:
        operator: ComparisonOperator = "not in" if len(children) == 3 else "in"
        return _Tail(operator, children[-1], _at(children[0]))

    def like_tail(self, *children: Any) -> _Tail:
        operator: ComparisonOperator = "not like" if len(children) == 3 else "like"
        return _Tail(operator, children[-1], _at(children[0]))

    def null_tail(self, keyword: Token, *rest: Token) -> _Tail:
        operator: ComparisonOperator = "is not null" if len(rest) == 2 else "is null"
        return _Tail(operator, None, _at(keyword))

    def contains_tail(self, keyword: Token, value: Node) -> _Tail:
        return _Tail("contains", value, _at(keyword))

    def starts_with_tail(self, keyword: Token, _with: Token, value: Node) -> _Tail:
        return _Tail("starts with", value, _at(keyword))

    def ends_with_tail(self, keyword: Token, _with: Token, value: Node) -> _Tail:
        return _Tail("ends with", value, _at(keyword))

    # --- literals ------------------------------------------------------------------------

    def string_literal(self, token: Token) -> StringLiteral:
        return StringLiteral(value=decode_string(token)).at(node=_at(token))

    def number_literal(self, token: Token) -> NumberLiteral:
        return NumberLiteral(value=decode_number(token)).at(node=_at(token))

    def boolean_literal(self, token: Token) -> BooleanLiteral:
        return BooleanLiteral(value=token.type == "TRUE").at(node=_at(token))

    def null_literal(self, token: Token) -> NullLiteral:
        return NullLiteral().at(node=_at(token))

    def date_literal(self, token: Token) -> DateLiteral:
        return DateLiteral(value=_decode_date(token)).at(node=_at(token))

    def datetime_literal(self, token: Token) -> DateTimeLiteral:
        return DateTimeLiteral(value=_decode_datetime(token)).at(node=_at(token))

    def list_literal(self, bracket: Token, *items: Any) -> ListLiteral:
        for item in items:
            if isinstance(item, Ago):
                line, column = item.position() or _at(bracket)
                raise QueryValidationError(
                    "N units ago cannot stand in a list: it is an instant that moves with now",
                    word="ago",
                    line=line,
                    column=column,
                    hint="Compare with it directly, e.g. contact.createdAt >= 30 days ago.",
                )
        return ListLiteral(items=items).at(node=_at(bracket))


def _count(
    operator: CountOperator, keyword: Token, number: Token, upper: Token | None = None
) -> Count:
    value = _whole_number(number, "A count")
    high = None if upper is None else _whole_number(upper, "A count")
    return Count(operator=operator, value=value, upper=high).at(
        node=_at(keyword), value=_at(number), upper=None if upper is None else _at(upper)
    )


def _comparison(field: Token, tail: _Tail) -> Comparison:
    value_position = tail.value.position() if tail.value is not None else None
    return Comparison(field=_identifier(field), operator=tail.operator, value=tail.value).at(
        node=_at(field), operator=tail.position, value=value_position
    )

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

from dataclasses import dataclass
from typing import Any, cast

from lark import Token, Transformer, v_args

from segmentkit.errors import QuerySyntaxError, QueryValidationError
from segmentkit.language.assembly import (
    CLAUSE_NAMES,
    Clause,
    SequenceEnd,
    StepClauses,
    classify,
    clause_fields,
    sequence_of,
    trailing_window,
)
from segmentkit.language.ast import (
    AGGREGATES,
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
    Having,
    InLast,
    InPeriods,
    InteractionCondition,
    ListLiteral,
    Node,
    Not,
    NullLiteral,
    NumberLiteral,
    Or,
    OrderOperator,
    ProfileCondition,
    Query,
    Recency,
    SegmentReference,
    Since,
    StringLiteral,
    Unit,
    WhereAnd,
    WhereNot,
    WhereOr,
    Within,
)
from segmentkit.language.literal_text import (
    Position,
    at,
    decode_date,
    decode_datetime,
    decode_number,
    decode_string,
    fail,
    identifier,
    whole_number,
)
from segmentkit.suggestions import close_names

__all__ = ["AstBuilder"]


@dataclass(frozen=True)
class _Tail:
    """The part of a comparison after the field: operator and value."""

    operator: ComparisonOperator
    value: Node | None
    position: Position


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
        return Not(operand=operand).at(node=at(keyword))

    def segment_reference(self, keyword: Token, name: Token) -> SegmentReference:
        return SegmentReference(name=identifier(name)).at(node=at(keyword), name=at(name))

    def all_contacts(self, keyword: Token) -> AllContacts:
        return AllContacts().at(node=at(keyword))

    def profile_condition(self, keyword: Token, path: Token, tail: _Tail) -> ProfileCondition:
        comparison = _comparison(path, tail)
        return ProfileCondition(comparison=comparison).at(node=at(path))

    # --- interaction conditions ----------------------------------------------------

    def interaction_condition(self, name: Token, *items: Any) -> Query:
        first = [item for item in items if not isinstance(item, StepClauses | SequenceEnd)]
        steps = [item for item in items if isinstance(item, StepClauses)]
        end = next((item for item in items if isinstance(item, SequenceEnd)), None)
        if not steps:
            if end is not None:
                raise fail(
                    "within follows the last step of a sequence",
                    end.position,
                    hint="For example: EmailClicked then FormSubmitted within 2 days.",
                    expected="then and another step before within",
                )
            fields, via_position = clause_fields(first, "interaction condition")
            return InteractionCondition(type=identifier(name), **fields).at(
                node=at(name), via=via_position
            )
        return sequence_of([StepClauses(name, first), *steps], end)

    def sequence_step(self, keyword: Token, name: Token, *clauses: Any) -> StepClauses:
        return StepClauses(name, list(clauses))

    def sequence_end(self, keyword: Token, number: Token, unit: Unit, *window: Any) -> SequenceEnd:
        amount = whole_number(number, "The number of time units")
        within = Within(amount=amount, unit=unit).at(node=at(keyword), amount=at(number))
        return SequenceEnd(within, window[0] if window else None, at(keyword))

    def recency(self, keyword: Token, name: Token, *clauses: Any) -> Recency:
        which = "first" if keyword.type == "FIRST" else "last"
        parts, window = trailing_window(list(clauses), allowed_window=True)
        for clause in parts:
            kind, _, position = classify(clause)
            if kind not in ("via", "where"):
                raise fail(
                    f"{which} takes no {CLAUSE_NAMES[kind]}: it asks about the {which} record",
                    position,
                    hint=f"Write {which} TYPE [via ...] [where ...] [window], or count with "
                    "an interaction condition.",
                    expected="via, where or a window",
                )
        fields, via_position = clause_fields(parts, f"{which} condition")
        return Recency(which=which, type=identifier(name), window=window, **fields).at(
            node=at(keyword), via=via_position, type=at(name)
        )

    def via_clause(self, keyword: Token, field: Token) -> Clause:
        return Clause("via", identifier(field), at(keyword), at(field))

    def where_clause(self, keyword: Token, restriction: Any) -> Clause:
        return Clause("where", restriction, at(keyword))

    def having_clause(
        self, keyword: Token, function: Token, field: Token, operator: Token, value: Node
    ) -> Clause:
        name = identifier(function)
        if name not in AGGREGATES:
            suggestions = close_names(name.lower(), AGGREGATES)
            raise QuerySyntaxError(
                f"{name} is not an aggregate that having knows",
                text="",
                line=at(function)[0],
                column=at(function)[1],
                expected=AGGREGATES,
                hint=f"did you mean {suggestions[0]}?" if suggestions else None,
            )
        having = Having(
            function=name,
            field=identifier(field),
            operator=cast(OrderOperator, str(operator)),
            value=value,
        ).at(node=at(keyword), function=at(function), field=at(field), value=value.position())
        return Clause("having", having, at(keyword))

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
        amount = whole_number(number, "The number of time units")
        return InLast(amount=amount, unit=unit).at(node=at(keyword), amount=at(number))

    def in_periods(self, keyword: Token, needed: Token, _of: Token, *rest: Any) -> InPeriods:
        number, unit = rest[-2], rest[-1]
        count = whole_number(needed, "The number of periods")
        periods = whole_number(number, "The number of periods")
        return InPeriods(needed=count, periods=periods, unit=unit).at(
            node=at(keyword), needed=at(needed), periods=at(number)
        )

    def since(self, keyword: Token, point: Node) -> Since:
        return Since(point=point).at(node=at(keyword), point=point.position())

    def before(self, keyword: Token, point: Node) -> Before:
        return Before(point=point).at(node=at(keyword), point=point.position())

    def between(self, keyword: Token, start: Node, _and: Token, end: Node) -> Between:
        return Between(start=start, end=end).at(
            node=at(keyword), start=start.position(), end=end.position()
        )

    def ago(self, number: Token, unit: Unit, _ago: Token) -> Ago:
        amount = whole_number(number, "The number of time units")
        return Ago(amount=amount, unit=unit).at(node=at(number), amount=at(number))

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
        return WhereNot(operand=operand).at(node=at(keyword))

    def comparison(self, field: Token, tail: _Tail) -> Comparison:
        return _comparison(field, tail)

    def operator_tail(self, operator: Token, value: Node) -> _Tail:
        return _Tail(cast(ComparisonOperator, str(operator)), value, at(operator))

    def in_tail(self, *children: Any) -> _Tail:
        operator: ComparisonOperator = "not in" if len(children) == 3 else "in"
        return _Tail(operator, children[-1], at(children[0]))

    def like_tail(self, *children: Any) -> _Tail:
        operator: ComparisonOperator = "not like" if len(children) == 3 else "like"
        return _Tail(operator, children[-1], at(children[0]))

    def null_tail(self, keyword: Token, *rest: Token) -> _Tail:
        operator: ComparisonOperator = "is not null" if len(rest) == 2 else "is null"
        return _Tail(operator, None, at(keyword))

    def contains_tail(self, keyword: Token, value: Node) -> _Tail:
        return _Tail("contains", value, at(keyword))

    def starts_with_tail(self, keyword: Token, _with: Token, value: Node) -> _Tail:
        return _Tail("starts with", value, at(keyword))

    def ends_with_tail(self, keyword: Token, _with: Token, value: Node) -> _Tail:
        return _Tail("ends with", value, at(keyword))

    # --- literals ------------------------------------------------------------------------

    def string_literal(self, token: Token) -> StringLiteral:
        return StringLiteral(value=decode_string(token)).at(node=at(token))

    def number_literal(self, token: Token) -> NumberLiteral:
        return NumberLiteral(value=decode_number(token)).at(node=at(token))

    def boolean_literal(self, token: Token) -> BooleanLiteral:
        return BooleanLiteral(value=token.type == "TRUE").at(node=at(token))

    def null_literal(self, token: Token) -> NullLiteral:
        return NullLiteral().at(node=at(token))

    def date_literal(self, token: Token) -> DateLiteral:
        return DateLiteral(value=decode_date(token)).at(node=at(token))

    def datetime_literal(self, token: Token) -> DateTimeLiteral:
        return DateTimeLiteral(value=decode_datetime(token)).at(node=at(token))

    def list_literal(self, bracket: Token, *items: Any) -> ListLiteral:
        for item in items:
            if isinstance(item, Ago):
                line, column = item.position() or at(bracket)
                raise QueryValidationError(
                    "N units ago cannot stand in a list: it is an instant that moves with now",
                    word="ago",
                    line=line,
                    column=column,
                    hint="Compare with it directly, e.g. contact.createdAt >= 30 days ago.",
                )
        return ListLiteral(items=items).at(node=at(bracket))


def _count(
    operator: CountOperator, keyword: Token, number: Token, upper: Token | None = None
) -> Count:
    value = whole_number(number, "A count")
    high = None if upper is None else whole_number(upper, "A count")
    return Count(operator=operator, value=value, upper=high).at(
        node=at(keyword), value=at(number), upper=None if upper is None else at(upper)
    )


def _comparison(field: Token, tail: _Tail) -> Comparison:
    value_position = tail.value.position() if tail.value is not None else None
    return Comparison(field=identifier(field), operator=tail.operator, value=tail.value).at(
        node=at(field), operator=tail.position, value=value_position
    )

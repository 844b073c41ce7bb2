"""The query AST: the one meeting point of parser, formatter, checker and evaluator.

Every node is a frozen Pydantic model with a ``kind`` tag, compares by value,
hashes, and serialises to JSON and back. Source positions (for error
messages) ride along as a private attribute that takes no part in equality,
hashing or serialisation, so ``parse(format(q)) == q`` holds although the
formatted text puts words in other places.

``and``/``or`` nodes are n-ary and flatten nested nodes of their own kind on
construction: ``a and b and c`` is one ``And`` with three operands however it
was built, which keeps long chains shallow and gives each query one shape.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, Any, Literal, Self, cast

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    TypeAdapter,
    field_validator,
    model_validator,
)

from segmentkit.models.values import Identifier

__all__ = [
    "MAX_DEPTH",
    "Ago",
    "AllContacts",
    "And",
    "AnyLiteral",
    "AnyQuery",
    "Before",
    "Between",
    "BooleanLiteral",
    "Comparison",
    "ComparisonOperator",
    "Count",
    "CountOperator",
    "DateLiteral",
    "DateTimeLiteral",
    "Identifier",
    "InLast",
    "InteractionCondition",
    "ListLiteral",
    "Node",
    "Not",
    "NullLiteral",
    "NumberLiteral",
    "Or",
    "Point",
    "ProfileCondition",
    "Query",
    "Restriction",
    "ScalarLiteral",
    "SegmentReference",
    "Since",
    "StringLiteral",
    "Unit",
    "WhereAnd",
    "WhereNot",
    "WhereOr",
    "Window",
    "depth",
]

# Deeper queries are refused (QueryValidationError from the checker): every
# stage walks the tree, and Python's recursion limit must never be what stops it.
MAX_DEPTH = 100

Unit = Literal["minute", "hour", "day", "week", "month", "year"]
CountOperator = Literal["at least", "at most", "exactly", "between"]
ComparisonOperator = Literal[
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "in",
    "not in",
    "is null",
    "is not null",
    "contains",
    "starts with",
    "ends with",
]

Position = tuple[int, int]


class Node(BaseModel):
    """Base of every AST node: frozen, strict about extra keys, equal by value."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Where the node's words stood in the query text: field name -> (line, column),
    # with "" for the node's own first word. Not part of equality or JSON.
    _positions: dict[str, Position] = PrivateAttr(default_factory=dict)

    def __eq__(self, other: object) -> bool:
        # Pydantic's default __eq__ also compares private attributes (our
        # positions); two queries are equal when their fields are.
        if type(self) is not type(other):
            return NotImplemented if not isinstance(other, Node) else False
        return self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash((type(self).__name__, *self.__dict__.values()))

    def position(self, field: str = "") -> Position | None:
        """The (line, column) of the word for ``field`` ("" = the node itself)."""
        return self._positions.get(field) or self._positions.get("")

    def at(self, **positions: Position | None) -> Self:
        """Record source positions (used by the parser); returns self."""
        for field, pos in positions.items():
            if pos is not None:
                self._positions["" if field == "node" else field] = pos
        return self

    def children(self) -> Iterator[Node]:
        """The node's direct child nodes, in field order."""
        for value in self.__dict__.values():
            if isinstance(value, Node):
                yield value
            elif isinstance(value, tuple):
                for item in value:
                    if isinstance(item, Node):
                        yield item

    def walk(self) -> Iterator[Node]:
        """This node and all its descendants, depth first, without recursion."""
        stack: list[Node] = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(list(node.children())))


def depth(node: Node) -> int:
    """Nesting depth of a tree (a leaf has depth 1), computed without recursion."""
    deepest = 0
    stack: list[tuple[Node, int]] = [(node, 1)]
    while stack:
        current, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in current.children())
    return deepest


# --- literals ---------------------------------------------------------------


class StringLiteral(Node):
    kind: Literal["string"] = "string"
    value: str


class NumberLiteral(Node):
    """An integer when written without a decimal point or exponent, else a float."""

    kind: Literal["number"] = "number"
    value: int | float

    @field_validator("value")
    @classmethod
    def _finite(cls, value: int | float) -> int | float:
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("a number must be finite")
        return value


class BooleanLiteral(Node):
    kind: Literal["boolean"] = "boolean"
    value: bool


class NullLiteral(Node):
    kind: Literal["null"] = "null"


class DateLiteral(Node):
    kind: Literal["date"] = "date"
    value: date

    @field_validator("value", mode="before")
    @classmethod
    def _not_datetime(cls, value: Any) -> Any:
        if isinstance(value, datetime):
            raise ValueError("a date literal holds a date, not a datetime")
        return value


class DateTimeLiteral(Node):
    """An instant; naive when the query gave no offset (then read in ``tz``)."""

    kind: Literal["datetime"] = "datetime"
    value: datetime


ScalarLiteral = Annotated[
    StringLiteral | NumberLiteral | BooleanLiteral | NullLiteral | DateLiteral | DateTimeLiteral,
    Field(discriminator="kind"),
]


class ListLiteral(Node):
    kind: Literal["list"] = "list"
    items: tuple[ScalarLiteral, ...] = ()


AnyLiteral = Annotated[
    StringLiteral
    | NumberLiteral
    | BooleanLiteral
    | NullLiteral
    | DateLiteral
    | DateTimeLiteral
    | ListLiteral,
    Field(discriminator="kind"),
]

# --- comparisons and restrictions --------------------------------------------

_NO_VALUE = frozenset({"is null", "is not null"})
_LIST_VALUE = frozenset({"in", "not in"})
_STRING_VALUE = frozenset({"starts with", "ends with"})


class Comparison(Node):
    """``field operator value``; ``value`` is None for ``is [not] null``."""

    kind: Literal["comparison"] = "comparison"
    field: Identifier
    operator: ComparisonOperator
    value: AnyLiteral | None = None

    @model_validator(mode="after")
    def _value_fits_operator(self) -> Self:
        op, value = self.operator, self.value
        if op in _NO_VALUE:
            ok = value is None
        elif op in _LIST_VALUE:
            ok = isinstance(value, ListLiteral)
        elif op in _STRING_VALUE:
            ok = isinstance(value, StringLiteral)
        else:
            ok = value is not None and not isinstance(value, ListLiteral)
        if not ok:
            raise ValueError(f"operator {op!r} does not take the value {value!r}")
        return self


class WhereAnd(Node):
    kind: Literal["and"] = "and"
    operands: tuple[Restriction, ...] = Field(min_length=2)

    @field_validator("operands", mode="after")
    @classmethod
    def _flatten(cls, operands: tuple[Restriction, ...]) -> tuple[Restriction, ...]:
        return _flatten(operands, cls)


class WhereOr(Node):
    kind: Literal["or"] = "or"
    operands: tuple[Restriction, ...] = Field(min_length=2)

    @field_validator("operands", mode="after")
    @classmethod
    def _flatten(cls, operands: tuple[Restriction, ...]) -> tuple[Restriction, ...]:
        return _flatten(operands, cls)


class WhereNot(Node):
    kind: Literal["not"] = "not"
    operand: Restriction


Restriction = Annotated[
    Comparison | WhereAnd | WhereOr | WhereNot,
    Field(discriminator="kind"),
]

# --- counts and windows ----------------------------------------------------------


class Count(Node):
    """``at least|at most|exactly value times`` or ``between value and upper times``."""

    kind: Literal["count"] = "count"
    operator: CountOperator
    value: int
    upper: int | None = None

    @model_validator(mode="after")
    def _upper_only_for_between(self) -> Self:
        if (self.operator == "between") != (self.upper is not None):
            raise ValueError("only a 'between' count has an upper bound, and it must")
        return self


class Ago(Node):
    """``amount unit ago``: a point relative to ``now``."""

    kind: Literal["ago"] = "ago"
    amount: int
    unit: Unit


Point = Annotated[DateLiteral | DateTimeLiteral | Ago, Field(discriminator="kind")]


class InLast(Node):
    kind: Literal["in_last"] = "in_last"
    amount: int
    unit: Unit


class Since(Node):
    kind: Literal["since"] = "since"
    point: Point


class Before(Node):
    kind: Literal["before"] = "before"
    point: Point


class Between(Node):
    kind: Literal["between"] = "between"
    start: Point
    end: Point


Window = Annotated[InLast | Since | Before | Between, Field(discriminator="kind")]

# --- queries ------------------------------------------------------------------------


class Query(Node):
    """Base of the query nodes: set algebra with Python operators.

    ``Query.model_validate(...)`` / ``Query.model_validate_json(...)`` accept
    any query node (dispatching on ``kind``).
    """

    def __and__(self, other: Query) -> And:
        return And(operands=(self, other))

    def __or__(self, other: Query) -> Or:
        return Or(operands=(self, other))

    def __invert__(self) -> Not:
        return Not(operand=self)

    def __sub__(self, other: Query) -> And:
        return And(operands=(self, Not(operand=other)))

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Self:
        if cls is Query:
            return cast(Self, _QUERY_ADAPTER.validate_python(obj, *args, **kwargs))
        return super().model_validate(obj, *args, **kwargs)

    @classmethod
    def model_validate_json(
        cls, json_data: str | bytes | bytearray, *args: Any, **kwargs: Any
    ) -> Self:
        if cls is Query:
            return cast(Self, _QUERY_ADAPTER.validate_json(json_data, *args, **kwargs))
        return super().model_validate_json(json_data, *args, **kwargs)


class InteractionCondition(Query):
    """``TYPE [via FIELD] [where ...] [count] [window]``."""

    kind: Literal["interaction"] = "interaction"
    type: Identifier
    via: Identifier | None = None
    where: Restriction | None = None
    count: Count | None = None
    window: Window | None = None


class ProfileCondition(Query):
    """``contact.PATH comparison-tail``."""

    kind: Literal["profile"] = "profile"
    comparison: Comparison


class SegmentReference(Query):
    kind: Literal["segment"] = "segment"
    name: Identifier


class AllContacts(Query):
    kind: Literal["all"] = "all"


class And(Query):
    kind: Literal["and"] = "and"
    operands: tuple[AnyQuery, ...] = Field(min_length=2)

    @field_validator("operands", mode="after")
    @classmethod
    def _flatten(cls, operands: tuple[AnyQuery, ...]) -> tuple[AnyQuery, ...]:
        return _flatten(operands, cls)


class Or(Query):
    kind: Literal["or"] = "or"
    operands: tuple[AnyQuery, ...] = Field(min_length=2)

    @field_validator("operands", mode="after")
    @classmethod
    def _flatten(cls, operands: tuple[AnyQuery, ...]) -> tuple[AnyQuery, ...]:
        return _flatten(operands, cls)


class Not(Query):
    kind: Literal["not"] = "not"
    operand: AnyQuery


AnyQuery = Annotated[
    InteractionCondition | ProfileCondition | SegmentReference | AllContacts | And | Or | Not,
    Field(discriminator="kind"),
]


def _flatten(operands: tuple[Any, ...], kind: type[Any]) -> tuple[Any, ...]:
    """Splice the operands of same-kind children into their parent."""
    if not any(type(op) is kind for op in operands):
        return operands
    flat: list[Any] = []
    for operand in operands:
        if type(operand) is kind:
            flat.extend(operand.operands)
        else:
            flat.append(operand)
    return tuple(flat)


for _model in (WhereAnd, WhereOr, WhereNot, And, Or, Not, InteractionCondition, ProfileCondition):
    _model.model_rebuild()

_QUERY_ADAPTER: TypeAdapter[AnyQuery] = TypeAdapter(AnyQuery)

"""The clauses of an interaction condition besides ``where``: counts and windows."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from segmentkit.language.ast.literals import (
    Ago,
    AnyLiteral,
    DateLiteral,
    DateTimeLiteral,
    ListLiteral,
)
from segmentkit.language.ast.node import CountOperator, Node, OrderOperator, Unit
from segmentkit.models.values import Identifier

__all__ = [
    "AGGREGATES",
    "Aggregate",
    "Before",
    "Between",
    "Count",
    "Having",
    "InLast",
    "InPeriods",
    "Point",
    "Since",
    "Window",
]


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


Aggregate = Literal["sum", "avg", "min", "max", "distinct"]
AGGREGATES: tuple[Aggregate, ...] = ("sum", "avg", "min", "max", "distinct")


class Having(Node):
    """``having FUNCTION(FIELD) OP value``: a test of an aggregate of the records
    that count (LANGUAGE.md "Aggregates")."""

    kind: Literal["having"] = "having"
    function: Aggregate
    field: Identifier
    operator: OrderOperator
    value: AnyLiteral

    @model_validator(mode="after")
    def _one_value(self) -> Self:
        if isinstance(self.value, ListLiteral):
            raise ValueError("having compares the aggregate with one value, not a list")
        return self


class InPeriods(Node):
    """``in NEEDED of last PERIODS UNIT``: the count clause holds in at least
    ``needed`` of the ``periods`` periods of one unit that end at ``now``."""

    kind: Literal["in_periods"] = "in_periods"
    needed: int
    periods: int
    unit: Unit


Window = Annotated[
    InLast | Since | Before | Between | InPeriods, Field(discriminator="kind")
]

"""The clauses of an interaction condition besides ``where``: counts and windows."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from segmentkit.language.ast.literals import Ago, DateLiteral, DateTimeLiteral
from segmentkit.language.ast.node import CountOperator, Node, Unit

__all__ = ["Before", "Between", "Count", "InLast", "InPeriods", "Point", "Since", "Window"]


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

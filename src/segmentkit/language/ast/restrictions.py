"""Comparisons and the restrictions (``where``) built from them."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, field_validator, model_validator

from segmentkit.language.ast.literals import AnyLiteral, ListLiteral, StringLiteral
from segmentkit.language.ast.node import ComparisonOperator, Node, flatten_operands
from segmentkit.models.values import Identifier

__all__ = ["Comparison", "Restriction", "WhereAnd", "WhereNot", "WhereOr"]

_NO_VALUE = frozenset({"is null", "is not null"})
_LIST_VALUE = frozenset({"in", "not in"})
_STRING_VALUE = frozenset({"starts with", "ends with", "like", "not like"})


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
        return flatten_operands(operands, cls)


class WhereOr(Node):
    kind: Literal["or"] = "or"
    operands: tuple[Restriction, ...] = Field(min_length=2)

    @field_validator("operands", mode="after")
    @classmethod
    def _flatten(cls, operands: tuple[Restriction, ...]) -> tuple[Restriction, ...]:
        return flatten_operands(operands, cls)


class WhereNot(Node):
    kind: Literal["not"] = "not"
    operand: Restriction


Restriction = Annotated[
    Comparison | WhereAnd | WhereOr | WhereNot,
    Field(discriminator="kind"),
]


for _model in (WhereAnd, WhereOr, WhereNot):
    _model.model_rebuild()

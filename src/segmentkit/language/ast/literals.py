"""Literal values: text, numbers, booleans, null, dates, datetimes and lists."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from segmentkit.language.ast.node import Node, Unit

__all__ = [
    "Ago",
    "AnyLiteral",
    "BooleanLiteral",
    "DateLiteral",
    "DateTimeLiteral",
    "ListLiteral",
    "NullLiteral",
    "NumberLiteral",
    "ScalarLiteral",
    "StringLiteral",
]


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


class Ago(Node):
    """``amount unit ago``: the instant ``now`` minus that much, a window point or
    (LANGUAGE.md "Version 2") a literal of the kind DATETIME."""

    kind: Literal["ago"] = "ago"
    amount: int
    unit: Unit


AnyLiteral = Annotated[
    StringLiteral
    | NumberLiteral
    | BooleanLiteral
    | NullLiteral
    | DateLiteral
    | DateTimeLiteral
    | ListLiteral
    | Ago,
    Field(discriminator="kind"),
]

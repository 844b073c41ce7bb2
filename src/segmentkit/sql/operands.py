"""What a comparison reads (an ``Operand``) and how a literal meets it (an
``Encoding``), over either kind of table.

Over the tables ``SqlRepository`` owns, a value is its comparison key
(``sql.keys``): one string whose first character is its kind, compared as
a string. Over a user's own tables (``TableLayout(keys=False)``) a value is
read from JSON or a column in the engine's own types: text lower-cased by
the engine, numbers as DOUBLE, dates as ISO text, datetimes as
TIMESTAMPTZ. ``sql.comparisons`` writes each comparison once, for both.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlglot import exp

from segmentkit.sql import keys
from segmentkit.sql.builder import Builder

__all__ = [
    "BEFORE_ALL",
    "KIND_OF_FIELD",
    "Encoding",
    "KeyEncoding",
    "NativeEncoding",
    "Operand",
    "Source",
    "as_double",
    "encoding_for",
    "key_operand",
    "known_kind_operand",
]

# The kind letters of sql.keys for the kinds a type or attribute declares.
KIND_OF_FIELD = {
    "text": keys.TEXT,
    "number": keys.NUMBER,
    "boolean": keys.BOOLEAN,
    "date": keys.DATE,
    "datetime": keys.INSTANT,
    "list": keys.LIST,
}


class _BeforeAll:
    """A range bound that lies before every value of its kind."""


BEFORE_ALL = _BeforeAll()


@dataclass(frozen=True)
class Operand:
    """One value as SQL: ``kind`` is its kind letter (``sql.keys``: t n b d i
    L), NULL when it has none; ``missing`` is TRUE when it is missing or
    null; ``read(kind)`` is the value as that kind, comparable with
    ``Encoding.literal(kind, ...)`` (text: with ``Encoding.text``)."""

    kind: exp.Expr
    missing: exp.Expr
    read: Callable[[str], exp.Expr]


@dataclass(frozen=True)
class Source:
    """Where comparisons find their values: ``value(field)`` one field's,
    and ``any_item(field, test)`` is TRUE when ``test`` is TRUE for some
    element of the list in ``field`` (FALSE for none, or no list)."""

    value: Callable[[str], Operand]
    any_item: Callable[[str, Callable[[Operand], exp.Expr]], exp.Expr]


def key_operand(builder: Builder, key: exp.Expr) -> Operand:
    """A value held as its key: the kind is the first character, text the rest."""

    def read(kind: str) -> exp.Expr:
        if kind == keys.TEXT:
            return builder.ordered(exp.Substring(this=key.copy(), start=exp.Literal.number(2)))
        return builder.ordered(key.copy())

    return Operand(
        kind=exp.Substring(
            this=key.copy(), start=exp.Literal.number(1), length=exp.Literal.number(1)
        ),
        missing=exp.Is(this=key.copy(), expression=exp.Null()),
        read=read,
    )


def known_kind_operand(value: exp.Expr, kind: str) -> Operand:
    """A value of one kind already read as that kind (NULL when missing)."""
    return Operand(
        kind=exp.Case(
            ifs=[exp.If(this=exp.not_(exp.Is(this=value.copy(), expression=exp.Null())),
                        true=exp.Literal.string(kind))]
        ),
        missing=exp.Is(this=value.copy(), expression=exp.Null()),
        read=lambda wanted: value.copy() if wanted == kind else exp.Null(),
    )


class Encoding(ABC):
    """How a query's literals meet values read as ``Operand``s."""

    # Whether text is casefolded in Python (keys) or lower-cased by the engine.
    folds_in_python: bool

    def __init__(self, builder: Builder) -> None:
        self.builder = builder

    @abstractmethod
    def text(self, text: str) -> exp.Expr:
        """A text literal (or a LIKE pattern), folded as values are."""

    @abstractmethod
    def literal(self, kind: str, value: Any) -> exp.Expr:
        """A number, boolean, date (a ``date``) or instant (epoch
        microseconds) as ``Operand.read(kind)`` holds it."""


class KeyEncoding(Encoding):
    folds_in_python = True

    def text(self, text: str) -> exp.Expr:
        return self.builder.value(text.casefold())

    def literal(self, kind: str, value: Any) -> exp.Expr:
        return self.builder.value(_KEYS[kind](value))


_KEYS: dict[str, Callable[[Any], str]] = {
    keys.NUMBER: keys.number_key,
    keys.BOOLEAN: lambda flag: keys.TRUE_KEY if flag else keys.FALSE_KEY,
    keys.DATE: keys.date_key,
    keys.INSTANT: keys.instant_key,
}


class NativeEncoding(Encoding):
    folds_in_python = False

    def text(self, text: str) -> exp.Expr:
        return exp.Lower(this=self.builder.value(text))

    def literal(self, kind: str, value: Any) -> exp.Expr:
        builder = self.builder
        if kind == keys.NUMBER:
            return exp.cast(builder.value(as_double(value)), exp.DataType.Type.DOUBLE)
        if kind == keys.BOOLEAN:
            return builder.value(bool(value))
        if kind == keys.DATE:
            assert isinstance(value, date)
            return builder.value(value.isoformat())  # dates are ISO text: see json_values
        return builder.instant(value)


def encoding_for(builder: Builder) -> Encoding:
    return KeyEncoding(builder) if builder.layout.keys else NativeEncoding(builder)


def as_double(number: int | float) -> int | float:
    """A number an engine takes as a parameter: an int beyond 64 bits as the
    nearest double (numbers are doubles over a user's tables, docs/sql.md)."""
    if isinstance(number, int) and not -(2**63) <= number < 2**63:
        try:
            return float(number)
        except OverflowError:
            return math.inf if number > 0 else -math.inf
    return number

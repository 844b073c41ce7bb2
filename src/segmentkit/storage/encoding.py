"""How stored values are encoded: instants as epoch microseconds, property
values as codes in a per-field ``ValueDictionary``."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

__all__ = [
    "ABSENT",
    "ABSENT_KEY",
    "ValueDictionary",
    "from_microseconds",
    "to_microseconds",
    "value_key",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ABSENT = 0  # the property code of a record that does not have the field


class _AbsentKey:
    """The value_key-space marker of a missing field (never a stored value)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "ABSENT_KEY"


ABSENT_KEY: Any = _AbsentKey()


def to_microseconds(instant: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime (exact, no float)."""
    delta = instant - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_microseconds(micros: int, zone: tzinfo) -> datetime:
    """The instant ``micros`` shown in ``zone`` (the inverse of ``to_microseconds``)."""
    try:
        instant = _EPOCH + timedelta(microseconds=micros)
        return instant if zone is UTC else instant.astimezone(zone)
    except OverflowError:
        # Year 1 or 9999 with an offset: the UTC instant is no datetime, but
        # the wall time in its own zone is.
        edge = datetime.min if micros < 0 else datetime.max
        offset = zone.utcoffset(edge) or timedelta(0)
        wall = datetime(1970, 1, 1) + (timedelta(microseconds=micros) + offset)
        return wall.replace(tzinfo=zone)


def value_key(value: Any) -> Any:
    """A dict key that tells apart values Python finds equal (1, 1.0, True; 0.0, -0.0).

    Text, by far the most common kind, is its own key.
    """
    kind = value.__class__
    if kind is str:
        return value
    if kind is int or kind is bool or kind is date:
        return (kind, value)
    if kind is float:
        return (kind, value, math.copysign(1.0, value))
    if value is None:
        return None
    # datetimes (whose zone matters beyond equality) and lists: exact text.
    return (kind, repr(value))


class ValueDictionary:
    """One field's distinct values: ``values[code]``; code 0 means absent.

    Append-only and shared by every view of the log: a view only meets
    codes that existed when it was taken.
    """

    __slots__ = ("codes", "values")

    def __init__(self) -> None:
        self.values: list[Any] = [None]
        # ABSENT_KEY -> 0 lets a column of values with gaps be looked up in
        # one map() (ingest): ABSENT_KEY stands for a record without the field.
        self.codes: dict[Any, int] = {ABSENT_KEY: ABSENT}

    def code(self, value: Any) -> int:
        key = value_key(value)
        code = self.codes.get(key)
        if code is None:
            code = self.codes[key] = len(self.values)
            self.values.append(value)
        return code

    def add_text(self, new: Iterable[str | None]) -> None:
        """Add values that are their own keys (text, None), none of them here yet:
        ``code`` for each, in one pass."""
        start = len(self.values)
        self.values.extend(new)
        self.codes.update(zip(self.values[start:], range(start, len(self.values)), strict=True))


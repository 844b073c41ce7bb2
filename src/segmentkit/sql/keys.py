"""Comparison keys: every stored value as one string that compares in SQL
exactly as the in-memory engine compares the value.

SQL engines disagree with Python on the details that decide membership:
``LOWER`` is not ``casefold`` (ß, final sigma), a DOUBLE cannot tell
``2**53 + 1`` from ``2.0**53``, collations reorder text. So the tables that
``SqlRepository`` owns hold, beside each record's JSON, a key per value,
computed here in Python, whose plain binary string order is the engine's
order and whose first character is the value's kind:

- ``t`` + the casefolded text;
- ``n`` + an exact, order-preserving spelling of the number (ints and floats
  of one value share it: ``1`` and ``1.0`` are equal, ``2**53 + 1`` and
  ``2.0**53`` are not);
- ``b0`` / ``b1`` for false / true;
- ``d`` + the day number, seven digits;
- ``i`` + the instant in epoch microseconds, offset to stay positive, twenty digits;
- a list is ``L`` and its elements go to a table of their own (``list_items``).

A comparison's literal becomes the same kind of key (and a date compared
with datetimes becomes instant bounds in ``tz``, computed here too), so SQL
only compares strings of one kind and answers NULL (UNKNOWN) for any other.
Text keys never hold a lone surrogate (refused at the door).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from segmentkit.storage.store import to_microseconds

__all__ = [
    "DATE",
    "FALSE_KEY",
    "INSTANT",
    "KINDS",
    "LIST",
    "NUMBER",
    "TEXT",
    "TRUE_KEY",
    "date_key",
    "instant_key",
    "number_key",
    "scalar_key",
    "text_key",
    "value_key",
]

TEXT, NUMBER, BOOLEAN, DATE, INSTANT, LIST = "t", "n", "b", "d", "i", "L"
KINDS = (TEXT, NUMBER, BOOLEAN, DATE, INSTANT)
TRUE_KEY, FALSE_KEY = "b1", "b0"

# Exponents of numbers, offset so that their fixed-width spelling sorts.
_EXPONENT_OFFSET = 500_000
_EXPONENT_WIDTH = 6
# Instants in epoch microseconds span about +-2.6e17 over years 1..9999.
_INSTANT_OFFSET = 2**62
_INSTANT_WIDTH = 20
_DAY_WIDTH = 7
# After a negative number's complemented digits: sorts above every digit, so
# that -1.5 (a shorter magnitude) sorts above -1.51.
_NEGATIVE_END = "~"
_COMPLEMENT = str.maketrans("0123456789", "9876543210")


def text_key(text: str) -> str:
    return TEXT + text.casefold()


def number_key(number: int | float) -> str:
    """An exact key for a finite number: ``n0...`` negative, ``n1`` zero,
    ``n2...`` positive; then the decimal exponent and significant digits."""
    if number == 0:
        return NUMBER + "1"
    exact = Decimal(number)  # exact for ints and for every finite float
    sign, digits, _ = exact.as_tuple()
    significant = "".join(map(str, digits)).rstrip("0")
    exponent = exact.adjusted() + _EXPONENT_OFFSET
    if sign:  # negative: larger magnitudes sort first
        exponent_text = str(2 * _EXPONENT_OFFSET - exponent).zfill(_EXPONENT_WIDTH)
        return NUMBER + "0" + exponent_text + significant.translate(_COMPLEMENT) + _NEGATIVE_END
    return NUMBER + "2" + str(exponent).zfill(_EXPONENT_WIDTH) + significant


def date_key(day: date) -> str:
    return DATE + str(day.toordinal()).zfill(_DAY_WIDTH)


def instant_key(microseconds: int) -> str:
    return INSTANT + str(microseconds + _INSTANT_OFFSET).zfill(_INSTANT_WIDTH)


def scalar_key(value: Any) -> str | None:
    """The key of one scalar value (None for null)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return TRUE_KEY if value else FALSE_KEY
    if isinstance(value, str):
        return text_key(value)
    if isinstance(value, int | float):
        return number_key(value)
    if isinstance(value, datetime):
        return instant_key(to_microseconds(value))
    if isinstance(value, date):
        return date_key(value)
    raise TypeError(f"not a stored value: {value!r}")


def value_key(value: Any) -> str | None:
    """The key of a stored value: a scalar's, or ``L`` for a list (whose
    elements' keys are stored apart)."""
    if isinstance(value, list):
        return LIST
    return scalar_key(value)

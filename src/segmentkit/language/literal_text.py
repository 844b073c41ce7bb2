"""Decoding the text of literal tokens: quoted texts, numbers, dates and datetimes.

Each decoder takes the lark ``Token`` (for its position) and raises a
``QuerySyntaxError`` placed on it; ``parse`` adds the query text.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta, timezone

from lark import Token

from segmentkit.errors import QuerySyntaxError
from segmentkit.models.text import SURROGATE

__all__ = [
    "Position",
    "at",
    "decode_date",
    "decode_datetime",
    "decode_number",
    "decode_string",
    "fail",
    "identifier",
    "whole_number",
]

Position = tuple[int, int]


def at(token: Token) -> Position:
    """Where a token stands: (line, column), both 1-based."""
    return (token.line or 1, token.column or 1)


def fail(
    problem: str, position: Position, hint: str | None = None, *, expected: str
) -> QuerySyntaxError:
    """A syntax error at ``position``, saying what was ``expected`` there (API.md:
    every syntax error says what was expected)."""
    return QuerySyntaxError(
        problem, text="", line=position[0], column=position[1], expected=(expected,), hint=hint
    )


_MAX_DIGITS = 4300
_DATETIME_EXAMPLE = "a real date and time, like 2026-01-31T09:30 or 2026-01-31T09:30:00+01:00"
_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "n": "\n", "t": "\t"}
_ESCAPE = re.compile(
    r"\\u(?P<high>[dD][89abAB][0-9a-fA-F]{2})\\u(?P<low>[dD][c-fC-F][0-9a-fA-F]{2})"
    r"|\\(?P<code>u[0-9a-fA-F]{4}|[\"'\\nt])"
)
_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|([+-])(\d{2}):(\d{2}))?"
)


def identifier(token: Token) -> str:
    # A backticked name is the name without its backticks: `day` names "day".
    return str(token)[1:-1] if token.type == "QUOTED_NAME" else str(token)


def decode_string(token: Token) -> str:
    """The value of a STRING token; the grammar has already refused bad escapes."""
    raw = str(token)[1:-1]
    line, column = at(token)
    lone = SURROGATE.search(raw)
    if lone is not None:
        position = (line, column + 1 + lone.start())
        raise fail(
            "A quoted text holds half of a character pair",
            position,
            expected="whole characters",
        )
    text = _ESCAPE.sub(_unescape, raw) if "\\" in raw else raw
    if SURROGATE.search(text) is not None:
        offset = next(
            match.start()
            for match in _ESCAPE.finditer(raw)
            if SURROGATE.fullmatch(_unescape(match)) is not None
        )
        raise fail(
            "A \\u escape in a quoted text names half of a character pair (a lone surrogate)",
            (line, column + 1 + offset),
            hint="Write a character outside the basic plane as two escapes, e.g. \\ud83d\\ude00.",
            expected="an escape of a whole character",
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
        raise fail(
            f"The number {_shorten(raw)} is too large",
            at(token),
            expected=f"a finite number of at most {_MAX_DIGITS} digits",
        ) from None


def whole_number(token: Token, what: str) -> int:
    value = decode_number(token)
    if not isinstance(value, int):
        raise fail(
            f"{what} must be a whole number, not {_shorten(str(token))}",
            at(token),
            expected="a whole number",
        )
    return value


def _shorten(raw: str) -> str:
    return raw if len(raw) <= 20 else raw[:17] + "..."


def decode_date(token: Token) -> date:
    try:
        return date.fromisoformat(str(token))
    except ValueError:
        raise fail(
            f"{token} is not a real calendar date",
            at(token),
            expected="a real calendar date, like 2026-02-28",
        ) from None


def decode_datetime(token: Token) -> datetime:
    match = _DATETIME.fullmatch(str(token))
    if match is None:  # the grammar's pattern is the same: cannot happen
        raise fail(
            f"{token} is not a date and time", at(token), expected=_DATETIME_EXAMPLE
        )
    year, month, day, hour, minute, second, fraction, zone, sign, off_h, off_m = match.groups()
    if fraction is not None and len(fraction) > 6:
        raise fail(
            f"{token} has more than 6 digits after the seconds' decimal point",
            at(token),
            expected="at most 6 digits after the seconds' decimal point",
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
        raise fail(
            f"{token} is not a real date and time", at(token), expected=_DATETIME_EXAMPLE
        ) from None



"""Number series as Business Central users know them: ``SM00001`` -> ``SM00002``.

The rightmost run of digits is the number; the text around it stays, and
so does its zero padding (``SM00009`` -> ``SM00010``). A number that needs
more digits than the padding grows (``A9`` -> ``A10``), as Business
Central's ``IncStr`` does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from segmentkit.errors import NumberSeriesError

if TYPE_CHECKING:
    from segmentkit.marketing.records import NumberSeries

__all__ = ["NumberFormat", "next_number"]

_LAST_DIGITS = re.compile(r"^(.*?)(\d+)(\D*)$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class NumberFormat:
    """``SM00001`` as prefix ``SM``, number 1 in 5 digits, no suffix."""

    prefix: str
    number: int
    width: int
    suffix: str

    @classmethod
    def of(cls, text: str, name: str = "number") -> NumberFormat:
        """Split a number; raises ValueError (for pydantic) when it has no digits."""
        match = _LAST_DIGITS.match(text)
        if match is None or not match.group(2).isascii():
            raise ValueError(f"{name} {text!r} needs digits to count up, e.g. 'SM00001'")
        prefix, digits, suffix = match.groups()
        return cls(prefix, int(digits), len(digits), suffix)

    def same_shape(self, other: NumberFormat) -> bool:
        return (self.prefix, self.suffix) == (other.prefix, other.suffix)

    def plus(self, step: int) -> str:
        return f"{self.prefix}{str(self.number + step).zfill(self.width)}{self.suffix}"


def next_number(series: NumberSeries) -> str:
    """The number the series gives next; ``NumberSeriesError`` past its end.

    Nothing is taken here: the caller stores the series with ``last_used``
    set to the number once it is used, so a refusal consumes nothing.
    """
    if series.last_used is None:
        candidate = series.starting_number
    else:
        candidate = NumberFormat.of(series.last_used).plus(series.increment)
    if series.ending_number is not None:
        end = NumberFormat.of(series.ending_number)
        if NumberFormat.of(candidate).number > end.number:
            raise NumberSeriesError(
                f"Number series {series.code!r} has no number left: the next one, "
                f"{candidate}, would pass its ending number {series.ending_number}",
                series=series.code,
                last_used=series.last_used,
                ending_number=series.ending_number,
                hint="Raise the ending number or set up another series",
            )
    return candidate

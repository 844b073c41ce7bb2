"""How ``N UNIT ago`` moves as ``now`` moves, exactly (for membership over time).

For minutes and hours, ``ago(t) = t - N units``. For days and longer it is
calendar arithmetic on the wall clock in ``tz`` (LANGUAGE.md "Windows"), and
``ago`` is piecewise ``t - k`` with jumps: at daylight-saving changes (of
``t``'s wall clock, or of the wall time ``N units`` before it) and, for
months and years, at the midnights of days that clamp to a shorter month
(one month before 03-29, 03-30 and 03-31 is 02-28 each time, so ``ago``
sweeps 02-28 three times and jumps back at each midnight).

``AgoSteps`` finds those pieces over a span of instants: it splits the span
at every local midnight, every offset change of the zone and every instant
whose wall time ``N units`` back is an offset change, then checks each piece
(``k`` equal at both ends) and bisects any piece that is not one. A
threshold ``x`` (a record's timestamp) then flips ``ago(t) <= x`` only inside
a piece at ``t = x + k + 1 µs`` (or ``x + k`` for a strict comparison) or at
a piece's start: ``crossings(x)`` lists them all (a superset is fine: the
caller evaluates at each instant it is given).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import datetime, time, timedelta, tzinfo
from itertools import pairwise

from dateutil.relativedelta import relativedelta

from segmentkit.engine.windows import BEFORE_ALL, local_instant, point_microseconds
from segmentkit.language.ast import Ago
from segmentkit.storage.store import from_microseconds, to_microseconds

__all__ = ["AgoSteps", "offset_changes", "reach_of"]

_HOUR = 3_600_000_000
_DAY = 24 * _HOUR
_EXACT = {"minute": 60_000_000, "hour": _HOUR}
# The longest a unit lasts, for the reach of a search around x + N units.
_LONGEST = {"day": 2 * _DAY, "week": 8 * _DAY, "month": 32 * _DAY, "year": 367 * _DAY}


def reach_of(amount: int, unit: str) -> int:
    """The most microseconds ``amount unit`` can span (a month at most 31 days
    and a DST hour, and so on): how far ``ago`` can lag ``now``."""
    return amount * (_EXACT[unit] if unit in _EXACT else _LONGEST[unit])


def offset_changes(tz: tzinfo, start: int, end: int) -> list[int]:
    """The instants in ``[start, end]`` at which ``tz``'s UTC offset changes
    (the first instant of the new offset). Found hour by hour, then bisected
    to the microsecond: no zone changes its offset twice within an hour."""
    found: list[int] = []

    def offset(instant: int) -> timedelta | None:
        return from_microseconds(instant, tz).utcoffset()

    probe = start
    before = offset(probe)
    while probe < end:
        following = min(probe + _HOUR, end)
        after = offset(following)
        if after != before:
            low, high = probe, following  # offset(low) == before, offset(high) != before
            while high - low > 1:
                middle = (low + high) // 2
                if offset(middle) == before:
                    low = middle
                else:
                    high = middle
            found.append(high)
        probe, before = following, after
    return found


class AgoSteps:
    """``ago(t)`` for one ``N UNIT`` over ``[start, end]``, as pieces ``ago(t) = t - k``."""

    def __init__(self, amount: int, unit: str, tz: tzinfo, start: int, end: int) -> None:
        self.amount, self.unit, self.tz = amount, unit, tz
        self.exact = unit in _EXACT
        self.reach = reach_of(amount, unit)
        self.starts: list[int] = []
        self.shifts: list[int] = []
        if self.exact:
            self.starts, self.shifts = [start], [self.reach]
            return
        breaks = {start, end + 1}
        breaks.update(self._midnights(start, end))
        changes = offset_changes(tz, start - self.reach - _DAY, end + _DAY)
        breaks.update(change for change in changes if start < change <= end)
        for change in changes:
            # Where the wall time N units back meets an offset change: the
            # wall clock at (and just before) it, N units on.
            for wall in self._walls_around(change):
                breaks.update(self._instants_of_wall(self._forward(wall), start, end))
        points = sorted(b for b in breaks if start <= b <= end + 1)
        for low, high in pairwise(points):
            self._add_pieces(low, high)

    # -- building the pieces --------------------------------------------------------------

    def ago(self, instant: int) -> int:
        now = from_microseconds(instant, self.tz)
        return point_microseconds(Ago(amount=self.amount, unit=self.unit), now=now, tz=self.tz)

    def _shift(self, instant: int) -> int:
        return instant - self.ago(instant)

    def _add_pieces(self, low: int, high: int) -> None:
        """Pieces covering [low, high): one when the shift is the same at both ends."""
        while low < high:
            shift = self._shift(low)
            if self._shift(high - 1) == shift:
                self._append(low, shift)
                return
            # The last instant with the first shift, by bisection.
            good, bad = low, high - 1
            while bad - good > 1:
                middle = (good + bad) // 2
                if self._shift(middle) == shift:
                    good = middle
                else:
                    bad = middle
            self._append(low, shift)
            low = bad

    def _append(self, low: int, shift: int) -> None:
        if self.shifts and self.shifts[-1] == shift and self.starts[-1] < low:
            return  # the piece goes on
        self.starts.append(low)
        self.shifts.append(shift)

    def _midnights(self, start: int, end: int) -> list[int]:
        first = from_microseconds(start, self.tz).date() - timedelta(days=1)
        last = from_microseconds(end, self.tz).date() + timedelta(days=1)
        found = []
        day = first
        while day <= last:
            found.extend(self._instants_of_wall(datetime.combine(day, time()), start, end))
            day += timedelta(days=1)
        return found

    def _walls_around(self, change: int) -> list[datetime]:
        before = from_microseconds(change - 1, self.tz).replace(tzinfo=None)
        after = from_microseconds(change, self.tz).replace(tzinfo=None)
        return [after, before + timedelta(microseconds=1)]

    def _forward(self, wall: datetime) -> datetime:
        try:
            return wall + relativedelta(**{self.unit + "s": self.amount})  # type: ignore[arg-type]
        except (OverflowError, ValueError):
            return datetime.max

    def _instants_of_wall(self, wall: datetime, start: int, end: int) -> list[int]:
        """Instants in [start, end] whose wall clock in tz reads ``wall`` (0, 1 or 2),
        and the instants where a wall clock nearby begins (for gaps)."""
        found = []
        for fold in (0, 1):
            try:
                instant = to_microseconds(wall.replace(tzinfo=self.tz, fold=fold))
            except (OverflowError, ValueError):
                continue
            for candidate in (instant, local_instant(wall, self.tz)):
                if start <= candidate <= end:
                    found.append(candidate)
        return found

    # -- reading them -----------------------------------------------------------------------

    def at(self, instant: int) -> int:
        """``ago`` at ``instant`` (within the span), from the pieces: no calendar arithmetic."""
        if self.exact:
            return instant - self.reach
        index = bisect_right(self.starts, instant) - 1
        if index < 0:
            return self.ago(instant)
        return instant - self.shifts[index]

    def crossings(self, threshold: int, start: int, end: int, *, edge: bool = False) -> list[int]:
        """Instants in ``(start, end]`` where ``ago(t) <= threshold`` (or ``<``) may flip.

        With ``edge``, only ``ago(t) <= threshold`` is asked (a window's
        inclusive start, or its exclusive end ``threshold < ago(t)``): within
        a piece it flips one microsecond after ``ago(t)`` meets the threshold.
        """
        if threshold <= BEFORE_ALL:
            return []
        found = []
        if self.exact:
            for instant in (threshold + self.reach, threshold + self.reach + 1)[edge:]:
                if start < instant <= end:
                    found.append(instant)
            return found
        # Only pieces near threshold + N units can hold a flip.
        low = bisect_right(self.starts, threshold) - 1
        high = bisect_left(self.starts, threshold + self.reach + _DAY)
        for index in range(max(low, 0), min(high + 1, len(self.starts))):
            piece_start = self.starts[index]
            piece_end = self.starts[index + 1] if index + 1 < len(self.starts) else end + 1
            shift = self.shifts[index]
            meets = (threshold + shift + 1,) if edge else (threshold + shift, threshold + shift + 1)
            for instant in (piece_start, *meets):
                if piece_start <= instant < piece_end and start < instant <= end:
                    found.append(instant)
        return found

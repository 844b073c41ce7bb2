"""Instants for the reference evaluator: points in time as plain numbers.

Instants are whole microseconds since 1970-01-01 UTC (ints), and the ends of
time are ``-inf`` / ``+inf``: ints never overflow near the year 1 or 9999,
and Python compares ints with floats exactly. Written from LANGUAGE.md
"Windows" alone; independent of segmentkit's ``windows`` and ``store``.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from dateutil.relativedelta import relativedelta

from segmentkit.errors import InvalidArgumentError
from segmentkit.language.ast import DateTimeLiteral

__all__ = [
    "Instant",
    "calendar_day",
    "instant",
    "literal_instant",
    "midnight",
    "next_midnight",
    "units_after",
    "units_before",
    "wall_time",
]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_MICROSECOND = timedelta(microseconds=1)
ONE_DAY = 86_400_000_000
MICROSECONDS = {"minute": 60_000_000, "hour": 3_600_000_000}
Instant = int | float  # microseconds since EPOCH, or -inf / +inf



def instant(moment: datetime) -> int:
    """An aware datetime as microseconds since the epoch."""
    return (moment - EPOCH) // ONE_MICROSECOND


def wall_time(naive: datetime, tz: tzinfo) -> int:
    """A wall-clock time read in ``tz``.

    "a wall time that falls in a DST gap or fold takes the offset `zoneinfo`
    gives it with `fold=0`."
    """
    return instant(naive.replace(tzinfo=tz, fold=0))


def midnight(day: date, tz: tzinfo) -> int:
    """'DATE is midnight at the start of that day in `tz`'."""
    return wall_time(datetime.combine(day, time()), tz)


def next_midnight(day: date, tz: tzinfo) -> Instant:
    """The midnight that ends ``day`` (after 9999-12-31: the end of time)."""
    if day == date.max:
        return math.inf
    return midnight(day + timedelta(days=1), tz)


def calendar_day(moment: int, tz: tzinfo) -> int:
    """The ordinal of the calendar date in ``tz`` of an instant.

    The date is (instant + UTC offset) whole days after 1970-01-01. The offset
    is looked up a little inside datetime's range, so that a value near the
    year 1 or 9999 whose local date leaves that range still gets a day number.
    """
    lowest = instant(datetime.min.replace(tzinfo=UTC)) + 2 * ONE_DAY
    highest = instant(datetime.max.replace(tzinfo=UTC)) - 2 * ONE_DAY
    inside = min(max(moment, lowest), highest)
    offset = (EPOCH + inside * ONE_MICROSECOND).astimezone(tz).utcoffset()
    assert offset is not None
    return (moment + offset // ONE_MICROSECOND) // ONE_DAY + EPOCH.date().toordinal()


def literal_instant(literal: DateTimeLiteral, tz: tzinfo) -> int:
    """'DATETIME is that instant (no offset means `tz`)'."""
    value = literal.value
    return wall_time(value, tz) if value.utcoffset() is None else instant(value)


def units_before(now: datetime, amount: int, unit: str, tz: tzinfo) -> Instant:
    """``now`` minus ``amount`` units.

    "minutes and hours are exact durations; days, weeks, months and years are
    calendar arithmetic on the wall clock in `tz` (`dateutil.relativedelta`)".
    A point before the year 1 is before every record: the start of time.
    """
    if unit in MICROSECONDS:
        return instant(now) - amount * MICROSECONDS[unit]
    try:
        wall_clock = now.astimezone(tz).replace(tzinfo=None)
    except OverflowError:
        # A `now` a few hours from the end of datetime's range has no wall
        # clock in a zone ahead of it: no calendar arithmetic can start there.
        raise InvalidArgumentError("now has no wall-clock time in tz", argument="now") from None
    try:
        earlier = wall_clock - relativedelta(**{unit + "s": amount})  # type: ignore[arg-type]
    except (OverflowError, ValueError):
        return -math.inf
    return wall_time(earlier, tz)




def units_after(moment: datetime, amount: int, unit: str, tz: tzinfo) -> Instant:
    """``moment`` plus ``amount`` units, forward: "minutes and hours exact; days
    and longer on the wall clock in `tz`, as for `ago`, forward" (``within``)."""
    if unit in MICROSECONDS:
        return instant(moment) + amount * MICROSECONDS[unit]
    try:
        wall_clock = moment.astimezone(tz).replace(tzinfo=None)
        later = wall_clock + relativedelta(**{unit + "s": amount})  # type: ignore[arg-type]
    except (OverflowError, ValueError):
        return math.inf
    return wall_time(later, tz)

"""Time zones, points in time and window bounds (LANGUAGE.md "Windows").

Everything is resolved to integer epoch microseconds (``store.to_microseconds``)
so that boundaries are exact to the microsecond: no float ever touches a
timestamp, and comparisons never depend on two datetimes sharing a tzinfo
(Python compares same-tzinfo datetimes by wall clock, ignoring ``fold``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.relativedelta import relativedelta

from segmentkit.errors import InvalidArgumentError, QueryValidationError
from segmentkit.language.ast import (
    Before,
    Between,
    DateLiteral,
    DateTimeLiteral,
    InLast,
    InPeriods,
    Since,
)
from segmentkit.language.ast import Point as PointNode
from segmentkit.language.ast import Window as WindowNode
from segmentkit.storage.store import from_microseconds, to_microseconds

__all__ = [
    "AFTER_ALL",
    "BEFORE_ALL",
    "date_midnight",
    "later",
    "local_instant",
    "period_bounds",
    "point_microseconds",
    "require_aware",
    "resolve_timezone",
    "window_bounds",
]

# Points that fall outside what datetime can represent (``in last 100000 years``)
# are clamped to these: earlier / later than any storable timestamp (years 1-9999
# are within about +-3.2e17 microseconds of the epoch).
BEFORE_ALL: Final = -(10**20)
AFTER_ALL: Final = 10**20

_MICROSECONDS_PER: Final = {"minute": 60_000_000, "hour": 3_600_000_000}
_FIXED_STEP: Final = {"day": 86_400_000_000, "week": 7 * 86_400_000_000}
# Instants this close to the epoch (about years 1020 to 2920) are more than a
# day from the ends of what datetime can show, whatever a zone's offset.
_SAFE: Final = 3 * 10**16
# Zones whose offset never changes: tzinfo names that are UTC, and fixed offsets.
_UTC_KEYS: Final = frozenset(
    {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu",
     "GMT", "Etc/GMT", "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0", "GMT0", "GMT+0", "GMT-0",
     "Etc/Greenwich", "Greenwich"}
)
# On a naive wall-clock time, days and weeks are plain timedeltas (what
# relativedelta would add too, at a fraction of its cost: sequences step
# every record by ``within``).
_CALENDAR_STEP: Final[dict[str, Callable[[int], relativedelta | timedelta]]] = {
    "day": lambda amount: timedelta(days=amount),
    "week": lambda amount: timedelta(weeks=amount),
    "month": lambda amount: relativedelta(months=amount),
    "year": lambda amount: relativedelta(years=amount),
}


def resolve_timezone(tz: str | tzinfo) -> tzinfo:
    """A tzinfo for ``tz``: an IANA name (``"Europe/Copenhagen"``) or a tzinfo as is."""
    if isinstance(tz, tzinfo):
        return tz
    if not isinstance(tz, str):
        raise InvalidArgumentError(
            f"tz must be a time zone name or a tzinfo, not {type(tz).__name__}", argument="tz"
        )
    try:
        return ZoneInfo(tz)
    # zoneinfo refuses malformed keys ("", "../x", NUL bytes) with ValueError and
    # may hit the file system (OSError) for odd names.
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise InvalidArgumentError(f"unknown time zone {tz!r}", argument="tz") from exc


def require_aware(now: datetime, argument: str = "now") -> datetime:
    """``now`` itself, when it is a timezone-aware datetime (``argument`` names it in errors)."""
    if not isinstance(now, datetime):
        raise InvalidArgumentError(
            f"{argument} must be a datetime, not {type(now).__name__}", argument=argument
        )
    if now.tzinfo is None or now.utcoffset() is None:
        raise InvalidArgumentError(
            f"{argument} must carry a time zone, e.g. datetime(2026, 1, 1, tzinfo=timezone.utc); "
            "a naive datetime is ambiguous",
            argument=argument,
        )
    return now


def local_instant(wall: datetime, tz: tzinfo) -> int:
    """Epoch microseconds of a wall-clock time; naive times are read in ``tz``.

    A wall time in a DST gap or fold takes the offset the tzinfo gives with
    ``fold=0`` (LANGUAGE.md).
    """
    if wall.tzinfo is None:
        wall = wall.replace(tzinfo=tz, fold=0)
    return to_microseconds(wall)


def date_midnight(day: date, tz: tzinfo) -> int:
    """Epoch microseconds of midnight at the start of ``day`` in ``tz``."""
    return local_instant(datetime.combine(day, time()), tz)


def _next_midnight(day: date, tz: tzinfo) -> int:
    """Midnight at the end of ``day`` (the start of the next calendar day) in ``tz``."""
    try:
        following = day + timedelta(days=1)
    except OverflowError:
        return AFTER_ALL
    return date_midnight(following, tz)


def _local_now(now: datetime, tz: tzinfo) -> datetime:
    try:
        return now.astimezone(tz)
    except (OverflowError, ValueError) as exc:
        raise InvalidArgumentError(
            f"now ({now.isoformat()}) cannot be shown in the time zone {tz}", argument="now"
        ) from exc


def _ago(amount: int, unit: str, now: datetime, tz: tzinfo) -> int:
    """``amount unit ago``: exact for minutes and hours, calendar for the rest."""
    if unit in _MICROSECONDS_PER:
        return to_microseconds(now) - amount * _MICROSECONDS_PER[unit]
    wall = _local_now(now, tz).replace(tzinfo=None)
    try:
        # relativedelta on the wall clock: 03-31 minus 1 month is 02-28, and
        # a day before 12:00 is 12:00 whatever DST did in between.
        earlier = wall - _CALENDAR_STEP[unit](amount)
    except (OverflowError, ValueError):
        # Past the ends of the calendar: earlier than anything for a positive
        # amount, later than anything for a negative one.
        return BEFORE_ALL if amount >= 0 else AFTER_ALL
    return local_instant(earlier, tz)


def later(instant: int, amount: int, unit: str, tz: tzinfo) -> int:
    """``amount unit`` after the instant ``instant`` (epoch microseconds), forward:
    exact for minutes and hours, on the wall clock in ``tz`` for the rest (a
    wall time in a DST gap or fold takes the ``fold=0`` offset), as ``ago``
    goes back (LANGUAGE.md "Sequences", ``within``)."""
    if unit in _MICROSECONDS_PER:
        return instant + amount * _MICROSECONDS_PER[unit]
    step = _FIXED_STEP.get(unit)
    if step is not None and _fixed_offset(tz):
        # No DST: days and weeks on the wall clock are exact durations. (Far
        # from the ends of the calendar only; there the wall clock decides.)
        result = instant + amount * step
        if -_SAFE <= instant <= _SAFE and -_SAFE <= result <= _SAFE:
            return result
    return calendar_later(instant, amount, unit, tz)


def calendar_later(instant: int, amount: int, unit: str, tz: tzinfo) -> int:
    """``later`` for days, weeks, months and years, always on the wall clock."""
    try:
        wall = from_microseconds(instant, tz).replace(tzinfo=None)
        return local_instant(wall + _CALENDAR_STEP[unit](amount), tz)
    except (OverflowError, ValueError):
        return AFTER_ALL if amount >= 0 else BEFORE_ALL


def _fixed_offset(tz: tzinfo) -> bool:
    """Whether ``tz`` has one offset for all time (UTC or a ``timezone``)."""
    if isinstance(tz, timezone):
        return True
    try:
        return _named_utc(tz)
    except TypeError:  # a tzinfo class without hashing: take the wall clock
        return False


@lru_cache(maxsize=64)
def _named_utc(tz: tzinfo) -> bool:
    # A zone named UTC whose offset is zero in winter and summer (a zone
    # read from a file under that name proves it, not the name alone).
    key = getattr(tz, "key", None)
    return isinstance(key, str) and key in _UTC_KEYS and all(
        tz.utcoffset(datetime(year, month, 1)) == timedelta(0)
        for year in (1970, 2000, 2030) for month in (1, 7)
    )


def point_microseconds(point: PointNode, *, now: datetime, tz: tzinfo) -> int:
    """The instant a window point names, in epoch microseconds."""
    if isinstance(point, DateLiteral):
        return date_midnight(point.value, tz)
    if isinstance(point, DateTimeLiteral):
        return local_instant(point.value, tz)
    return _ago(point.amount, point.unit, now, tz)


def end_point(point: PointNode, *, now: datetime, tz: tzinfo) -> int:
    """The exclusive end of ``between p and q``: a DATE end includes its whole day."""
    if isinstance(point, DateLiteral):
        return _next_midnight(point.value, tz)
    return point_microseconds(point, now=now, tz=tz)


def _in_last(window: InLast, now: datetime, tz: tzinfo) -> tuple[int | None, int]:
    return _ago(window.amount, window.unit, now, tz), AFTER_ALL


def _since(window: Since, now: datetime, tz: tzinfo) -> tuple[int | None, int]:
    return point_microseconds(window.point, now=now, tz=tz), AFTER_ALL


def _before(window: Before, now: datetime, tz: tzinfo) -> tuple[int | None, int]:
    return None, point_microseconds(window.point, now=now, tz=tz)


def _between(window: Between, now: datetime, tz: tzinfo) -> tuple[int | None, int]:
    start = point_microseconds(window.start, now=now, tz=tz)
    end = end_point(window.end, now=now, tz=tz)
    if start > end:
        raise QueryValidationError(
            "The window starts after it ends: between needs the earlier point first",
            word="between",
            hint="Write the earlier point first: between 30 days ago and 7 days ago.",
        )
    return start, end


def _all_periods(window: InPeriods, now: datetime, tz: tzinfo) -> tuple[int | None, int]:
    # The span the periods cover together; each period's own bounds come
    # from period_bounds.
    return _ago(window.periods, window.unit, now, tz), AFTER_ALL


_BOUNDS: Final[dict[type[Any], Callable[[Any, datetime, tzinfo], tuple[int | None, int]]]] = {
    InLast: _in_last,
    InPeriods: _all_periods,
    Since: _since,
    Before: _before,
    Between: _between,
}


def period_bounds(window: InPeriods, *, now: datetime, tz: tzinfo) -> list[tuple[int | None, int]]:
    """``[start, end)`` of each period of ``in M of last N UNIT``, period 1 first.

    Period 1 is ``now - 1 UNIT <= ts <= now``; period i is
    ``now - i UNIT <= ts < now - (i-1) UNIT``, every bound computed from
    ``now`` directly (LANGUAGE.md "Periodic windows").
    """
    require_aware(now)
    ends = [to_microseconds(now) + 1]
    bounds: list[tuple[int | None, int]] = []
    for period in range(1, window.periods + 1):
        start = _ago(period, window.unit, now, tz)
        bounds.append((None if start <= BEFORE_ALL else start, ends[-1]))
        ends.append(start)
    return bounds


def window_bounds(
    window: WindowNode | None, *, now: datetime, tz: tzinfo
) -> tuple[int | None, int]:
    """``[start, end)`` in epoch microseconds for a window evaluated at ``now``.

    ``start`` None means unbounded. ``end`` is capped at ``now + 1 µs``:
    nothing after ``now`` ever counts. A ``between`` whose start is later
    than its end raises QueryValidationError (an empty window is allowed).
    For ``in M of last N UNIT`` it is the span of all N periods.
    """
    require_aware(now)
    now_end = to_microseconds(now) + 1
    if window is None:
        return None, now_end
    start, end = _BOUNDS[type(window)](window, now, tz)
    if start is not None and start <= BEFORE_ALL:
        start = None
    return start, min(end, now_end)

"""Counts and windows: well-formed, never found inverted at evaluation."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import Any

from hypothesis import strategies as st

from segmentkit.language.ast import (
    Ago,
    Before,
    Between,
    Count,
    DateLiteral,
    DateTimeLiteral,
    Having,
    InLast,
    InPeriods,
    NumberLiteral,
    Since,
    Window,
)
from segmentkit.strategies import _values as v
from segmentkit.strategies._observed import held
from segmentkit.strategies._records import FieldsKey

UNITS = ("day", "hour", "minute", "week", "month", "year")
# Two wall times closer than this may map to inverted instants in some time
# zone: a DST gap moves the later one back by up to its length (at most 2 h).
_GAP_MARGIN = timedelta(hours=2)


# --- counts and windows --------------------------------------------------------------


def _between_count(bounds: tuple[int, int]) -> Count:
    low, high = sorted(bounds)
    return Count(operator="between", value=low, upper=high)


small_counts = st.integers(min_value=0, max_value=3)
counts = st.one_of(
    st.builds(
        Count, operator=st.sampled_from(("at least", "at most", "exactly")), value=small_counts
    ),
    st.tuples(small_counts, small_counts).map(_between_count),
)
amounts = st.one_of(st.integers(min_value=0, max_value=3), st.sampled_from((7, 14, 30, 90, 365)))
units = st.sampled_from(UNITS)
agos = st.builds(Ago, amount=amounts, unit=units)
absolute_points = st.one_of(v.date_literals, v.datetime_literals)
points = st.one_of(agos, absolute_points)


def _relative_between(unit: str, first: int, second: int) -> Between:
    # One unit, the larger amount first: `N unit ago` only moves back as N grows.
    return Between(
        start=Ago(amount=max(first, second), unit=unit),
        end=Ago(amount=min(first, second), unit=unit),
    )


def _wall(point: DateLiteral | DateTimeLiteral, as_end: bool) -> datetime:
    """Where a point lies on the wall clock (an end DATE means its next midnight)."""
    if isinstance(point, DateLiteral):
        midnight = datetime.combine(point.value, time())
        return midnight + timedelta(days=1) if as_end else midnight
    return point.value


def _ordered_between(
    first: DateLiteral | DateTimeLiteral, second: DateLiteral | DateTimeLiteral
) -> Between:
    """An absolute window no time zone finds inverted.

    Both points are read the same way (both with an offset, or both on the
    wall clock of ``tz``), ordered; wall times closer than a DST gap are made
    one point, since a gap can swap them.
    """
    start, end = sorted((first, second), key=lambda p: _wall(p, as_end=False))
    gap = _wall(end, as_end=True) - _wall(start, as_end=False)
    if timedelta(0) < gap < _GAP_MARGIN and _wall(start, as_end=False).tzinfo is None:
        end = start
    return Between(start=start, end=end)


def _periods(unit: str, needed: int, extra: int) -> InPeriods:
    return InPeriods(needed=needed, periods=needed + extra, unit=unit)


# "in M of last N UNIT": a few periods of a unit that spans the data's anchors.
periodic_windows = st.builds(
    _periods,
    st.sampled_from(("week", "day", "month", "hour")),
    st.integers(min_value=1, max_value=3),
    st.integers(min_value=0, max_value=2),
)

_wall_points = st.one_of(v.date_literals, v.naive_datetime_literals)
# The windows every condition takes (recency and sequences take no periodic one).
plain_windows: st.SearchStrategy[Window] = st.one_of(
    st.builds(InLast, amount=amounts, unit=units),
    st.builds(Since, point=points),
    st.builds(Before, point=points),
    st.builds(_relative_between, units, amounts, amounts),
    st.builds(_ordered_between, _wall_points, _wall_points),
    st.builds(_ordered_between, v.aware_datetime_literals, v.aware_datetime_literals),
)
windows: st.SearchStrategy[Window] = st.one_of(plain_windows, periodic_windows)




# --- having ----------------------------------------------------------------------------

_ORDER_OPERATORS = st.sampled_from((">=", "<", "=", "!=", ">", "<="))
_EXTREME_KINDS = ("number", "text", "date", "datetime")


def _having(function: str, field: str, operator: str, value: Any) -> Having:
    return Having(function=function, field=field, operator=operator, value=value)


@lru_cache(maxsize=256)
def havings(type_name: str, fields: FieldsKey) -> st.SearchStrategy[Having] | None:
    """``having`` clauses that fit the type's fields (None when none fits):
    sum and avg of numbers, min and max of ordered kinds with a literal of that
    kind, distinct of anything but a list. Literals are aimed at the values
    the fields hold, so that the comparison splits the contacts."""
    choices: list[st.SearchStrategy[Having]] = []
    numbers = st.one_of(
        st.integers(min_value=0, max_value=3), v.number_literals.map(lambda n: n.value)
    ).map(lambda n: NumberLiteral(value=n))
    for field, kind in fields:
        if kind == "list":
            continue
        choices.append(st.builds(_having, st.just("distinct"), st.just(field), _ORDER_OPERATORS,
                                 st.integers(0, 3).map(lambda n: NumberLiteral(value=n))))
        if kind == "number":
            held_numbers = held(type_name, field, kind, "whole", numbers)
            choices.append(st.builds(_having, st.sampled_from(("sum", "avg")), st.just(field),
                                     _ORDER_OPERATORS, held_numbers))
        if kind in _EXTREME_KINDS:
            literals = held(type_name, field, kind, "whole",
                            st.one_of(*v.LITERALS_FOR_KIND[kind]))
            if kind in ("date", "datetime"):
                literals = st.one_of(literals, v.ago_literals)
            choices.append(st.builds(_having, st.sampled_from(("min", "max")), st.just(field),
                                     _ORDER_OPERATORS, literals))
    return st.one_of(*choices) if choices else None

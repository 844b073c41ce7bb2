"""Window bounds and points (LANGUAGE.md "Windows"), exact to the microsecond."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ast_strategies import windows
from segmentkit.engine.windows import (
    calendar_later,
    date_midnight,
    later,
    point_microseconds,
    resolve_timezone,
    window_bounds,
)
from segmentkit.errors import InvalidArgumentError, QueryValidationError
from segmentkit.language.ast import (
    Ago,
    Before,
    Between,
    DateLiteral,
    DateTimeLiteral,
    InLast,
    Since,
    Unit,
)
from segmentkit.storage.store import to_microseconds as us

CPH = ZoneInfo("Europe/Copenhagen")
NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)


def ago(amount: int, unit: Unit) -> Ago:
    return Ago(amount=amount, unit=unit)


def start_of_last(amount: int, unit: Unit, now: datetime, tz: tzinfo = UTC) -> int | None:
    return window_bounds(InLast(amount=amount, unit=unit), now=now, tz=tz)[0]


# --- time zones ----------------------------------------------------------------------


def test_resolve_timezone_accepts_iana_names_and_tzinfo_objects() -> None:
    assert resolve_timezone("Europe/Copenhagen") == CPH
    fixed = timezone(timedelta(hours=5))
    assert resolve_timezone(fixed) is fixed


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../../etc/passwd", "Europe/", "a\x00b"])
def test_resolve_timezone_refuses_unknown_names(name: str) -> None:
    with pytest.raises(InvalidArgumentError):
        resolve_timezone(name)


def test_resolve_timezone_refuses_other_types() -> None:
    with pytest.raises(InvalidArgumentError):
        resolve_timezone(3)  # type: ignore[arg-type]


def test_naive_now_is_refused() -> None:
    with pytest.raises(InvalidArgumentError):
        window_bounds(None, now=datetime(2026, 1, 1), tz=UTC)


# --- no window, caps -------------------------------------------------------------------


def test_no_window_is_all_time_up_to_and_including_now() -> None:
    assert window_bounds(None, now=NOW, tz=UTC) == (None, us(NOW) + 1)


def test_end_is_capped_just_after_now_for_every_window() -> None:
    future = DateLiteral(value=date(2030, 1, 1))
    for window in (
        InLast(amount=1, unit="day"),
        Since(point=DateLiteral(value=date(2020, 1, 1))),
        Before(point=future),
        Between(start=DateLiteral(value=date(2020, 1, 1)), end=future),
    ):
        assert window_bounds(window, now=NOW, tz=UTC)[1] == us(NOW) + 1


# --- N UNIT ago: exact durations ----------------------------------------------------------


def test_minutes_and_hours_are_exact_durations_to_the_microsecond() -> None:
    now = datetime(2026, 3, 31, 12, 0, 0, 7, tzinfo=UTC)
    assert start_of_last(90, "minute", now) == us(now) - 90 * 60 * 1_000_000
    assert start_of_last(5, "hour", now) == us(now) - 5 * 3600 * 1_000_000


def test_hours_across_the_spring_dst_change_are_absolute_time() -> None:
    now = datetime(2026, 3, 29, 12, 0, tzinfo=CPH)  # 10:00 UTC, the day clocks jump
    assert start_of_last(24, "hour", now, CPH) == us(datetime(2026, 3, 28, 10, 0, tzinfo=UTC))


# --- N UNIT ago: calendar arithmetic on the wall clock ---------------------------------------


def test_one_month_before_march_31_is_february_28() -> None:
    assert start_of_last(1, "month", NOW) == us(datetime(2026, 2, 28, 12, 0, tzinfo=UTC))


def test_one_month_before_march_31_of_a_leap_year_is_february_29() -> None:
    now = datetime(2024, 3, 31, 12, 0, tzinfo=UTC)
    assert start_of_last(1, "month", now) == us(datetime(2024, 2, 29, 12, 0, tzinfo=UTC))


def test_one_year_before_february_29_is_february_28() -> None:
    now = datetime(2024, 2, 29, 8, 0, tzinfo=UTC)
    assert start_of_last(1, "year", now) == us(datetime(2023, 2, 28, 8, 0, tzinfo=UTC))


def test_weeks_are_seven_calendar_days() -> None:
    now = datetime(2026, 4, 2, 9, 30, tzinfo=CPH)
    assert start_of_last(1, "week", now, CPH) == us(datetime(2026, 3, 26, 9, 30, tzinfo=CPH))


def test_one_day_before_noon_on_the_spring_dst_day_is_23_hours_earlier() -> None:
    now = datetime(2026, 3, 29, 12, 0, tzinfo=CPH)  # CEST
    start = start_of_last(1, "day", now, CPH)
    assert start == us(datetime(2026, 3, 28, 12, 0, tzinfo=CPH))  # CET
    assert us(now) - (start or 0) == 23 * 3600 * 1_000_000


def test_one_day_before_noon_on_the_day_after_a_dst_change_is_noon_the_day_before() -> None:
    now = datetime(2026, 3, 30, 12, 0, tzinfo=CPH)
    assert start_of_last(1, "day", now, CPH) == us(datetime(2026, 3, 29, 10, 0, tzinfo=UTC))


def test_one_day_before_noon_on_the_autumn_dst_day_is_25_hours_earlier() -> None:
    now = datetime(2026, 10, 25, 12, 0, tzinfo=CPH)  # CET, clocks went back at 03:00
    start = start_of_last(1, "day", now, CPH)
    assert start == us(datetime(2026, 10, 24, 10, 0, tzinfo=UTC))  # 12:00 CEST
    assert us(now) - (start or 0) == 25 * 3600 * 1_000_000


def test_calendar_arithmetic_uses_the_wall_clock_of_tz_not_of_now() -> None:
    # now is given in UTC; the evaluation zone decides the wall clock.
    now = datetime(2026, 3, 29, 10, 0, tzinfo=UTC)  # 12:00 in Copenhagen
    assert start_of_last(1, "day", now, CPH) == us(datetime(2026, 3, 28, 11, 0, tzinfo=UTC))
    assert start_of_last(1, "day", now, UTC) == us(datetime(2026, 3, 28, 10, 0, tzinfo=UTC))


def test_a_calendar_result_in_the_dst_gap_takes_the_fold_0_offset() -> None:
    # 1 day before 02:30 on 03-30 is 02:30 on 03-29, which does not exist in
    # Copenhagen; fold=0 gives it the offset before the jump (+01:00).
    now = datetime(2026, 3, 30, 2, 30, tzinfo=CPH)
    assert start_of_last(1, "day", now, CPH) == us(datetime(2026, 3, 29, 1, 30, tzinfo=UTC))


def test_a_calendar_result_in_the_dst_fold_takes_the_first_occurrence() -> None:
    now = datetime(2026, 10, 26, 2, 30, tzinfo=CPH)
    assert start_of_last(1, "day", now, CPH) == us(datetime(2026, 10, 25, 0, 30, tzinfo=UTC))


def test_amounts_beyond_the_calendar_mean_all_time() -> None:
    for unit in ("day", "week", "month", "year"):
        assert start_of_last(10**30, unit, NOW) is None
    before = Before(point=ago(10**30, "year"))
    start, end = window_bounds(before, now=NOW, tz=UTC)
    assert start is None and end < us(datetime(1, 1, 1, tzinfo=UTC))


def test_large_minute_amounts_stay_exact_integers() -> None:
    assert start_of_last(10**9, "minute", NOW) == us(NOW) - 10**9 * 60_000_000
    assert start_of_last(10**15, "minute", NOW) is None  # before year 1: all time


# --- DATE and DATETIME points -------------------------------------------------------


def test_date_point_is_midnight_at_the_start_of_the_day_in_tz() -> None:
    assert date_midnight(date(2026, 3, 29), CPH) == us(datetime(2026, 3, 28, 23, 0, tzinfo=UTC))
    assert date_midnight(date(2026, 10, 25), CPH) == us(datetime(2026, 10, 24, 22, tzinfo=UTC))
    assert date_midnight(date(2026, 3, 29), UTC) == us(datetime(2026, 3, 29, tzinfo=UTC))


def test_datetime_point_without_offset_is_read_in_tz() -> None:
    point = DateTimeLiteral(value=datetime(2026, 7, 1, 9, 0))
    expected = us(datetime(2026, 7, 1, 7, 0, tzinfo=UTC))
    assert point_microseconds(point, now=NOW, tz=CPH) == expected


def test_datetime_point_with_offset_ignores_tz() -> None:
    point = DateTimeLiteral(value=datetime(2026, 7, 1, 9, 0, tzinfo=UTC))
    assert point_microseconds(point, now=NOW, tz=CPH) == us(point.value)


def test_naive_datetime_in_the_spring_gap_takes_the_offset_before_the_jump() -> None:
    point = DateTimeLiteral(value=datetime(2026, 3, 29, 2, 30))
    expected = us(datetime(2026, 3, 29, 1, 30, tzinfo=UTC))
    assert point_microseconds(point, now=NOW, tz=CPH) == expected


def test_naive_datetime_in_the_autumn_fold_is_the_first_occurrence() -> None:
    point = DateTimeLiteral(value=datetime(2026, 10, 25, 2, 30))
    expected = us(datetime(2026, 10, 25, 0, 30, tzinfo=UTC))
    assert point_microseconds(point, now=NOW, tz=CPH) == expected


# --- the window kinds ---------------------------------------------------------------


def test_since_runs_from_the_point_to_now_inclusive() -> None:
    window = Since(point=DateLiteral(value=date(2026, 3, 1)))
    start = us(datetime(2026, 3, 1, tzinfo=UTC))
    assert window_bounds(window, now=NOW, tz=UTC) == (start, us(NOW) + 1)


def test_before_is_strictly_before_the_point() -> None:
    point = DateTimeLiteral(value=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    assert window_bounds(Before(point=point), now=NOW, tz=UTC) == (None, us(point.value))


def test_between_with_a_datetime_end_excludes_the_end() -> None:
    start = DateTimeLiteral(value=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    end = DateTimeLiteral(value=datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    bounds = window_bounds(Between(start=start, end=end), now=NOW, tz=UTC)
    assert bounds == (us(start.value), us(end.value))


def test_between_with_a_date_end_includes_the_whole_end_day() -> None:
    window = Between(
        start=DateLiteral(value=date(2026, 3, 1)), end=DateLiteral(value=date(2026, 3, 2))
    )
    expected = (us(datetime(2026, 3, 1, tzinfo=UTC)), us(datetime(2026, 3, 3, tzinfo=UTC)))
    assert window_bounds(window, now=NOW, tz=UTC) == expected


def test_between_one_date_and_itself_is_that_whole_day() -> None:
    day = DateLiteral(value=date(2026, 3, 10))
    expected = (us(datetime(2026, 3, 10, tzinfo=UTC)), us(datetime(2026, 3, 11, tzinfo=UTC)))
    assert window_bounds(Between(start=day, end=day), now=NOW, tz=UTC) == expected


def test_a_date_end_on_the_autumn_dst_day_spans_25_hours() -> None:
    day = DateLiteral(value=date(2026, 10, 25))
    start, end = window_bounds(
        Between(start=day, end=day), now=datetime(2027, 1, 1, tzinfo=UTC), tz=CPH
    )
    assert start is not None and end - start == 25 * 3600 * 1_000_000


def test_between_relative_points_in_the_wrong_order_is_an_error_at_evaluation() -> None:
    window = Between(start=ago(7, "day"), end=ago(30, "day"))
    with pytest.raises(QueryValidationError):
        window_bounds(window, now=NOW, tz=UTC)


def test_between_a_point_and_itself_is_an_empty_window_not_an_error() -> None:
    start, end = window_bounds(Between(start=ago(3, "hour"), end=ago(3, "hour")), now=NOW, tz=UTC)
    assert start == end


def test_between_absolute_points_in_the_wrong_order_is_an_error() -> None:
    window = Between(
        start=DateLiteral(value=date(2026, 3, 3)), end=DateLiteral(value=date(2026, 3, 1))
    )
    with pytest.raises(QueryValidationError):
        window_bounds(window, now=NOW, tz=UTC)


def test_between_a_date_and_the_day_before_is_empty_not_inverted() -> None:
    # q' is the midnight ending 03-01, which equals p: "p later than q'" is false.
    window = Between(
        start=DateLiteral(value=date(2026, 3, 2)), end=DateLiteral(value=date(2026, 3, 1))
    )
    start, end = window_bounds(window, now=NOW, tz=UTC)
    assert start == end == us(datetime(2026, 3, 2, tzinfo=UTC))


def test_between_mixed_points_compares_the_start_with_the_extended_date_end() -> None:
    # The end DATE includes its day, so a start later that same day is fine.
    start = DateTimeLiteral(value=datetime(2026, 3, 1, 18, 0, tzinfo=UTC))
    window = Between(start=start, end=DateLiteral(value=date(2026, 3, 1)))
    assert window_bounds(window, now=NOW, tz=UTC) == (
        us(start.value),
        us(datetime(2026, 3, 2, tzinfo=UTC)),
    )


def test_the_last_date_of_the_calendar_as_an_end_is_accepted() -> None:
    window = Between(
        start=DateLiteral(value=date(1, 1, 1)), end=DateLiteral(value=date(9999, 12, 31))
    )
    start, end = window_bounds(window, now=NOW, tz=CPH)
    assert end == us(NOW) + 1 and start is not None


# --- hostile windows: bounds or a segmentkit error, nothing else ------------------------

_zones = st.sampled_from([UTC, CPH, ZoneInfo("Pacific/Kiritimati"), ZoneInfo("America/Adak")])


@settings(max_examples=200, deadline=None)
@given(
    window=windows,
    now=st.datetimes(timezones=st.sampled_from([UTC, CPH, timezone(timedelta(hours=-12))])),
    zone=_zones,
)
def test_every_well_formed_window_gives_bounds_or_a_validation_error(
    window: Any, now: datetime, zone: tzinfo
) -> None:
    try:
        start, end = window_bounds(window, now=now, tz=zone)
    except QueryValidationError:
        assert isinstance(window, Between)
        return
    except InvalidArgumentError:
        # Only a now at the very ends of the calendar cannot be shown in the zone.
        assert now.year in (1, 9999)
        return
    assert end <= us(now) + 1
    assert start is None or isinstance(start, int)


# --- later(): days and weeks in zones without DST ---------------------------------

_FIXED_ZONES = [UTC, ZoneInfo("UTC"), ZoneInfo("Etc/GMT"), timezone(timedelta(hours=5, minutes=30)),
                timezone(-timedelta(hours=11))]


@settings(max_examples=300)
@given(
    instant=st.integers(min_value=-(3 * 10**17), max_value=3 * 10**17),
    amount=st.integers(min_value=-10**6, max_value=10**6),
    unit=st.sampled_from(["day", "week"]),
    zone=st.sampled_from(_FIXED_ZONES),
)
def test_days_and_weeks_in_a_fixed_zone_equal_the_wall_clock_arithmetic(
    instant: int, amount: int, unit: str, zone: tzinfo
) -> None:
    assert later(instant, amount, unit, zone) == calendar_later(instant, amount, unit, zone)


def test_a_zone_with_dst_or_a_utc_name_on_other_rules_takes_the_wall_clock() -> None:
    copenhagen = ZoneInfo("Europe/Copenhagen")
    before_spring = us(datetime(2026, 3, 28, 12, tzinfo=copenhagen))
    # One wall-clock day across the change is 23 hours, not 24.
    assert later(before_spring, 1, "day", copenhagen) - before_spring == 23 * 3_600_000_000

    class NamedUtc(tzinfo):  # called UTC, but an hour ahead in summer
        key = "UTC"

        def utcoffset(self, dt: datetime | None) -> timedelta:
            return timedelta(hours=1) if dt is not None and 4 <= dt.month <= 9 else timedelta(0)

        def dst(self, dt: datetime | None) -> timedelta:
            return timedelta(0)

    zone = NamedUtc()
    spring = us(datetime(2026, 3, 31, 12, tzinfo=zone))
    assert later(spring, 1, "day", zone) == calendar_later(spring, 1, "day", zone)
    assert later(spring, 1, "day", zone) - spring == 23 * 3_600_000_000

"""The engine equals the brute-force reference on generated data and queries.

Repositories and queries come from the public strategies
(``segmentkit.strategies``); ``now`` is drawn where off-by-one mistakes
live: on a record's timestamp or a microsecond either side, on the instant
at which a record sits exactly on a window's edge (its timestamp plus the
query's own amounts and units, on the wall clock of ``tz``), on the query's
absolute points, at month ends and on Copenhagen's DST days. Time zones:
UTC, two zones with DST and a fixed offset.

The engine and the reference must agree on the members, or both refuse the
query with the same error class.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import suppress
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from reference_evaluator import reference_evaluate, world_of
from segmentkit import InMemoryRepository, evaluate
from segmentkit.errors import SegmentKitError
from segmentkit.language.ast import (
    Ago,
    Before,
    Between,
    DateLiteral,
    DateTimeLiteral,
    InLast,
    InteractionCondition,
    Node,
    Query,
    Recency,
    SegmentReference,
    Sequence,
    Since,
)
from segmentkit.language.format import format as format_query
from segmentkit.language.parse import parse
from segmentkit.models.records import Contact, Interaction
from segmentkit.strategies import queries, repositories

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
UNITS = ("minute", "hour", "day", "week", "month", "year")
TIMEZONES: tuple[tzinfo, ...] = (
    UTC,
    COPENHAGEN,
    ZoneInfo("America/New_York"),
    timezone(timedelta(hours=5, minutes=30)),
)
MICROSECOND = timedelta(microseconds=1)
EARLIEST_NOW = datetime(1, 1, 3, tzinfo=UTC)
LATEST_NOW = datetime(9999, 12, 29, tzinfo=UTC)
NUDGES = (timedelta(0), -MICROSECOND, MICROSECOND)
# Month ends and the instants around Copenhagen's DST changes of 2026
# (clocks forward at 01:00 UTC on March 29th, back at 01:00 UTC on October 25th).
FIXED_NOWS = (
    datetime(2026, 3, 31, 12, tzinfo=UTC),
    datetime(2026, 2, 28, 23, 59, 59, 999999, tzinfo=COPENHAGEN),
    datetime(2026, 4, 30, tzinfo=COPENHAGEN),
    datetime(2026, 3, 29, 1, tzinfo=UTC),
    datetime(2026, 3, 29, 12, tzinfo=COPENHAGEN),
    datetime(2026, 3, 30, 12, tzinfo=COPENHAGEN),
    datetime(2026, 10, 25, 2, 30, tzinfo=COPENHAGEN),  # first 02:30 of the fold
    datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=COPENHAGEN),  # second 02:30
    datetime(2026, 10, 26, 12, tzinfo=COPENHAGEN),
)

# The main guarantee runs ten times the profile's default (ci: 2,000; thorough:
# 20,000, the cap). Small repositories keep that affordable; bugs show on
# small data, and the test on larger repositories runs the profile's default.
DIFFERENTIAL_EXAMPLES = min(10 * settings().max_examples, 20_000)
SMALL_REPOSITORIES = repositories(
    min_contacts=2, max_contacts=4, max_interactions=8, max_segments=1
)


def outcome(run: Callable[[], frozenset[str]]) -> frozenset[str] | str:
    """The members, or the name of the segmentkit error that refused the query."""
    try:
        return run()
    except SegmentKitError as error:
        return type(error).__name__


def query_spans(query: Node) -> set[tuple[int, str]]:
    """The (amount, unit) pairs of the query's `in last` windows and `ago` points."""
    return {
        (node.amount, node.unit) for node in query.walk() if isinstance(node, (InLast, Ago))
    }


def query_points(query: Node, tz: tzinfo) -> set[datetime]:
    """The query's absolute points as instants (DATEs also as their day's end)."""
    points: set[datetime] = set()
    for node in query.walk():
        if isinstance(node, DateLiteral):
            for days in (0, 1):
                with suppress(OverflowError):
                    day = node.value + timedelta(days=days)
                    points.add(datetime.combine(day, time(), tzinfo=tz))
        elif isinstance(node, DateTimeLiteral):
            value = node.value
            points.add(value if value.tzinfo else value.replace(tzinfo=tz))
    return points


def shifted(moment: datetime, amount: int, unit: str, tz: tzinfo) -> datetime | None:
    """``moment`` plus ``amount`` units: the `now` at which a record at ``moment``
    sits on the start of `in last amount unit` (None when out of range)."""
    try:
        if unit in ("minute", "hour"):
            return moment + timedelta(**{unit + "s": amount})
        wall = moment.astimezone(tz).replace(tzinfo=None)
        later = wall + relativedelta(**{unit + "s": amount})  # type: ignore[arg-type]
        return later.replace(tzinfo=tz)
    except (OverflowError, ValueError):
        return None


def interesting_nows(
    records: Iterable[Interaction], query: Query, tz: tzinfo
) -> st.SearchStrategy[datetime]:
    stamps = {record.timestamp for record in records}
    candidates = set(FIXED_NOWS)
    candidates.update(stamps)
    for amount, unit in query_spans(query):
        candidates.update(
            moved for stamp in stamps if (moved := shifted(stamp, amount, unit, tz)) is not None
        )
    candidates.update(query_points(query, tz))
    # A `now` must have a wall clock in every zone used: keep clear of the ends.
    ordered = sorted(
        (moment for moment in candidates if EARLIEST_NOW <= moment <= LATEST_NOW),
        key=lambda moment: (moment.astimezone(UTC), moment.fold),
    )
    return st.builds(
        nudged, st.sampled_from(ordered), st.sampled_from(NUDGES), st.sampled_from((UTC, tz))
    )


def nudged(moment: datetime, nudge: timedelta, shown_in: tzinfo) -> datetime:
    """A microsecond either side (in UTC: wall times can fall into a gap), then
    written in UTC or in the evaluation's zone: the instant is what counts."""
    return (moment.astimezone(UTC) + nudge).astimezone(shown_in)


def assert_agree(repo: InMemoryRepository, query: Query, now: datetime, tz: tzinfo) -> None:
    engine = outcome(lambda: evaluate(query, repo, now=now, tz=tz))
    reference = outcome(lambda: reference_evaluate(query, world_of(repo), now=now, tz=tz))
    assert engine == reference, (
        f"query {format_query(query)!r} at now={now.isoformat()} tz={tz}: "
        f"engine {engine!r} but reference {reference!r}"
    )


@settings(max_examples=DIFFERENTIAL_EXAMPLES)
@given(st.data())
def test_engine_equals_reference(data: st.DataObject) -> None:
    repo = data.draw(SMALL_REPOSITORIES, label="repository")
    query = data.draw(queries(repo), label="query")
    tz = data.draw(st.sampled_from(TIMEZONES), label="tz")
    now = data.draw(interesting_nows(repo.interactions(), query, tz), label="now")
    assert_agree(repo, query, now, tz)


@given(st.data())
def test_engine_equals_reference_on_larger_repositories(data: st.DataObject) -> None:
    repo = data.draw(repositories(max_contacts=8, max_interactions=30), label="repository")
    query = data.draw(queries(repo), label="query")
    tz = data.draw(st.sampled_from(TIMEZONES), label="tz")
    now = data.draw(interesting_nows(repo.interactions(), query, tz), label="now")
    assert_agree(repo, query, now, tz)


@given(st.data())
def test_engine_equals_reference_on_saved_segments(data: st.DataObject) -> None:
    repo = data.draw(repositories(max_segments=3), label="repository")
    tz = data.draw(st.sampled_from(TIMEZONES), label="tz")
    for segment in repo.segments():
        reference = SegmentReference(name=segment.name)
        # The windows that matter are the segment's own.
        own = parse(segment.query) if segment.query is not None else reference
        now = data.draw(interesting_nows(repo.interactions(), own, tz), label="now")
        assert_agree(repo, reference, now, tz)


# --- any window, inverted ones included ----------------------------------------------------
# The public strategies draw only windows that are never inverted; these are
# drawn freely, so `between` may be inverted in one zone and not in another,
# points may be wall times in a DST gap or fold, amounts may run past year 1.

POINT_DATES = (date(2026, 3, 29), date(2026, 3, 31), date(2026, 10, 25), date(1, 1, 1),
               date(9999, 12, 31))
POINT_WALL_TIMES = (
    datetime(2026, 3, 29, 2, 30),  # in Copenhagen's gap
    datetime(2026, 10, 25, 2, 30),  # in Copenhagen's fold
    datetime(2026, 3, 31, 23, 59, 59, 999999),
    datetime(1, 1, 1, 0, 30),
)
AMOUNTS = st.sampled_from((0, 1, 2, 24, 31, 10**6))
points = st.one_of(
    st.builds(Ago, amount=AMOUNTS, unit=st.sampled_from(UNITS)),
    st.sampled_from(POINT_DATES).map(lambda day: DateLiteral(value=day)),
    st.builds(
        lambda wall, zone: DateTimeLiteral(value=wall.replace(tzinfo=zone)),
        st.sampled_from(POINT_WALL_TIMES),
        st.sampled_from((None, UTC, timezone(timedelta(hours=14)))),
    ),
)
any_windows = st.one_of(
    st.builds(InLast, amount=AMOUNTS, unit=st.sampled_from(UNITS)),
    st.builds(Since, point=points),
    st.builds(Before, point=points),
    st.builds(Between, start=points, end=points),
)


@given(st.data())
def test_engine_equals_reference_on_any_window(data: st.DataObject) -> None:
    repo = data.draw(SMALL_REPOSITORIES, label="repository")
    atom = data.draw(queries(repo, max_depth=1), label="atom")
    # Every condition that takes a window: interaction conditions, first / last
    # and sequences.
    assume(isinstance(atom, InteractionCondition | Recency | Sequence))
    query = atom.model_copy(update={"window": data.draw(any_windows, label="window")})
    tz = data.draw(st.sampled_from(TIMEZONES), label="tz")
    now = data.draw(interesting_nows(repo.interactions(), query, tz), label="now")
    assert_agree(repo, query, now, tz)


# --- values at the ends of datetime's range ---------------------------------------------

EARLIEST = datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=5)))
LATEST = datetime(9999, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-5)))


@pytest.mark.parametrize(
    ("value", "tz", "text"),
    [
        (EARLIEST, timezone(timedelta(hours=14)), "contact.seen = 0001-01-01"),
        (LATEST, ZoneInfo("America/New_York"), "contact.seen = 9999-12-31"),
    ],
)
def test_calendar_dates_at_the_ends_of_time(value: datetime, tz: tzinfo, text: str) -> None:
    repo = InMemoryRepository()
    repo.add_contacts([Contact(id="a", attributes={"seen": value})])
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert_agree(repo, parse(text), now, tz)
    # By hand: both values' calendar date in tz is the day the query names.
    assert evaluate(text, repo, now=now, tz=tz) == {"a"}

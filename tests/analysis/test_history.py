"""changes / next_change / sizes: membership over time (API.md "Membership over time").

The oracle is ``evaluate`` at single instants: the reported changes must
predict membership at every instant the tests try, in particular the ones
where a window edge meets a record (a microsecond either side, the
midnights of month-end clamping, DST changes), and each reported change
must be real (membership at ``at`` differs from ``at - 1 µs``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentkit import (
    InMemoryRepository,
    InvalidArgumentError,
    MembershipChange,
    QueryValidationError,
    Segment,
    changes,
    evaluate,
    next_change,
    parse,
    sizes,
)
from segmentkit.analysis.relative_time import offset_changes
from segmentkit.engine.windows import later
from segmentkit.language.ast import Ago, InLast, InPeriods, Node, Query
from segmentkit.storage.store import from_microseconds, to_microseconds
from segmentkit.strategies import nows, queries, repositories, timezones

US = timedelta(microseconds=1)


def moving(query: Node) -> set[tuple[int, str]]:
    """(amount, unit) of each point of the query that moves with now."""
    found: set[tuple[int, str]] = set()
    for node in query.walk():
        if isinstance(node, Ago | InLast):
            found.add((node.amount, node.unit))
        elif isinstance(node, InPeriods):
            found.update((period, node.unit) for period in range(1, node.periods + 1))
    return found


def hints(repo: InMemoryRepository, query: Query | str, tz: str, start: int, end: int) -> set[int]:
    """Instants near which membership can flip: records, and wall-clock
    steps of every window length after them (same time of day a few days
    either side, and those days' midnights), a microsecond either side."""
    zone = ZoneInfo(tz)
    bases = {to_microseconds(record.timestamp) for record in repo.interactions()}
    found: set[int] = set()
    for base in bases:
        found.add(base)
        for amount, unit in moving(parse(query) if isinstance(query, str) else query):
            forward = later(base, amount, unit, zone)
            wall = from_microseconds(forward, zone).replace(tzinfo=None)
            for shift in range(-3, 4):
                for moment in (wall + timedelta(days=shift),
                               datetime.combine((wall + timedelta(days=shift)).date(), time())):
                    instant = to_microseconds(moment.replace(tzinfo=zone))
                    found.update((instant - 1, instant, instant + 1))
    for change in offset_changes(zone, start, end):
        found.update((change - 1, change, change + 1))
    return {instant for instant in found if start < instant <= end}


def members(query: Query | str, repo: InMemoryRepository, instant: int, tz: str) -> frozenset[str]:
    return evaluate(query, repo, now=from_microseconds(instant, UTC), tz=tz)


def predicted(
    start_members: frozenset[str], found: list[MembershipChange], instant: int
) -> set[str]:
    current = set(start_members)
    for change in found:
        if to_microseconds(change.at) > instant:
            break
        (current.add if change.entered else current.discard)(change.contact_id)
    return current


def spans(repo: InMemoryRepository) -> st.SearchStrategy[tuple[datetime, datetime]]:
    """A short span by the records' edges, or one from before the first
    record to well after the last (every window of the drawn queries fills
    and empties in it)."""
    stamps = sorted(record.timestamp.astimezone(UTC) for record in repo.interactions())
    lengths = st.sampled_from([timedelta(hours=3), timedelta(days=9), timedelta(days=70)])
    short = st.builds(lambda start, length: (start, start + length), nows(repo), lengths)
    if not stamps:
        return short
    whole = st.just((stamps[0] - timedelta(days=1), stamps[-1] + timedelta(days=120)))
    return st.one_of(short, whole, whole)


UNITS = ["minute", "hour", "day", "week", "month", "year"]


def timed_queries(repo: InMemoryRepository) -> st.SearchStrategy[Query | str]:
    """Queries whose membership moves with now: windows of every kind over the
    repository's own types, recency, sequences, combined; and, a third of
    the time, any query at all."""
    # Backticks keep a type named like a keyword ("day") a name.
    types = sorted({f"`{record.type}`" for record in repo.interactions()})
    if not types:
        return queries(repo, max_depth=2)
    kinds = st.sampled_from(types)
    amounts = st.integers(1, 3)
    units = st.sampled_from([*UNITS[2:], "hour"])
    windows = st.one_of(
        st.just(""),
        st.builds(" in last {} {}".format, amounts, units),
        st.builds(" since {} {} ago".format, amounts, units),
        st.builds(" before {} {} ago".format, amounts, units),
        st.builds(" between {1} {0} ago and {2} {0} ago".format, units, st.just(4), amounts),
        st.builds(" in {} of last {} {}".format, st.just(1) | st.just(2), st.just(3), units),
    )
    counts = st.sampled_from(["", " at least 2 times", " at most 1 time", " exactly 0 times"])
    atoms = st.one_of(
        st.builds("{}{}{}".format, kinds, counts, windows),
        st.builds("{} {}{}".format, st.sampled_from(["first", "last"]), kinds, windows),
        st.builds("{} then {} within {} days{}".format, kinds, kinds, amounts, windows),
    )
    combined = st.one_of(
        atoms,
        st.builds("{} and {}".format, atoms, atoms),
        st.builds("{} or not {}".format, atoms, atoms),
        st.builds("not ({})".format, atoms),
    )
    return st.one_of(combined, combined, queries(repo, max_depth=2))


@settings(deadline=None)
@given(st.data())
def test_changes_predict_membership_at_every_instant(data: st.DataObject) -> None:
    repo = data.draw(repositories(min_contacts=1, max_contacts=4, max_interactions=8))
    query = data.draw(timed_queries(repo))
    tz = data.draw(timezones())
    start_at, end_at = data.draw(spans(repo))
    start, end = to_microseconds(start_at), to_microseconds(end_at)
    try:
        found = changes(query, repo, start=start_at, end=end_at, tz=tz)
    except QueryValidationError:
        # A relative between that inverts within the span: evaluate refuses it somewhere too.
        return
    assert found == sorted(found, key=lambda change: (change.at, change.contact_id))
    first = members(query, repo, start, tz)
    # Every reported change is real.
    for change in found:
        at = to_microseconds(change.at)
        assert start < at <= end
        now_in = change.contact_id in members(query, repo, at, tz)
        before_in = change.contact_id in members(query, repo, at - 1, tz)
        assert (now_in, before_in) == (change.entered, not change.entered), change
    # Nothing changes between them: membership just before each change, where
    # it could flip (a sample of those), and at random instants.
    chance = data.draw(st.randoms(use_true_random=False))
    edges = sorted(hints(repo, query, tz, start, end))
    tried = set(chance.sample(edges, min(len(edges), 120)))
    tried.update(to_microseconds(change.at) - 1 for change in found)
    tried.update(data.draw(st.lists(st.integers(start + 1, end), max_size=4)))
    tried.add(end)
    for instant in sorted(tried):
        assert members(query, repo, instant, tz) == predicted(first, found, instant), instant
    # sizes is the same step function, counted.
    count, steps = sizes(query, repo, start=start_at, end=end_at, tz=tz)
    assert count == len(first)
    for at, size in steps:
        assert size == len(predicted(first, found, to_microseconds(at)))


@settings(deadline=None)
@given(st.data())
def test_next_change_is_the_first_change(data: st.DataObject) -> None:
    repo = data.draw(repositories(min_contacts=1, max_contacts=4, max_interactions=8))
    query = data.draw(timed_queries(repo))
    tz = data.draw(timezones())
    now = data.draw(nows(repo))
    try:
        upcoming = next_change(query, repo, now=now, tz=tz)
        found = changes(query, repo, start=now, end=now + timedelta(days=3 * 366), tz=tz)
    except QueryValidationError:
        return
    if found:
        assert upcoming == found[0].at
    elif upcoming is not None:
        assert upcoming > now + timedelta(days=3 * 366)
        at = to_microseconds(upcoming)
        assert members(query, repo, at, tz) != members(query, repo, at - 1, tz)


# -- hand cases -------------------------------------------------------------------------


def opened(
    record_id: str, contact: str, at: datetime, *, canceled: bool = False
) -> dict[str, object]:
    return {"id": record_id, "type": "EmailOpened", "contact_id": contact, "timestamp": at,
            "properties": {"messageId": "m"}, "canceled": canceled}


def repo_with(*records: dict[str, object]) -> InMemoryRepository:
    repo = InMemoryRepository()
    repo.add_contacts([{"id": "ann"}, {"id": "bob"}])
    repo.add_interactions(records)
    return repo


T = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)


def test_a_record_leaves_in_last_7_days_a_microsecond_after_seven_days() -> None:
    repo = repo_with(opened("i1", "ann", T))
    found = changes("EmailOpened in last 7 days", repo, start=T, end=T + timedelta(days=30))
    assert found == [MembershipChange(T + timedelta(days=7) + US, "ann", False)]
    assert next_change("EmailOpened in last 7 days", repo, now=T) == T + timedelta(days=7) + US


def test_a_record_stored_after_start_counts_from_its_timestamp() -> None:
    repo = repo_with(opened("i1", "bob", T))
    found = changes("EmailOpened in last 7 days", repo, start=T - timedelta(days=1), end=T)
    assert found == [MembershipChange(T, "bob", True)]
    # start is excluded: a change at start itself belongs to the span before.
    assert changes("EmailOpened in last 7 days", repo, start=T, end=T + timedelta(days=1)) == []


def test_canceled_records_never_count() -> None:
    repo = repo_with(opened("i1", "ann", T, canceled=True))
    span = {"start": T - timedelta(days=1), "end": T + timedelta(days=9)}
    assert changes("EmailOpened", repo, **span) == []
    assert next_change("EmailOpened", repo, now=T - timedelta(days=1)) is None


def test_month_end_clamping_leaves_and_reenters_each_day() -> None:
    # One month before 03-29, 03-30 and 03-31 is 02-28 each time: ago(now)
    # sweeps 02-28 three more times, passing the record each time.
    record = datetime(2026, 2, 28, 10, 0, tzinfo=UTC)
    repo = repo_with(opened("i1", "ann", record))
    found = changes("EmailOpened in last 1 month", repo,
                    start=datetime(2026, 3, 1, tzinfo=UTC), end=datetime(2026, 4, 2, tzinfo=UTC))
    leave = [datetime(2026, 3, day, 10, 0, tzinfo=UTC) + US for day in (28, 29, 30, 31)]
    enter = [datetime(2026, 3, day, 0, 0, tzinfo=UTC) for day in (29, 30, 31)]
    expected = sorted([MembershipChange(at, "ann", False) for at in leave]
                      + [MembershipChange(at, "ann", True) for at in enter],
                      key=lambda change: change.at)
    assert found == expected
    for change in found:
        assert ("ann" in evaluate("EmailOpened in last 1 month", repo, now=change.at)) \
            is change.entered


def test_calendar_days_follow_the_wall_clock_across_dst() -> None:
    # Copenhagen springs forward on 2026-03-29: a day before 03-29 12:00 is
    # 03-28 12:00 on the wall, 23 hours earlier.
    zone = ZoneInfo("Europe/Copenhagen")
    record = datetime(2026, 3, 28, 12, 0, tzinfo=zone)
    repo = repo_with(opened("i1", "ann", record))
    span = {"start": record, "end": record + timedelta(days=3)}
    local = changes("EmailOpened in last 1 day", repo, tz="Europe/Copenhagen", **span)
    assert local == [MembershipChange(datetime(2026, 3, 29, 12, 0, tzinfo=zone) + US, "ann", False)]
    assert local[0].at.utcoffset() == timedelta(hours=2)  # shown in tz
    in_utc = changes("EmailOpened in last 1 day", repo, tz="UTC", **span)
    day_later = record.astimezone(UTC) + timedelta(hours=24)
    assert in_utc == [MembershipChange(day_later + US, "ann", False)]
    assert local[0].at - in_utc[0].at == -timedelta(hours=1)


def test_periodic_windows_flip_at_each_period_edge() -> None:
    repo = repo_with(opened("a", "ann", T), opened("b", "ann", T + timedelta(days=8)))
    query = "EmailOpened in 2 of last 3 weeks"
    found = changes(query, repo, start=T, end=T + timedelta(days=60))
    # b arrives in week 1 with a in week 2; a slides into week 3 (T + 14 days
    # + 1 µs) and b into week 2 (T + 15 days + 1 µs): still two weeks; a
    # leaves the three weeks at T + 21 days + 1 µs.
    assert [(c.at, c.entered) for c in found] == [
        (T + timedelta(days=8), True),
        (T + timedelta(days=21) + US, False),
    ]
    for change in found:
        assert ("ann" in evaluate(query, repo, now=change.at)) is change.entered
        assert ("ann" in evaluate(query, repo, now=change.at - US)) is not change.entered


def _with_segments() -> InMemoryRepository:
    """ann opened at T, bob two days later; Recent (last 7 days) and Listed (bob)."""
    repo = repo_with(opened("i1", "ann", T), opened("i2", "bob", T + timedelta(days=2)))
    repo.save_segment(Segment(name="Recent", query="EmailOpened in last 7 days"))
    repo.save_segment(Segment(name="Listed", members=["bob"]))
    return repo


def test_segment_references_follow_the_segment_over_time() -> None:
    repo = _with_segments()
    found = changes("segment Recent and not segment Listed", repo,
                    start=T - US, end=T + timedelta(days=30))
    assert found == [
        MembershipChange(T, "ann", True),
        MembershipChange(T + timedelta(days=7) + US, "ann", False),
    ]


def test_a_segment_of_one_condition_counts_as_that_condition_among_others() -> None:
    # "and" / "or" of plain conditions are decided by picking their values at
    # once; a segment whose query is one condition is one of them.
    repo = _with_segments()
    both = changes("segment Recent and EmailOpened in last 3 days", repo,
                   start=T - US, end=T + timedelta(days=30))
    assert both == [
        MembershipChange(T, "ann", True),
        MembershipChange(T + timedelta(days=2), "bob", True),
        MembershipChange(T + timedelta(days=3) + US, "ann", False),
        MembershipChange(T + timedelta(days=5) + US, "bob", False),
    ]
    either = changes("segment Recent or segment Listed", repo,
                     start=T - US, end=T + timedelta(days=30))
    assert either == [
        MembershipChange(T, "ann", True),
        MembershipChange(T + timedelta(days=7) + US, "ann", False),
    ]


def test_sizes_is_a_step_function_of_the_count() -> None:
    repo = repo_with(opened("i1", "ann", T), opened("i2", "bob", T + timedelta(days=2)))
    count, steps = sizes("EmailOpened in last 7 days", repo,
                         start=T - timedelta(days=1), end=T + timedelta(days=30))
    assert count == 0
    assert steps == [
        (T, 1),
        (T + timedelta(days=2), 2),
        (T + timedelta(days=7) + US, 1),
        (T + timedelta(days=9) + US, 0),
    ]


def test_profile_dates_compared_with_ago_change_when_the_point_passes_them() -> None:
    repo = InMemoryRepository()
    repo.add_contacts([{"id": "ann", "attributes": {"renewal": date(2026, 6, 1)}}])
    found = changes("contact.renewal < 30 days ago", repo, start=T, end=T + timedelta(days=60))
    # 30 days ago passes 2026-06-01 00:00 (UTC midnight) at 07-01 00:00.
    assert found == [MembershipChange(datetime(2026, 7, 1, 0, 0, tzinfo=UTC) + US, "ann", True)]


def test_bad_spans_are_refused_and_change_nothing() -> None:
    repo = repo_with(opened("i1", "ann", T))
    with pytest.raises(InvalidArgumentError):
        changes("EmailOpened", repo, start=T, end=T - US)
    with pytest.raises(InvalidArgumentError):
        changes("EmailOpened", repo, start=T.replace(tzinfo=None), end=T)
    with pytest.raises(InvalidArgumentError):
        next_change("EmailOpened", repo, now=T.replace(tzinfo=None))
    with pytest.raises(InvalidArgumentError):
        changes("EmailOpened", repo, start="2026-05-01", end=T)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError):
        sizes("EmailOpened", repo, start=T, end=T + US, tz="Mars/Olympus")
    with pytest.raises(QueryValidationError):
        changes("EmailOpenedd", repo, start=T, end=T + US)
    repo.save_segment(Segment(name="Later", query="EmailOpened", status="draft"))
    with pytest.raises(InvalidArgumentError, match="draft"):
        changes("segment Later", repo, start=T, end=T + US)
    assert changes("EmailOpened", repo, start=T, end=T) == []
    assert len(list(repo.interactions())) == 1


def test_a_parsed_query_and_its_text_give_the_same_changes() -> None:
    repo = repo_with(opened("i1", "ann", T), opened("i2", "ann", T + timedelta(days=3)))
    text = "EmailOpened at least 2 times in last 5 days"
    span = {"start": T - US, "end": T + timedelta(days=20)}
    assert changes(text, repo, **span) == changes(parse(text), repo, **span) != []


def event_repo() -> InMemoryRepository:
    repo = InMemoryRepository()
    repo.add_contacts([{"id": "ann"}])
    repo.add_interactions([
        {"id": "r1", "type": "EventRegistration", "contact_id": "ann", "timestamp": T,
         "properties": {"eventId": "e", "eventDate": date(2026, 6, 1)}},
        {"id": "c1", "type": "EventCheckIn", "contact_id": "ann", "timestamp": T,
         "properties": {"eventId": "e", "checkInTime": datetime(2026, 5, 12, 8, 0, tzinfo=UTC)}},
    ])
    return repo


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # A record's date compared with a relative point: the registration
        # stops counting once now passes the event's day (midnight in tz).
        ("EventRegistration where eventDate >= 0 days ago",
         [(T, True), (datetime(2026, 6, 1, tzinfo=UTC) + US, False)]),
        # A record's datetime: it starts counting a day after the check-in.
        ("EventCheckIn where checkInTime < 1 day ago",
         [(datetime(2026, 5, 13, 8, 0, tzinfo=UTC) + US, True)]),
        # A having aggregate compared with a relative point.
        ("EventCheckIn having max(checkInTime) >= 7 days ago",
         [(T, True), (datetime(2026, 5, 19, 8, 0, tzinfo=UTC) + US, False)]),
    ],
)
def test_values_compared_with_relative_points_move_membership(
    query: str, expected: list[tuple[datetime, bool]]
) -> None:
    repo = event_repo()
    found = changes(query, repo, start=T - timedelta(days=1), end=T + timedelta(days=60))
    assert [(change.at, change.entered) for change in found] == expected
    for change in found:
        assert ("ann" in evaluate(query, repo, now=change.at)) is change.entered
        assert ("ann" in evaluate(query, repo, now=change.at - US)) is not change.entered
    # next_change finds the last of them from just before it, by the record's value.
    last_at = expected[-1][0]
    assert next_change(query, repo, now=last_at - timedelta(days=3)) == last_at


def test_next_change_jumps_to_a_record_years_away() -> None:
    far = T + timedelta(days=3650)
    repo = repo_with(opened("i1", "ann", far))
    assert next_change("EmailOpened in last 7 days", repo, now=T) == far
    assert next_change("EmailOpened in last 7 days", repo, now=far) == far + timedelta(days=7) + US
    assert next_change("EmailOpened in last 7 days", repo, now=far + timedelta(days=8)) is None

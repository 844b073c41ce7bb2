"""N UNIT ago as a literal (LANGUAGE.md, "Relative points as literals"): the instant
now - N UNIT, by the rules of windows, with the kind DATETIME."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from segmentkit import InMemoryRepository, InvalidArgumentError, evaluate
from segmentkit.engine.compare import compare
from segmentkit.language.ast import Ago, Comparison

NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)


@pytest.fixture
def repo() -> InMemoryRepository:
    repository = InMemoryRepository()
    repository.add_contacts([
        # exactly one month before now: 2026-02-28 12:00 (relativedelta clamps the 31st)
        {"id": "edge", "attributes": {"createdAt": datetime(2026, 2, 28, 12, 0, tzinfo=UTC)}},
        {"id": "older", "attributes": {"createdAt": datetime(2026, 2, 28, 11, 59, tzinfo=UTC)}},
        {"id": "new", "attributes": {"createdAt": NOW - timedelta(minutes=5)}},
        {"id": "day", "attributes": {"createdAt": date(2026, 3, 30)}},
        {"id": "text", "attributes": {"createdAt": "2026-03-30"}},
        {"id": "none"},
    ])
    return repository


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("contact.createdAt >= 1 month ago", {"edge", "new", "day"}),
        ("contact.createdAt > 1 month ago", {"new", "day"}),
        ("contact.createdAt < 1 month ago", {"older"}),
        ("contact.createdAt = 1 month ago", {"edge"}),
        ("contact.createdAt >= 31 days ago", {"edge", "new", "day"}),  # also 02-28 12:00
        ("contact.createdAt >= 32 days ago", {"edge", "older", "new", "day"}),
        ("contact.createdAt >= 10 minutes ago", {"new"}),
        # a date compares its midnight: 2026-03-30 00:00 is before 1 day ago (03-30 12:00)
        ("contact.createdAt < 1 day ago", {"edge", "older", "day"}),
        ("contact.createdAt >= 0 minutes ago", set()),  # nothing after now here
        ("contact.createdAt != 1 month ago", {"older", "new", "day"}),  # text, none: UNKNOWN
        ("not contact.createdAt = 1 month ago", {"older", "new", "day", "text", "none"}),
    ],
)
def test_relative_points_compare_as_instants(
    repo: InMemoryRepository, query: str, expected: set[str]
) -> None:
    assert evaluate(query, repo, now=NOW) == expected


def test_calendar_units_follow_the_wall_clock_in_tz(repo: InMemoryRepository) -> None:
    # now is 2026-03-29 10:00 UTC, 12:00 in Copenhagen on the day DST began:
    # one day before is 03-28 12:00 local, then still UTC+1, so 11:00 UTC. In
    # UTC one day before is 03-28 10:00. A record at 10:30 UTC lies between.
    now = datetime(2026, 3, 29, 10, 0, tzinfo=UTC)
    repo.add_contacts([{"id": "dst", "attributes": {
        "createdAt": datetime(2026, 3, 28, 10, 30, tzinfo=UTC)}}])
    query = "contact.createdAt >= 1 day ago and contact.createdAt < 1 hour ago"
    assert "dst" in evaluate(query, repo, now=now, tz="UTC")
    assert "dst" not in evaluate(query, repo, now=now, tz="Europe/Copenhagen")


def test_relative_points_work_inside_where_and_move_with_now() -> None:
    repo = InMemoryRepository()
    repo.add_contacts([{"id": "c1"}])
    repo.add_interactions([{
        "id": "r1", "type": "EventRegistration", "contact_id": "c1",
        "timestamp": "2026-03-01T09:00:00Z",
        "properties": {"eventId": "e1", "registrantId": "c1", "attendeeId": "c1"},
    }])
    repo.register_type({"name": "Webinar", "fields": {"startsAt": "datetime"}})
    repo.add_interactions([{"id": "w1", "type": "Webinar", "contact_id": "c1",
                            "timestamp": "2026-03-01T09:00:00Z",
                            "properties": {"startsAt": "2026-03-20T15:00:00Z"}}])
    query = "Webinar where startsAt >= 0 days ago"  # webinars still to come
    assert evaluate(query, repo, now=NOW - timedelta(days=20)) == {"c1"}
    assert evaluate(query, repo, now=NOW) == set()


def test_a_relative_point_needs_now() -> None:
    comparison = Comparison(field="x", operator=">", value=Ago(amount=1, unit="day"))
    with pytest.raises(InvalidArgumentError, match="now"):
        compare(NOW, comparison, tz=UTC)
    assert compare(NOW, comparison, tz=UTC, now=NOW) is True

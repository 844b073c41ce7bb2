"""Periodic windows, in M of last N UNIT (LANGUAGE.md, "Periodic windows")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from segmentkit import InMemoryRepository, evaluate
from segmentkit.engine.windows import period_bounds
from segmentkit.language.ast import InPeriods
from segmentkit.storage.store import to_microseconds

NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
WEEK = timedelta(weeks=1)


def us(moment: datetime) -> int:
    return to_microseconds(moment)


def test_period_one_includes_both_ends_and_the_others_only_their_start() -> None:
    bounds = period_bounds(InPeriods(needed=1, periods=3, unit="week"), now=NOW, tz=UTC)
    assert bounds == [
        (us(NOW - WEEK), us(NOW) + 1),
        (us(NOW - 2 * WEEK), us(NOW - WEEK)),
        (us(NOW - 3 * WEEK), us(NOW - 2 * WEEK)),
    ]


def test_month_periods_are_computed_from_now_directly() -> None:
    # Not by repeated subtraction: two months before 03-31 is 01-31, although
    # one month before one month before would be 01-28.
    bounds = period_bounds(InPeriods(needed=1, periods=3, unit="month"), now=NOW, tz=UTC)
    starts = [start for start, _ in bounds]
    assert starts == [
        us(datetime(2026, 2, 28, 12, tzinfo=UTC)),
        us(datetime(2026, 1, 31, 12, tzinfo=UTC)),
        us(datetime(2025, 12, 31, 12, tzinfo=UTC)),
    ]


def opened(
    record_id: str, contact: str, when: datetime, canceled: bool = False
) -> dict[str, object]:
    return {"id": record_id, "type": "EmailOpened", "contact_id": contact, "timestamp": when,
            "properties": {"messageId": "m"}, "canceled": canceled}


@pytest.fixture
def repo() -> InMemoryRepository:
    repository = InMemoryRepository()
    repository.add_contacts([{"id": c} for c in ("weekly", "edges", "burst", "quiet", "gone")])
    repository.add_interactions([
        # one open in each of the last three weeks
        opened("w1", "weekly", NOW - timedelta(days=1)),
        opened("w2", "weekly", NOW - timedelta(days=9)),
        opened("w3", "weekly", NOW - timedelta(days=16)),
        # exactly on the edges: now - 1 week is in period 1, now - 2 weeks in period 2
        opened("e1", "edges", NOW - WEEK),
        opened("e2", "edges", NOW - 2 * WEEK),
        opened("e3", "edges", NOW),
        # three opens in one week
        opened("b1", "burst", NOW - timedelta(days=2)),
        opened("b2", "burst", NOW - timedelta(days=3)),
        opened("b3", "burst", NOW - timedelta(days=4)),
        # canceled records never count
        opened("g1", "gone", NOW - timedelta(days=1), canceled=True),
        opened("g2", "gone", NOW - timedelta(days=8), canceled=True),
    ])
    return repository


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("EmailOpened in 3 of last 4 weeks", {"weekly"}),
        ("EmailOpened in 2 of last 4 weeks", {"weekly", "edges"}),
        ("EmailOpened in 1 of last 4 weeks", {"weekly", "edges", "burst"}),
        ("EmailOpened at least 2 times in 1 of last 4 weeks", {"edges", "burst"}),
        ("EmailOpened at least 3 times in 1 of last 1 week", {"burst"}),
        # A zero-admitting count counts the empty periods too.
        ("EmailOpened exactly 0 times in 4 of last 4 weeks", {"quiet", "gone"}),
        ("EmailOpened exactly 0 times in 3 of last 4 weeks", {"quiet", "gone", "burst"}),
        ("EmailOpened at most 1 time in 4 of last 4 weeks", {"weekly", "quiet", "gone"}),
        ("EmailOpened in 1 of last 1 day", {"weekly", "edges"}),
    ],
)
def test_the_count_must_hold_in_at_least_m_periods(
    repo: InMemoryRepository, query: str, expected: set[str]
) -> None:
    assert evaluate(query, repo, now=NOW) == expected


def test_nothing_after_now_counts(repo: InMemoryRepository) -> None:
    earlier = NOW - timedelta(days=2)  # w1 (a day before NOW) lies after it
    assert "weekly" not in evaluate("EmailOpened in 3 of last 3 weeks", repo, now=earlier)
    assert "weekly" in evaluate("EmailOpened in 2 of last 3 weeks", repo, now=earlier)

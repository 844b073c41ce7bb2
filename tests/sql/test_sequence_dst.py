"""``within N days`` across DST changes: the deadline is a wall time in
``tz``; in a fold it is the first of the two instants, in a gap the
``fold=0`` one, as in memory, though both engines' ``AT TIME ZONE`` take the
later instant of a fold."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from segmentkit import InMemoryRepository, evaluate
from segmentkit.sql import SqlRepository
from sql_copies import copy_into

ZONES = ("Europe/Copenhagen", "America/New_York", "Australia/Lord_Howe")
# Around each zone's 2026 changes (UTC days): both directions.
DAYS = {
    "Europe/Copenhagen": (datetime(2026, 3, 28, tzinfo=UTC), datetime(2026, 10, 24, tzinfo=UTC)),
    "America/New_York": (
        datetime(2026, 3, 7, 6, tzinfo=UTC),
        datetime(2026, 10, 31, 5, tzinfo=UTC),
    ),
    "Australia/Lord_Howe": (  # a change of half an hour
        datetime(2026, 4, 3, 14, tzinfo=UTC),
        datetime(2026, 10, 3, 15, tzinfo=UTC),
    ),
}
QUERIES = (
    "EmailOpened then EmailClicked within 1 day",
    "EmailOpened then EmailClicked within 24 hours",
    "EmailOpened then EmailClicked within 1 day in last 1 year",
)


def _pairs(zone: str) -> InMemoryRepository:
    """One contact per (first record, gap): first records every 15 minutes
    over the day before each change, the second 22 to 26 hours later."""
    repo = InMemoryRepository()
    contacts, records = [], []
    for start in DAYS[zone]:
        for quarter in range(0, 4 * 30, 3):
            first = start + timedelta(minutes=15 * quarter)
            for minutes in range(22 * 60, 26 * 60 + 1, 30):
                n = len(contacts)
                contacts.append({"id": f"c{n}"})
                records.append({"id": f"o{n}", "type": "EmailOpened", "contact_id": f"c{n}",
                                "timestamp": first})
                records.append({"id": f"k{n}", "type": "EmailClicked", "contact_id": f"c{n}",
                                "timestamp": first + timedelta(minutes=minutes)})
    repo.add_contacts(contacts)
    repo.add_interactions(records)
    return repo


def _check(repo: InMemoryRepository, database: SqlRepository, zone: str) -> None:
    now = datetime(2027, 1, 1, tzinfo=UTC)
    for query in QUERIES:
        expected = evaluate(query, repo, now=now, tz=zone)
        assert expected and len(expected) < len(list(repo.contacts()))  # both sides occur
        assert evaluate(query, database, now=now, tz=zone) == expected, (zone, query)


@pytest.mark.parametrize("zone", ZONES)
def test_duckdb_within_across_dst(zone: str) -> None:
    repo = _pairs(zone)
    with duckdb.connect() as connection:
        _check(repo, copy_into(repo, SqlRepository(connection)), zone)


@pytest.mark.parametrize("zone", ZONES)
def test_postgres_within_across_dst(
    fresh_postgres: Callable[[], SqlRepository], zone: str
) -> None:
    repo = _pairs(zone)
    _check(repo, copy_into(repo, fresh_postgres()), zone)

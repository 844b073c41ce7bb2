"""A real PostgreSQL server returns exactly the in-memory members (SQL.md)."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from same_members import same_members

from segmentkit import RecordError
from segmentkit.sql import SqlRepository
from segmentkit.sql.rows import holds_nul
from segmentkit.strategies import nows, queries, repositories, timezones
from sql_copies import copy_into

_SETTINGS = settings(
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _holds_nul(repo: object) -> bool:
    records = [
        *repo.contacts(),  # type: ignore[attr-defined]
        *repo.interactions(),  # type: ignore[attr-defined]
        *repo.segments(),  # type: ignore[attr-defined]
        *repo.types().values(),  # type: ignore[attr-defined]
    ]
    return any(holds_nul(record.model_dump()) for record in records)


@_SETTINGS
@given(st.data())
def test_postgres_agrees_with_memory(
    fresh_postgres: Callable[[], SqlRepository], data: st.DataObject
) -> None:
    repo = data.draw(repositories(max_contacts=5, max_interactions=12))
    query = data.draw(queries(repo))
    now = data.draw(nows(repo))
    tz = data.draw(timezones())
    try:
        database = copy_into(repo, fresh_postgres())
    except RecordError as error:
        # PostgreSQL text cannot hold NUL: refused at the door, by us.
        assert "NUL" in str(error) and _holds_nul(repo)
        event("refused: NUL")
        return
    expected = same_members(query, repo, database, now=now, tz=tz)
    if expected is None:
        return

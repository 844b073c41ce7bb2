"""DuckDB returns exactly the in-memory members (SQL.md: an engine that
returns other members for the same data, now and tz has a bug)."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sql_copies import copy_into

from segmentkit import SegmentKitError, evaluate
from segmentkit.sql import SqlRepository
from segmentkit.strategies import nows, queries, repositories, timezones


# SQL.md's issue asks for at least 300 examples against DuckDB in CI.
@settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_duckdb_agrees_with_memory(data: st.DataObject) -> None:
    repo = data.draw(repositories(max_contacts=5, max_interactions=12))
    query = data.draw(queries(repo))
    now = data.draw(nows(repo))
    tz = data.draw(timezones())
    database = copy_into(repo, SqlRepository(duckdb.connect()))
    try:
        expected = evaluate(query, repo, now=now, tz=tz)
    except SegmentKitError as error:
        with pytest.raises(type(error)):
            evaluate(query, database, now=now, tz=tz)
        event("refused query")
        return
    event("members compared" + (" (some)" if expected else " (none)"))
    assert evaluate(query, database, now=now, tz=tz) == expected

"""Over a user's own tables (TableLayout(keys=False)), DuckDB and PostgreSQL
return the members the in-memory engine finds in what those tables mean
(``own_tables.as_read``), where the engine's LOWER agrees with casefold."""

from __future__ import annotations

import os
from collections.abc import Iterator

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from own_tables import as_read, ascii_only, write_own_tables
from same_members import same_members

from segmentkit.sql import SqlRepository
from segmentkit.strategies import nows, queries, repositories, timezones

_SETTINGS = settings(
    deadline=None,
    max_examples=200,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _compare(data: st.DataObject, make: object) -> None:
    generated = data.draw(repositories(max_contacts=5, max_interactions=12))
    repo, query = ascii_only(generated, data.draw(queries(generated)))
    now = data.draw(nows(repo))
    tz = data.draw(timezones())
    meant = as_read(repo)
    database: SqlRepository = make(repo)  # type: ignore[operator]
    expected = same_members(query, meant, database, now=now, tz=tz)
    if expected is None:
        return


@_SETTINGS
@given(st.data())
def test_duckdb_own_tables_agree_with_memory(data: st.DataObject) -> None:
    _compare(data, lambda repo: write_own_tables(repo, duckdb.connect()))


@pytest.fixture
def postgres_schemas(postgres: object) -> Iterator[list[str]]:
    made: list[str] = []
    yield made
    with postgres.cursor() as cursor:  # type: ignore[attr-defined]
        for schema in made:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    postgres.commit()  # type: ignore[attr-defined]


@settings(_SETTINGS, max_examples=100)
@given(st.data())
def test_postgres_own_tables_agree_with_memory(
    postgres: object, postgres_schemas: list[str], data: st.DataObject
) -> None:
    def make(repo: object) -> SqlRepository:
        schema = f"segmentkit_own_{os.getpid()}_{len(postgres_schemas)}"
        with postgres.cursor() as cursor:  # type: ignore[attr-defined]
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            cursor.execute(f'CREATE SCHEMA "{schema}"')
        postgres_schemas.append(schema)
        return write_own_tables(repo, postgres, schema=schema)  # type: ignore[arg-type]

    _compare(data, make)

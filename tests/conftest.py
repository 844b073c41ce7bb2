"""Shared test configuration: Hypothesis profiles, and the SQL engines the
tests run on: DuckDB in the process, and a real PostgreSQL server when
``SEGMENTKIT_TEST_POSTGRES`` names one (``.ci/run`` starts one; under
``CI=true`` a missing server is a failure, not a skip)."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, settings

if TYPE_CHECKING:
    from segmentkit.sql import SqlRepository

# ci: the same examples on every run (derandomize, and no example database
# whose saved failures would make a run depend on the machine's history).
settings.register_profile(
    "ci", max_examples=200, deadline=None, derandomize=True, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile(
    "thorough", max_examples=5000, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") == "true" else "dev")
)

POSTGRES_URL = os.environ.get("SEGMENTKIT_TEST_POSTGRES")
_schemas = itertools.count()


def _postgres_connection() -> object:
    if not POSTGRES_URL:
        if os.environ.get("CI") == "true":
            pytest.fail("SEGMENTKIT_TEST_POSTGRES is not set: .ci/run starts a server and sets it")
        pytest.skip("no PostgreSQL server: set SEGMENTKIT_TEST_POSTGRES (see .ci/postgres.sh)")
    import psycopg

    return psycopg.connect(POSTGRES_URL)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The test server's URL (skips, or fails under CI, without one)."""
    _postgres_connection().close()  # type: ignore[attr-defined]
    return str(POSTGRES_URL)


@pytest.fixture(scope="module")
def postgres() -> Iterator[object]:
    connection = _postgres_connection()
    yield connection
    connection.close()  # type: ignore[attr-defined]


@pytest.fixture
def fresh_postgres(postgres: object) -> Iterator[Callable[[], SqlRepository]]:
    """Makes an empty repository in a schema of its own, each call a new one."""
    made: list[str] = []

    def make() -> SqlRepository:
        schema = f"segmentkit_test_{os.getpid()}_{next(_schemas)}"
        with postgres.cursor() as cursor:  # type: ignore[attr-defined]
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            cursor.execute(f'CREATE SCHEMA "{schema}"')
        postgres.commit()  # type: ignore[attr-defined]
        made.append(schema)
        from segmentkit.sql import SqlRepository, TableLayout

        return SqlRepository(postgres, layout=TableLayout(schema_name=schema))

    yield make
    with postgres.cursor() as cursor:  # type: ignore[attr-defined]
        for schema in made:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    postgres.commit()  # type: ignore[attr-defined]

"""Text orders by code point of the casefolded text on a PostgreSQL database
whose collation is ICU's en-US, where a language's order would differ
(SQL.md: "an ICU en-US database included")."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from segmentkit import InMemoryRepository, evaluate
from segmentkit.models.records import Contact
from segmentkit.sql import SqlRepository
from sql_copies import copy_into

# Pairs a language's collation orders the other way round from code points:
# accents, punctuation, digits as numbers, case.
CITIES = ("é", "f", "e", "a-b", "ab", "_x", "a", "10", "9", "Zürich", "zurich", "Ølby", "p")
QUERIES = (
    'contact.city < "f"',
    'contact.city >= "ab"',
    'contact.city > "9"',
    'contact.city <= "zurich"',
    'contact.city > "o"',
    'contact.city >= "a" and contact.city < "f"',
    'contact.city in ["ZURICH", "e"]',
)
DATABASE = "segmentkit_icu_en_us"


@pytest.fixture
def icu_connection(postgres: Any, postgres_url: str) -> Iterator[Any]:
    import psycopg

    postgres.autocommit = True
    with postgres.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        cursor.execute(
            f"CREATE DATABASE {DATABASE} TEMPLATE template0 ENCODING 'UTF8' "
            "LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"
        )
    postgres.autocommit = False
    url = str(postgres_url).rsplit("/", 1)[0] + f"/{DATABASE}"
    connection = psycopg.connect(url)
    yield connection
    connection.close()
    postgres.autocommit = True
    with postgres.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
    postgres.autocommit = False


def test_icu_database_orders_by_code_point(icu_connection: Any) -> None:
    with icu_connection.cursor() as cursor:
        cursor.execute("SELECT 'é' < 'f' COLLATE \"default\", datlocprovider FROM pg_database "
                       "WHERE datname = current_database()")
        row = cursor.fetchone()
    icu_connection.commit()
    assert row == (True, "i")  # the database's own order is a language's, not code points

    repo = InMemoryRepository()
    repo.add_contacts(
        Contact(id=f"c{n}", attributes={"city": city}) for n, city in enumerate(CITIES)
    )
    database = copy_into(repo, SqlRepository(icu_connection))
    now = datetime(2026, 6, 1, tzinfo=UTC)
    for query in QUERIES:
        expected = evaluate(query, repo, now=now)
        assert evaluate(query, database, now=now) == expected, query
    # The page's point: é sorts after f by code point, so it is not before "f".
    assert "c0" not in evaluate('contact.city < "f"', database, now=now)

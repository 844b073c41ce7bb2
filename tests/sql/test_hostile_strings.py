"""Hostile text through SQL: quotes, backslashes, comment markers, ``;``, NUL,
``$$`` and every placeholder style, in stored records and in query literals,
give the in-memory members and run nothing else (SQL.md: every literal is a
bound parameter)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmentkit import InMemoryRepository, SegmentKitError, evaluate
from segmentkit.language.ast import StringLiteral
from segmentkit.language.format import format
from segmentkit.models.records import InteractionType
from segmentkit.sql import SqlRepository
from sql_copies import copy_into

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
# Pieces that end a literal, start a comment or a statement, or look like a
# parameter to one of the connection libraries.
FRAGMENTS = (
    "'", '"', "''", "\\", "\\'", "--", "/*", "*/", ";", "$$", "$1", "$p0", "?", "%s",
    "%(p0)s", ":p0", "@p0", "{}", "\x00", "\n", "\t", "%", "_", "DROP TABLE segmentkit_contacts",
    "'); DELETE FROM segmentkit_interactions; --", "ß", "Σ", "ǅ", "x", "A",
)
hostile = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=4).map("".join)
REFERRAL = InteractionType(
    name="Referral",
    fields={"referrer": "text", "note": "text"},
    contact_references=frozenset({"referrer"}),
    description="A contact was referred by another.",
)
# Each template gets the literal, quoted by the language's own formatter.
TEMPLATES = (
    "contact.city = {0}",
    "contact.city != {0}",
    "contact.city < {0}",
    "contact.city >= {0}",
    "contact.city contains {0}",
    "contact.city starts with {0}",
    "contact.city ends with {0}",
    "contact.city like {0}",
    "contact.city not like {0}",
    "contact.city in [{0}, \"x\"]",
    "contact.tags contains {0}",
    "contact.email = {0}",
    "EmailOpened where messageId = {0}",
    "EmailOpened where messageId > {0} at least 2 times in last 30 days",
    "EmailOpened where (messageId contains {0} or messageId like {0}) in last 1 year",
    "Referral via referrer where note = {0}",
    "Referral where note = {0} exactly 0 times",
)

_SETTINGS = settings(
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _repository(texts: list[str], *, nul: bool) -> InMemoryRepository:
    """Four contacts whose ids, emails, attributes and records' properties
    are the hostile texts (without NUL for an engine that cannot store it)."""
    if not nul:
        texts = [text.replace("\x00", "") or "x" for text in texts]
    repo = InMemoryRepository()
    repo.register_type(REFERRAL)
    ids = list(dict.fromkeys(f"c{text}" for text in texts))  # an id needs a non-space
    repo.add_contacts(
        {
            "id": contact_id,
            "email": texts[(n + 1) % len(texts)],
            "attributes": {"city": texts[(n + 2) % len(texts)], "tags": [texts[n], "x"]},
        }
        for n, contact_id in enumerate(ids)
    )
    records: list[dict[str, Any]] = []
    for n, text in enumerate(texts * 2):
        owner = ids[n % len(ids)]
        stamp = NOW - timedelta(days=n)
        records.append(
            {"id": f"o{n}{text}", "type": "EmailOpened", "contact_id": owner,
             "timestamp": stamp, "properties": {"messageId": text}}
        )
        records.append(
            {"id": f"r{n}{text}", "type": "Referral", "contact_id": owner, "timestamp": stamp,
             "properties": {"referrer": ids[(n + 1) % len(ids)], "note": text}}
        )
    repo.add_interactions(records)
    return repo


def _footprint(run: Callable[[str], list[tuple[Any, ...]]], database: SqlRepository) -> Any:
    """Every table and its row count: what an injected statement would change."""
    layout = database.layout
    schema = f"'{layout.schema_name}'" if layout.schema_name else "current_schema()"
    tables = run(
        "SELECT table_name FROM information_schema.tables "
        f"WHERE table_schema = {schema} ORDER BY table_name"
    )
    prefix = f'"{layout.schema_name}".' if layout.schema_name else ""
    return [(name, run(f'SELECT count(*) FROM {prefix}"{name}"')[0][0]) for (name,) in tables]


def _agree(
    repo: InMemoryRepository,
    database: SqlRepository,
    run: Callable[[str], list[tuple[Any, ...]]],
    literals: list[str],
) -> None:
    before = _footprint(run, database)
    for literal in literals:
        quoted = format(StringLiteral(value=literal))
        for template in TEMPLATES:
            text = template.format(quoted)
            try:
                expected = evaluate(text, repo, now=NOW)
            except SegmentKitError as error:  # a like pattern with a stray backslash
                with pytest.raises(type(error)):
                    evaluate(text, database, now=NOW)
                continue
            assert evaluate(text, database, now=NOW) == expected, text
    assert _footprint(run, database) == before
    assert sorted(c.model_dump_json() for c in database.contacts()) == sorted(
        c.model_dump_json() for c in repo.contacts()
    )


@_SETTINGS
@given(texts=st.lists(hostile, min_size=1, max_size=3), extra=hostile)
def test_duckdb_hostile_text(texts: list[str], extra: str) -> None:
    with duckdb.connect() as connection:
        repo = _repository(texts, nul=True)
        database = copy_into(repo, SqlRepository(connection))

        def run(sql: str) -> list[tuple[Any, ...]]:
            return connection.execute(sql).fetchall()

        _agree(repo, database, run, [texts[0], extra])


@_SETTINGS
@given(texts=st.lists(hostile, min_size=1, max_size=3), extra=hostile)
def test_postgres_hostile_text(
    fresh_postgres: Callable[[], SqlRepository], postgres: Any, texts: list[str], extra: str
) -> None:
    repo = _repository(texts, nul=False)
    database = copy_into(repo, fresh_postgres())

    def run(sql: str) -> list[tuple[Any, ...]]:
        with postgres.cursor() as cursor:
            cursor.execute(sql)
            rows: list[tuple[Any, ...]] = cursor.fetchall()
        postgres.commit()
        return rows

    # Query literals keep their NUL: PostgreSQL never sees it (comparisons.py).
    _agree(repo, database, run, [texts[-1], extra])

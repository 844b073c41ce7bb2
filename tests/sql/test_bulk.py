"""Batches load in bulk (``sql.bulk``: a CSV file DuckDB reads, COPY into
PostgreSQL) and what comes back is exactly what went in, on both engines;
a batch that fails leaves nothing behind."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import duckdb
import pytest

from hostile_text import AWKWARD_TEXTS, CONTROL_CHARACTERS
from segmentkit import Contact, Interaction, InteractionType, RecordError, evaluate
from segmentkit.language.ast import StringLiteral
from segmentkit.language.format import format as format_query
from segmentkit.sql import SqlRepository
from segmentkit.sql.rows import contact_table_rows, interaction_table_rows

# What a CSV or COPY text writer must escape, and text that looks like its markers.
HOSTILE = (
    '"', "'", '""', "\t", "\n", "\r", "\r\n", "\\", "\\N", "\\.", "\\\\N", ",", ";",
    "a,b\n\"c\"\td\\e", "", " ", "NULL", "null", "None", "True", "{}", "[1,2]",
    "'); DROP TABLE x; --", "$1", "%(name)s", "?", "ß ẞ ς Σ", "é€😀\U0010ffff", "\u2028\u2029",
    *AWKWARD_TEXTS, CONTROL_CHARACTERS, "x" * 5_000,
)
PROBE = InteractionType(
    name="Probe",
    fields={
        "text": "text", "tags": "list", "amount": "number", "flag": "boolean",
        "day": "date", "at": "datetime",
    },
)
BIG = 20_000
START = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(params=["duckdb", "postgres"])
def engine(
    request: pytest.FixtureRequest,
) -> Iterator[tuple[str, Callable[[], SqlRepository]]]:
    if request.param == "duckdb":
        connections: list[Any] = []

        def make() -> SqlRepository:
            connections.append(duckdb.connect())
            return SqlRepository(connections[-1])

        yield "duckdb", make
        for connection in connections:
            connection.close()
    else:
        yield "postgres", request.getfixturevalue("fresh_postgres")


def _texts(dialect: str) -> list[str]:
    # PostgreSQL text cannot hold NUL: add_* refuses it (test_nul_is_refused...).
    if dialect == "postgres":
        return [text.replace("\x00", "<NUL>") for text in HOSTILE]
    return list(HOSTILE)


def _contacts(texts: list[str], count: int) -> list[Contact]:
    contacts = []
    for number in range(count):
        text = texts[number % len(texts)]
        contacts.append(Contact(
            id=f"c{number:06d}{text}",
            # Every other optional field is None, the rest the hostile text
            # ("" included): NULL and "" must stay apart.
            name=text if number % 2 else None,
            email=None if number % 2 else text,
            company_id=text if number % 3 else None,
            salesperson_code="" if number % 5 else None,
            attributes={
                f"key{text}": text,
                "tags": [text, None, "", "\\N"],
                "amount": number + 0.5,
                "since": date(2020, 1, 1) + timedelta(days=number % 1000),
            },
        ))
    return contacts


# Offsets a record may carry: whole hours, half hours, seconds (a zone's
# local mean time) and UTC; the instant is what must survive.
OFFSETS = [UTC, timezone(timedelta(hours=5, minutes=30)),
           timezone(timedelta(hours=-8)), timezone(timedelta(minutes=9, seconds=21))]


def _interactions(texts: list[str], contacts: list[Contact], count: int) -> list[Interaction]:
    records = []
    for number in range(count):
        text = texts[number % len(texts)]
        instant = START + timedelta(microseconds=number * 7_919_993 + number % 7)
        records.append(Interaction(
            id=f"i{number:06d}{text}",
            type="Probe",
            contact_id=contacts[number % len(contacts)].id,
            timestamp=instant.astimezone(OFFSETS[number % len(OFFSETS)]),
            canceled=number % 11 == 0,
            properties={
                "text": text,
                "tags": [text, None, "", number, True],
                "amount": 2**53 + 1 if number % 13 == 0 else number / 7,
                "flag": number % 2 == 0,
                "day": date(2026, 1, 1) + timedelta(days=number % 365),
                "at": instant,
            },
        ))
    return records


def _filled(make: Callable[[], SqlRepository], dialect: str, count: int) -> tuple[
    SqlRepository, list[Contact], list[Interaction]
]:
    repo = make()
    repo.register_type(PROBE)
    texts = _texts(dialect)
    contacts = _contacts(texts, max(len(texts), count // 10))
    interactions = _interactions(texts, contacts, count)
    assert repo.add_contacts(contacts) == len(contacts)
    assert repo.add_interactions(interactions) == len(interactions)
    return repo, contacts, interactions


def _in_log_order(records: list[Interaction]) -> list[Interaction]:
    return sorted(records, key=lambda record: (record.timestamp, record.id))


def test_a_large_batch_reads_back_exactly(
    engine: tuple[str, Callable[[], SqlRepository]],
) -> None:
    dialect, make = engine
    repo, contacts, interactions = _filled(make, dialect, BIG)
    assert list(repo.interactions()) == _in_log_order(interactions)
    assert list(repo.contacts()) == sorted(contacts, key=lambda contact: contact.id)


def test_stored_keys_are_the_python_keys(
    engine: tuple[str, Callable[[], SqlRepository]],
) -> None:
    """The comparison keys queries read travel through the bulk path unchanged."""
    dialect, make = engine
    repo, contacts, interactions = _filled(make, dialect, 2_000)
    layout = repo.layout
    table = f'"{layout.schema_name}"."{layout.interactions}"' if layout.schema_name else (
        f'"{layout.interactions}"'
    )
    stored = _query(repo, f'SELECT "id", "property_keys" FROM {table}')
    expected_rows, _ = interaction_table_rows(interactions)
    expected = {row[0]: json.loads(row[6]) for row in expected_rows}
    assert {record_id: _json(keys) for record_id, keys in stored} == expected
    lists = layout.interaction_lists
    table = f'"{layout.schema_name}"."{lists}"' if layout.schema_name else f'"{lists}"'
    stored_lists = _query(repo, f'SELECT "interaction_id", "field", "k" FROM {table}')
    _, expected_lists = interaction_table_rows(interactions)
    assert sorted(stored_lists, key=repr) == sorted(expected_lists, key=repr)
    _, expected_contact_lists = contact_table_rows(contacts)
    assert expected_contact_lists  # the contacts' list attributes went in too


def _query(repo: SqlRepository, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in repo._db.rows(sql)]


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def test_hostile_text_finds_its_members(
    engine: tuple[str, Callable[[], SqlRepository]],
) -> None:
    """A query for each hostile text answers exactly the contacts whose record holds it."""
    dialect, make = engine
    repo, _, interactions = _filled(make, dialect, 400)
    now = max(record.timestamp for record in interactions) + timedelta(seconds=1)
    for text in _texts(dialect)[:30]:
        expected = {
            record.contact_id for record in interactions
            if not record.canceled and record.properties["text"].casefold() == text.casefold()
        }
        literal = format_query(StringLiteral(value=text))  # quoted with the language's escapes
        assert evaluate(f"Probe where text = {literal}", repo, now=now) == expected, text


@pytest.mark.parametrize("failing_position", [0, BIG - 1])
def test_a_refused_batch_leaves_nothing(
    engine: tuple[str, Callable[[], SqlRepository]], failing_position: int
) -> None:
    dialect, make = engine
    repo, contacts, interactions = _filled(make, dialect, 100)
    more = [
        record.model_copy(update={"id": f"new{number}", "timestamp": START})
        for number, record in enumerate(_interactions(_texts(dialect), contacts, BIG))
    ]
    more[failing_position] = more[failing_position].model_copy(update={"contact_id": "nobody"})
    with pytest.raises(RecordError) as caught:
        repo.add_interactions(more)
    assert caught.value.position == failing_position
    assert list(repo.interactions()) == _in_log_order(interactions)


def test_a_load_that_fails_half_way_is_rolled_back(
    engine: tuple[str, Callable[[], SqlRepository]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The interactions table is loaded, then loading the list elements fails:
    the transaction takes both back."""
    dialect, make = engine
    repo, contacts, interactions = _filled(make, dialect, 100)
    loaded_tables: list[str] = []
    real_insert = repo._db.insert

    def failing_insert(table: Any, columns: Any, rows: Any) -> None:
        if loaded_tables:
            raise OSError("disk full")
        real_insert(table, columns, rows)
        loaded_tables.append(table.name)

    monkeypatch.setattr(repo._db, "insert", failing_insert)
    more = [
        record.model_copy(update={"id": f"new{number}"})
        for number, record in enumerate(_interactions(_texts(dialect), contacts, BIG))
    ]
    with pytest.raises(OSError, match="disk full"):
        repo.add_interactions(more)
    assert loaded_tables == [repo.layout.interactions]
    monkeypatch.undo()
    assert list(repo.interactions()) == _in_log_order(interactions)
    # And the repository still takes the batch whole once nothing fails.
    assert repo.add_interactions(more) == BIG
    assert len(list(repo.interactions())) == len(interactions) + BIG


def test_nul_is_refused_by_postgres_before_loading(
    fresh_postgres: Callable[[], SqlRepository],
) -> None:
    repo, contacts, interactions = _filled(fresh_postgres, "postgres", 100)
    more = _interactions(["ok", "with \x00 NUL"], contacts, 1_000)
    more = [record.model_copy(update={"id": f"new{n}"}) for n, record in enumerate(more)]
    with pytest.raises(RecordError, match="NUL") as caught:
        repo.add_interactions(more)
    assert caught.value.position == 1
    assert list(repo.interactions()) == _in_log_order(interactions)


def test_instants_keep_microseconds_at_the_edges_of_time(
    engine: tuple[str, Callable[[], SqlRepository]],
) -> None:
    _, make = engine
    repo = make()
    repo.add_contacts([{"id": "c"}])
    stamps = [
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(1, 1, 1, 12, tzinfo=timezone(timedelta(hours=5))),
        datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime(2026, 3, 29, 2, 30, 0, 1, tzinfo=timezone(timedelta(hours=-3, minutes=-30))),
        datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    ]
    records = [
        Interaction(id=f"i{n}", type="EmailOpened", contact_id="c", timestamp=stamp)
        for n, stamp in enumerate(stamps)
    ]
    repo.add_interactions(records)
    assert list(repo.interactions()) == _in_log_order(records)


def test_a_record_larger_than_a_csv_line_buffer_loads(
    engine: tuple[str, Callable[[], SqlRepository]],
) -> None:
    """DuckDB's CSV reader refuses lines over 2 MB unless told otherwise."""
    _, make = engine
    repo = make()
    repo.add_contacts([{"id": "c"}])
    huge = "é\n\"," * 1_000_000  # 4 MB of text, written twice (JSON and key)
    record = Interaction(
        id="big", type="EmailOpened", contact_id="c", timestamp=START,
        properties={"messageId": huge},
    )
    repo.add_interactions([record])
    assert list(repo.interactions()) == [record]


def test_hostile_ids_are_found_again(engine: tuple[str, Callable[[], SqlRepository]]) -> None:
    """Which ids exist is asked with the ids bound as one text array: array
    syntax in an id (braces, quotes, commas, backslashes) must not matter."""
    dialect, make = engine
    repo, contacts, interactions = _filled(make, dialect, 300)
    again = interactions[::7]
    with pytest.raises(RecordError, match="already") as caught:
        repo.add_interactions([*_interactions(["fresh"], contacts, 1), *again])
    assert caught.value.position == 1
    odd_ids = [record.id for record in again] + ["{a,b}", 'x"y']
    with pytest.raises(RecordError, match="no interaction"):
        repo.cancel_interactions(odd_ids)
    ids = [record.id for record in again]
    live = sum(1 for record in again if not record.canceled)
    assert repo.cancel_interactions(ids) == live
    assert repo.cancel_interactions(ids) == 0
    canceled = {record.id for record in repo.interactions() if record.canceled}
    assert canceled == {r.id for r in interactions if r.canceled} | set(ids)


def test_a_lone_carriage_return_in_a_text_loads(
    engine: tuple[str, Callable[[], SqlRepository]],
) -> None:
    """DuckDB's CSV reader took a "\\r" inside a quoted text for the end of a
    row unless told that rows end in "\\n" (found by the differential test)."""
    _, make = engine
    repo = make()
    contacts = [
        Contact(id=f"c{n}", attributes={"tags": text, "flag": False})
        for n, text in enumerate(["t\r", "\r", "a\rb", "\r\n\r"])
    ]
    repo.add_contacts(contacts)
    record = Interaction(
        id="i\r", type="EmailOpened", contact_id="c0", timestamp=START,
        properties={"messageId": "m\r"},
    )
    repo.add_interactions([record])
    assert sorted(repo.contacts(), key=lambda contact: contact.id) == contacts
    assert list(repo.interactions()) == [record]

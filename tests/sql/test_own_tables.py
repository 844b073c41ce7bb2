"""SQL over a user's own tables (TableLayout(keys=False)): each kind of
value read from JSON, what the engine's LOWER does where it differs from
casefold, and the read-only repository."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import pytest

from segmentkit import InMemoryRepository, InvalidArgumentError, evaluate
from segmentkit.sql import SqlRepository, TableLayout, compile_query

NOW = datetime(2026, 4, 15, 12, 0, tzinfo=UTC)
PURCHASE = {
    "name": "Purchase",
    "fields": {"amount": "number", "paidAt": "datetime", "deliveredOn": "date", "tags": "list"},
}
KINDS: dict[str, Any] = {
    "city": "text", "age": "number", "vip": "boolean", "born": "date", "tags": "list",
    "shape": "text",
}  # fmt: skip
LAYOUT = TableLayout(keys=False, contacts="people", interactions="events")


def _tables(
    connection: Any, contacts: list[tuple[Any, ...]], events: list[tuple[Any, ...]]
) -> None:
    connection.execute(
        "CREATE TABLE people (id TEXT, name TEXT, email TEXT, type TEXT, company_id TEXT, "
        "salesperson_code TEXT, attributes JSON)"
    )
    connection.execute(
        "CREATE TABLE events (id TEXT, type TEXT, contact_id TEXT, ts TIMESTAMPTZ, "
        "canceled BOOLEAN, properties JSON)"
    )
    for row in contacts:
        connection.execute("INSERT INTO people VALUES (?, ?, NULL, 'person', NULL, NULL, ?)", row)
    for row in events:
        connection.execute("INSERT INTO events VALUES (?, 'Purchase', ?, ?, ?, ?)", row)


@pytest.fixture
def shop() -> SqlRepository:
    connection = duckdb.connect()
    _tables(
        connection,
        [
            ("c1", "Ann", json.dumps({"city": "Oslo", "age": 34, "vip": True, "born": "1990-05-01",
                                      "tags": ["Gold", 3], "shape": {"a": 1}})),
            ("c2", "Straße", json.dumps({"city": "OSLO", "age": "34", "vip": "true",
                                         "born": "not a date", "tags": []})),
            ("c3", "ΟΔΟΣ", json.dumps({"city": None, "age": 19.5, "born": "1990-05-02"})),
        ],
        [
            ("e1", "c1", datetime(2026, 4, 1, tzinfo=UTC), False, json.dumps(
                {"amount": 10, "paidAt": "2026-03-29T03:30:00+02:00", "deliveredOn": "2026-03-30",
                 "tags": ["Red", "sale"]})),
            ("e2", "c2", datetime(2026, 4, 2, tzinfo=UTC), None, json.dumps(
                {"amount": "10", "paidAt": "yesterday", "deliveredOn": 20260330})),
            ("e3", "c3", datetime(2026, 4, 3, tzinfo=UTC), True, json.dumps({"amount": 99})),
        ],
    )  # fmt: skip
    return SqlRepository(connection, layout=LAYOUT, types=[PURCHASE], attributes=KINDS)


@pytest.mark.parametrize(
    ("query", "members"),
    [
        ('contact.city = "oslo"', {"c1", "c2"}),  # text, lower-cased by the engine
        ("contact.city is null", {"c3"}),  # JSON null is null
        ("contact.age >= 30", {"c1"}),  # a number; "34" is text: no kind, UNKNOWN
        ("contact.age = 19.5", {"c3"}),
        ("contact.vip = true", {"c1"}),  # a boolean; "true" is text
        ("contact.born < 1990-05-02", {"c1"}),  # declared date: ISO text read as a date
        ('contact.born = "1990-05-01"', set()),  # a declared date is not text
        ("contact.born is not null", {"c1", "c2", "c3"}),  # "not a date": no kind, not null
        ('contact.tags contains "gold"', {"c1"}),  # a JSON array is a list
        ("contact.tags contains 3", {"c1"}),
        ("contact.tags is not null", {"c1", "c2"}),  # an empty list is not null
        ("contact.shape is not null", {"c1"}),  # an object: not null, of no kind
        ('contact.shape = "x"', set()),
        ('contact.name like "a_n"', {"c1"}),  # the contact's own column
        ("Purchase", {"c1", "c2"}),  # canceled NULL is not canceled
        ("Purchase where amount >= 10", {"c1"}),  # "10" is text: UNKNOWN
        ("Purchase where paidAt < 2026-03-29T02:00:00Z", {"c1"}),  # datetime with offset
        ("Purchase where paidAt = 2026-03-29", {"c1"}),  # its date in tz
        ("Purchase where paidAt is not null", {"c1", "c2"}),  # "yesterday": not null
        ("Purchase where deliveredOn = 2026-03-30", {"c1"}),  # 20260330 is a number
        ('Purchase where tags contains "RED"', {"c1"}),
        ("Purchase having sum(amount) = 0", {"c2"}),  # "10" is no number: a sum of none
    ],
)
def test_each_kind_reads_from_json(shop: SqlRepository, query: str, members: set[str]) -> None:
    assert evaluate(query, shop, now=NOW) == members


def test_the_same_data_in_memory_agrees(shop: SqlRepository) -> None:
    """What the tables mean, in memory, gives the same members (ASCII text)."""
    repo = InMemoryRepository()
    repo.register_type(PURCHASE)
    repo.declare_attributes(KINDS)
    repo.add_contacts([
        {"id": "c1", "name": "Ann", "attributes": {"city": "Oslo", "age": 34, "vip": True,
                                                     "born": date(1990, 5, 1)}},
        {"id": "c2", "name": "Straße", "attributes": {"city": "OSLO"}},
        {"id": "c3", "name": "ΟΔΟΣ", "attributes": {"city": None, "age": 19.5,
                                                     "born": date(1990, 5, 2)}},
    ])  # fmt: skip
    for query in ['contact.city = "oslo"', "contact.age >= 30", "contact.born < 1990-05-02"]:
        assert evaluate(query, shop, now=NOW) == evaluate(query, repo, now=NOW)


@pytest.mark.parametrize(
    ("query", "in_memory", "duckdb_members"),
    [
        # casefold("Straße") is "strasse"; DuckDB's LOWER keeps ß.
        ('contact.name = "STRASSE"', {"c2"}, set()),
        ('contact.name = "straße"', {"c2"}, {"c2"}),
        # casefold makes every sigma σ; LOWER keeps a final ς as it is.
        ('contact.name = "οδος"', {"c3"}, set()),
        ('contact.name = "ΟΔΟΣ"', {"c3"}, {"c3"}),
    ],
)
def test_where_lower_differs_from_casefold(
    shop: SqlRepository, query: str, in_memory: set[str], duckdb_members: set[str]
) -> None:
    repo = InMemoryRepository()
    repo.add_contacts([{"id": "c2", "name": "Straße"}, {"id": "c3", "name": "ΟΔΟΣ"}])
    assert evaluate(query, repo, now=NOW) == in_memory
    assert evaluate(query, shop, now=NOW) == duckdb_members


def test_lower_on_postgres(postgres: Any) -> None:
    """PostgreSQL lower-cases by the database's LC_CTYPE; with C.UTF-8 (the
    tests' server) as DuckDB does: ß stays, a final ς stays, Σ becomes σ."""
    with postgres.cursor() as cursor:
        cursor.execute("SELECT lower('STRAẞE'), lower('ΟΔΟΣ'), lower('οδος')")
        assert cursor.fetchone() == ("straße", "οδοσ", "οδος")
    postgres.rollback()


def test_a_layout_without_canceled_counts_every_record() -> None:
    connection = duckdb.connect()
    connection.execute("CREATE TABLE people (id TEXT, attributes JSON)")
    connection.execute("CREATE TABLE events (id TEXT, type TEXT, contact_id TEXT, ts TIMESTAMPTZ)")
    connection.execute("INSERT INTO people VALUES ('c1', '{\"email\": \"A@X.COM\"}')")
    connection.execute(
        "INSERT INTO events VALUES ('e1', 'EmailOpened', 'c1', '2026-04-01 00:00:00+00')"
    )
    layout = TableLayout(
        keys=False, contacts="people", interactions="events", canceled=None,
        contact_columns=(), properties="id",
    )  # fmt: skip
    repo = SqlRepository(connection, layout=layout)
    assert evaluate("EmailOpened", repo, now=NOW) == {"c1"}
    # A contact field that is no column is read from the attributes JSON.
    assert evaluate('contact.email = "a@x.com"', repo, now=NOW) == {"c1"}


def test_writes_to_your_own_tables_are_refused(shop: SqlRepository) -> None:
    before = evaluate("all", shop, now=NOW)
    with pytest.raises(InvalidArgumentError, match="only reads"):
        shop.add_contacts([{"id": "c9"}])
    with pytest.raises(InvalidArgumentError, match="only reads"):
        shop.cancel_interactions(["e1"])
    with pytest.raises(InvalidArgumentError, match="only reads"):
        shop.save_segment({"name": "S", "query": "all"})
    assert evaluate("all", shop, now=NOW) == before


def test_given_segments_are_the_catalog() -> None:
    connection = duckdb.connect()
    _tables(connection, [("c1", "Ann", "{}"), ("c2", "Bo", "{}")], [])
    repo = SqlRepository(
        connection, layout=LAYOUT,
        segments=[{"name": "Anns", "query": 'contact.name = "ann"'},
                  {"name": "Both", "query": "segment Anns or contact.name = \"bo\""}],
    )  # fmt: skip
    assert repo.members("Both", now=NOW) == {"c1", "c2"}
    assert compile_query("segment Anns", repo, now=NOW).params  # values are bound


def test_a_catalog_is_given_only_for_your_own_tables() -> None:
    with pytest.raises(InvalidArgumentError, match="keys=False"):
        SqlRepository(duckdb.connect(), types=[PURCHASE])
    with pytest.raises(InvalidArgumentError, match="not a table layout"):
        TableLayout(canceled=None)

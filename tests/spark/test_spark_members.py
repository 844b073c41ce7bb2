"""``spark_members`` on a local SparkSession returns the in-memory members,
for a fixed set of queries that covers every form of the language, over a
user's own tables (``keys=False``) and over segmentkit's own tables."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from own_tables import as_read, json_value

from segmentkit import InMemoryRepository, InvalidArgumentError, evaluate
from segmentkit.sql import SqlRepository, TableLayout, spark_members
from sql_copies import copy_into

pyspark_sql = pytest.importorskip("pyspark.sql")

NOW = datetime(2026, 4, 15, 12, 0, tzinfo=UTC)
# The session's own zone is neither UTC nor the queries' zone: no bound may
# depend on it (spark_members restores it after each query).
SESSION_ZONE = "America/Los_Angeles"
OWN_LAYOUT = TableLayout(keys=False, contacts="my_contacts", interactions="my_events")

PURCHASE = {
    "name": "Purchase",
    "fields": {
        "amount": "number",
        "currency": "text",
        "tags": "list",
        "paidAt": "datetime",
        "deliveredOn": "date",
        "giftFor": "text",
    },
    "contact_references": ["giftFor"],
}

QUERIES = [
    # counts and windows
    "EmailOpened",
    "EmailOpened at least 3 times in last 14 days",
    "EmailOpened exactly 0 times in last 30 days",
    "EmailOpened between 1 and 2 times in last 1 month",
    "EmailOpened at most 1 time since 2 weeks ago",
    "WebsiteVisited since 2026-03-29",
    "WebsiteVisited before 2026-03-01T00:00:00",
    "WebsiteVisited between 2026-03-28 and 2026-03-29",
    "WebsiteVisited between 2026-03-29T01:30:00Z and 3 days ago",
    # restrictions: text, like, starts / ends, booleans, null
    'EmailClicked where linkUrl contains "PRICING" in last 2 months',
    'EmailClicked where (linkUrl like "%pricing%" or linkUrl starts with "HTTPS://demo")',
    'EmailClicked where linkUrl ends with ".com/X"',
    'EmailClicked where linkUrl not like "%demo%"',
    'EmailOpened where deviceType = "mobile" at least 2 times',
    'EmailOpened where deviceType is null',
    "FormSubmitted where consentGiven = true in last 1 year",
    "EventRegistration via attendeeId where isWaitlisted != true",
    # aggregates
    "Purchase having sum(amount) >= 100 in last 30 days",
    "Purchase having avg(amount) < 50",
    "Purchase at least 0 times having sum(amount) < 10",
    'Purchase having max(currency) = "usd"',
    'Purchase having min(currency) < "EUR"',
    "Purchase having distinct(currency) >= 2",
    "Purchase having min(paidAt) < 2026-03-01",
    "Purchase having max(deliveredOn) >= 2026-03-29",
    # via, dates and datetimes, lists
    "Purchase via giftFor",
    "Purchase where paidAt >= 2026-03-29T03:30:00+02:00",
    "Purchase where deliveredOn = 2026-03-29",
    "Purchase where deliveredOn < 2026-03-30T00:00:00Z",
    "Purchase where paidAt = 2026-03-29",
    "Purchase where paidAt > 20 days ago",
    'Purchase where tags contains "RED"',
    "Purchase where tags is null",
    "Purchase where amount in [10, 99.5]",
    "Purchase where amount not in [10]",
    # recency, sequences, periodic windows
    "first FormSubmitted in last 7 days",
    "last EmailOpened before 30 days ago",
    "first Purchase",
    "EmailClicked then FormSubmitted within 2 days",
    "EmailOpened then EmailOpened then EmailClicked in last 60 days",
    "EmailOpened then Purchase where amount > 20 within 1 month",
    "EmailOpened in 3 of last 4 weeks",
    "EmailOpened at least 2 times in 2 of last 3 months",
    "EmailOpened at most 0 times in 2 of last 3 weeks",
    # profile comparisons of each kind
    'contact.email ends with "@CONTOSO.COM"',
    'contact.country in ["DK", "SE"]',
    'contact.country not in ["dk"]',
    'contact.country != "dk"',
    "contact.age >= 30",
    "contact.age = 19.5",
    "contact.vip = true",
    "contact.vip != false",
    'contact.tags contains "BETA"',
    "contact.tags contains 3",
    "contact.tags is not null",
    "contact.birthday is null",
    'contact.birthday >= "1990"',
    'contact.name like "_nn"',
    'contact.name not like "A%"',
    "contact.email is null",
    'contact.type = "COMPANY"',
    'contact.id = "C1"',
    # segments: static, dynamic, compound; set algebra
    "segment Vips",
    "segment Danes or segment DanishVips",
    "not segment DanishVips and all",
    "(segment Danes or EmailOpened) and not contact.vip = true",
]


def _repository() -> InMemoryRepository:
    repo = InMemoryRepository()
    repo.register_type(PURCHASE)
    repo.add_contacts([
        {"id": "c1", "name": "Ann", "email": "ann@contoso.com",
         "attributes": {"country": "DK", "age": 34, "vip": True, "tags": ["gold", "Beta"],
                        "birthday": date(1990, 5, 1)}},
        {"id": "c2", "email": "BOB@Fabrikam.com",
         "attributes": {"country": "dk", "age": 19.5, "vip": False, "tags": []}},
        {"id": "c3", "type": "company", "name": "Contoso",
         "attributes": {"country": "NO", "age": None, "tags": ["beta", 3]}},
        {"id": "c4"},
        {"id": "c5", "name": "Eve", "email": "eve@contoso.com",
         "attributes": {"country": "SE", "age": 70, "vip": True,
                        "birthday": date(1950, 1, 2)}},
        {"id": "c6", "name": "anna", "attributes": {"country": "Oslo", "vip": "yes"}},
    ])  # fmt: skip
    records: list[dict[str, Any]] = []

    def add(kind: str, contact: str, at: datetime, canceled: bool = False, **props: Any) -> None:
        records.append({"id": f"i{len(records)}", "type": kind, "contact_id": contact,
                        "timestamp": at, "canceled": canceled, "properties": props})

    day = timedelta(days=1)
    for n in range(5):  # c1 reads weekly, c2 daily lately, c3 long ago
        add("EmailOpened", "c1", NOW - n * 7 * day - 3 * 3600 * timedelta(seconds=1),
            deviceType="Mobile")
        add("EmailOpened", "c2", NOW - n * day, deviceType="desktop" if n % 2 else None)
    add("EmailOpened", "c3", NOW - 60 * day)
    add("EmailOpened", "c3", NOW - 45 * day, canceled=True)
    add("EmailOpened", "c5", NOW + day)  # after now: never counts
    add("EmailClicked", "c1", NOW - 10 * day, linkUrl="https://contoso.com/pricing")
    add("EmailClicked", "c2", NOW - 3 * day, linkUrl="https://demo.contoso.com/x")
    add("EmailClicked", "c5", NOW - 40 * day, linkUrl="HTTPS://Contoso.com/Pricing")
    add("FormSubmitted", "c1", NOW - 9 * day, consentGiven=True)
    add("FormSubmitted", "c2", NOW - 2 * day, consentGiven=False)
    add("FormSubmitted", "c2", NOW - 1 * day, canceled=True)
    add("FormSubmitted", "c5", NOW - 39 * day + 3600 * timedelta(seconds=1))
    # Exactly one day apart in UTC, across the DST change of the session's
    # zone (Los Angeles, 2026-03-08 10:00 UTC): a day added there is 23 hours.
    add("EmailClicked", "c6", datetime(2026, 3, 7, 12, 0, tzinfo=UTC), linkUrl="x")
    add("FormSubmitted", "c6", datetime(2026, 3, 8, 12, 0, tzinfo=UTC))
    # Around the DST change in Copenhagen (2026-03-29 01:00 UTC).
    add("WebsiteVisited", "c1", datetime(2026, 3, 28, 23, 30, tzinfo=UTC), durationSeconds=5)
    add("WebsiteVisited", "c2", datetime(2026, 3, 29, 0, 30, tzinfo=UTC))
    add("WebsiteVisited", "c3", datetime(2026, 3, 29, 1, 30, tzinfo=UTC))
    add("WebsiteVisited", "c5", datetime(2026, 2, 28, 23, 30, tzinfo=UTC))
    add("EventRegistration", "c4", NOW - 5 * day, attendeeId="c1", isWaitlisted=False)
    add("EventRegistration", "c4", NOW - 5 * day, attendeeId="c2", isWaitlisted=True)
    add("EventRegistration", "c4", NOW - 5 * day, attendeeId="c3")
    paid = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)
    add("Purchase", "c1", NOW - 3 * day, amount=99.5, currency="EUR", tags=["red", "Sale"],
        paidAt=paid, deliveredOn=date(2026, 3, 29))
    add("Purchase", "c1", NOW - 20 * day, amount=10, currency="usd", paidAt=NOW - 21 * day,
        deliveredOn=date(2026, 3, 30))
    add("Purchase", "c2", NOW - 50 * day, amount=5, currency="DKK", tags=[],
        paidAt=datetime(2026, 2, 1, tzinfo=UTC), deliveredOn=date(2026, 2, 2))
    add("Purchase", "c3", NOW - 2 * day, amount=250, currency="eur", giftFor="c5",
        paidAt=NOW - 2 * day)
    add("Purchase", "c5", NOW - 2 * day, amount=1, currency="USD", canceled=True)
    repo.add_interactions(records)
    repo.save_segment({"name": "Vips", "members": ["c1", "c5"]})
    repo.save_segment({"name": "Danes", "query": 'contact.country = "dk"'})
    repo.save_segment({"name": "DanishVips", "query": "segment Danes and segment Vips"})
    return repo


REPO = _repository()


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    session = (
        pyspark_sql.SparkSession.builder.master("local[1]")
        .appName("segmentkit-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.sql.session.timeZone", SESSION_ZONE)
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    _own_tables(session, REPO)
    _segmentkit_tables(session, REPO)
    yield session
    session.stop()


def _view(spark: Any, name: str, rows: list[tuple[Any, ...]], schema: str) -> None:
    spark.createDataFrame(rows, schema).createOrReplaceTempView(name)


def _own_tables(spark: Any, repo: InMemoryRepository) -> None:
    """The contacts and interactions as a Spark user has them: JSON text."""
    import json

    _view(spark, "my_contacts", [
        (c.id, c.name, c.email, c.type, c.company_id, c.salesperson_code,
         json.dumps({k: json_value(v) for k, v in c.attributes.items()}))
        for c in repo.contacts()
    ], "id string, name string, email string, type string, company_id string, "
       "salesperson_code string, attributes string")  # fmt: skip
    _view(spark, "my_events", [
        (r.id, r.type, r.contact_id, r.timestamp, r.canceled,
         json.dumps({k: json_value(v) for k, v in r.properties.items()}))
        for r in repo.interactions()
    ], "id string, type string, contact_id string, ts timestamp, canceled boolean, "
       "properties string")  # fmt: skip


def _segmentkit_tables(spark: Any, repo: InMemoryRepository) -> None:
    """segmentkit's own tables, as a SqlRepository wrote them (in DuckDB),
    copied into Spark as they would be through Parquet."""
    database = duckdb.connect()
    copy_into(repo, SqlRepository(database))
    layout = TableLayout()
    tables = {
        layout.contacts: "id string, name string, email string, type string, company_id string, "
        "salesperson_code string, attributes string, profile_keys string",
        layout.interactions: "id string, type string, contact_id string, ts timestamp, "
        "canceled boolean, properties string, property_keys string",
        layout.contact_lists: "contact_id string, field string, k string",
        layout.interaction_lists: "interaction_id string, field string, k string",
    }
    for table, schema in tables.items():
        rows = database.execute(f'SELECT * FROM "{table}"').fetchall()
        _view(spark, table, rows, schema)


def _members(spark: Any, query: str, layout: TableLayout, tz: str) -> frozenset[str]:
    return spark_members(
        query, spark, now=NOW, tz=tz, types=[PURCHASE],
        segments=list(REPO.segments()), layout=layout,
    )  # fmt: skip


@pytest.mark.parametrize("query", QUERIES)
def test_spark_own_tables_agree_with_memory(spark: Any, query: str) -> None:
    expected = evaluate(query, as_read(REPO), now=NOW, tz="Europe/Copenhagen")
    assert _members(spark, query, OWN_LAYOUT, "Europe/Copenhagen") == expected


@pytest.mark.parametrize("query", QUERIES)
def test_spark_segmentkit_tables_agree_with_memory(spark: Any, query: str) -> None:
    expected = evaluate(query, REPO, now=NOW, tz="America/New_York")
    assert _members(spark, query, TableLayout(), "America/New_York") == expected


def test_the_queries_split_the_contacts() -> None:
    """Most fixed queries select some contacts but not all, so that an
    engine returning none or everyone fails them."""
    everyone = {c.id for c in REPO.contacts()}
    split = [
        q for q in QUERIES
        if evaluate(q, as_read(REPO), now=NOW, tz="Europe/Copenhagen") not in (set(), everyone)
    ]  # fmt: skip
    assert len(split) >= 0.8 * len(QUERIES)


def test_within_days_ignores_the_session_time_zone(spark: Any) -> None:
    query = "EmailClicked then FormSubmitted within 1 day"
    expected = evaluate(query, REPO, now=NOW, tz="UTC")
    assert "c6" in expected
    assert _members(spark, query, OWN_LAYOUT, "UTC") == expected


def test_spark_members_restores_the_session_time_zone(spark: Any) -> None:
    _members(spark, "EmailClicked then FormSubmitted within 2 days", OWN_LAYOUT, "UTC")
    assert spark.conf.get("spark.sql.session.timeZone") == SESSION_ZONE


def test_spark_members_refuses_what_is_not_a_session() -> None:
    with pytest.raises(InvalidArgumentError, match="SparkSession"):
        spark_members("all", object(), now=NOW)


def test_spark_members_checks_the_query_against_the_given_types(spark: Any) -> None:
    from segmentkit import QueryValidationError

    with pytest.raises(QueryValidationError, match="Purchase"):
        spark_members("Purchase where amount > 1", spark, now=NOW, layout=OWN_LAYOUT)


def test_the_spark_example_of_docs_sql_runs(spark: Any, tmp_path: Any) -> None:
    """docs/sql.md's Spark example, with its Parquet files written here."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from doc_examples import blocks

    (example,) = [b for b in blocks("docs/sql.md", "python") if "spark_members(" in b.code]
    code = example.code
    for table, view in (("contacts", "my_contacts"), ("events", "my_events")):
        path = tmp_path / table
        spark.table(view).write.parquet(str(path))
        code = code.replace(f"s3://shop/{table}/", str(path))
    namespace: dict[str, Any] = {}
    exec(compile(code, f"docs/sql.md:{example.line}", "exec"), namespace)
    query = "Purchase having sum(amount) >= 100 in last 30 days"
    # The example's layout has no canceled column: every purchase counts.
    assert namespace["members"] == evaluate(query, REPO, now=NOW) == {"c1", "c3"}

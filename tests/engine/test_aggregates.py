"""having: aggregates of the records that count (LANGUAGE.md, "Aggregates")."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_evaluator import reference_evaluate
from segmentkit import InMemoryRepository, QueryValidationError, evaluate, parse
from segmentkit.engine.aggregates import aggregate

NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)


def test_sum_of_integers_is_exact_and_any_float_makes_it_fsum() -> None:
    big = 2**53
    assert aggregate("sum", [big, 1]) == big + 1  # a float sum would lose the 1
    assert aggregate("sum", [0.1] * 10) == 1.0  # fsum, not 0.9999999999999999
    assert aggregate("sum", [1, 0.5]) == 1.5
    assert aggregate("sum", []) == 0
    assert aggregate("avg", [1, 2]) == 1.5
    assert aggregate("avg", []) is None


def test_min_and_max_order_text_casefolded_and_datetimes_as_instants() -> None:
    assert aggregate("min", ["b", "A", "c"]) == "A"
    assert aggregate("max", ["Straße", "strasse"]) in ("Straße", "strasse")
    early = datetime(2026, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=5)))  # 07:00 UTC
    late = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    assert aggregate("min", [late, early]) is early
    assert aggregate("max", [date(2026, 1, 2), date(2025, 1, 1)]) == date(2026, 1, 2)
    assert aggregate("min", []) is None


def test_distinct_counts_casefolded_text_numbers_by_value_and_instants() -> None:
    assert aggregate("distinct", ["A", "a", "b"]) == 2
    assert aggregate("distinct", ["Straße", "STRASSE"]) == 1
    assert aggregate("distinct", [1, 1.0, 2]) == 2
    same = [datetime(2026, 1, 1, 8, 0, tzinfo=UTC),
            datetime(2026, 1, 1, 9, 0, tzinfo=timezone(timedelta(hours=1)))]
    assert aggregate("distinct", same) == 1
    assert aggregate("distinct", [True, False, True]) == 2
    assert aggregate("distinct", []) == 0


def purchase(record_id: str, contact: str, days: float, **properties: object) -> dict[str, object]:
    return {"id": record_id, "type": "Purchase", "contact_id": contact,
            "timestamp": NOW - timedelta(days=days), "properties": properties,
            "canceled": properties.pop("canceled", False)}


@pytest.fixture
def repo() -> InMemoryRepository:
    repository = InMemoryRepository()
    repository.register_type({"name": "Purchase", "fields": {
        "amount": "number", "currency": "text", "sku": "text", "paidAt": "datetime",
        "shipped": "date", "gift": "boolean"}})
    repository.add_contacts([{"id": c} for c in ("ann", "bob", "cat", "dan", "eve")])
    repository.add_interactions([
        purchase("a1", "ann", 1, amount=60, currency="EUR", sku="X", gift=True),
        purchase("a2", "ann", 2, amount=50, currency="eur", sku="x"),
        purchase("a3", "ann", 40, amount=0.5, currency="EUR", sku="y"),
        purchase("b1", "bob", 3, amount=30, currency="EUR",
                 paidAt=datetime(2026, 3, 28, 23, 30, tzinfo=UTC)),
        purchase("b2", "bob", 3, amount=200, currency="USD", shipped=date(2026, 3, 29)),
        purchase("b3", "bob", 4, currency="USD"),  # no amount: skipped by the aggregates
        purchase("c1", "cat", 5, amount=None, currency=None),  # nulls: skipped
        purchase("d1", "dan", 1, amount=1000, canceled=True),  # canceled: never counts
    ])
    return repository


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Purchase having sum(amount) >= 100", {"ann", "bob"}),
        ('Purchase where currency = "EUR" having sum(amount) >= 100 in last 30 days', {"ann"}),
        # Buyers who spent under 100; adding "at least 0 times" adds non-buyers.
        ("Purchase having sum(amount) < 100", {"cat"}),
        ("Purchase at least 0 times having sum(amount) < 100", {"cat", "dan", "eve"}),
        ("Purchase at least 3 times having sum(amount) > 200", {"bob"}),
        ("Purchase having avg(amount) > 100", {"bob"}),  # (30 + 200) / 2
        ("Purchase at least 0 times having avg(amount) >= 0", {"ann", "bob"}),  # null: UNKNOWN
        ("Purchase having max(currency) = \"usd\"", {"bob"}),
        ("Purchase having min(sku) = \"X\"", {"ann"}),
        ("Purchase having distinct(currency) >= 2", {"bob"}),
        ("Purchase having distinct(currency) = 1", {"ann"}),  # EUR and eur are one
        ("Purchase having distinct(amount) = 0", {"cat"}),
        ("Purchase having distinct(gift) = 1", {"ann"}),
        ("Purchase having min(amount) < 1", {"ann"}),
        ("Purchase having max(paidAt) >= 2026-03-28T23:00:00Z", {"bob"}),
        # A DATE against a datetime aggregate compares its calendar date in tz.
        ("Purchase having max(paidAt) = 2026-03-28", {"bob"}),
        ("Purchase having max(shipped) > 3 days ago", {"bob"}),  # a date: its midnight
        ("Purchase having sum(amount) > 0 in last 3 days", {"ann", "bob"}),
    ],
)
def test_having_selects_by_the_aggregate_and_the_count(
    repo: InMemoryRepository, query: str, expected: set[str]
) -> None:
    assert evaluate(query, repo, now=NOW) == expected


def test_a_date_compares_in_the_time_zone(repo: InMemoryRepository) -> None:
    # 23:30 UTC on 03-28 is 00:30 on 03-29 in Copenhagen.
    query = "Purchase having max(paidAt) = 2026-03-29"
    assert evaluate(query, repo, now=NOW, tz="Europe/Copenhagen") == {"bob"}
    assert evaluate(query, repo, now=NOW) == set()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("Purchase having sum(currency) > 1", "needs a field of a number"),
        ("Purchase having avg(gift) > 1", "needs a field of a number"),
        ("Purchase having min(gift) = true", "needs a field of"),
        ("Purchase having min(amount) > \"x\"", "compare it with a number"),
        ("Purchase having max(paidAt) > 5", "compare it with a date and time"),
        ("Purchase having sum(amount) > \"100\"", "compare it with a number"),
        ("Purchase having sum(amount) > null", "not null"),
        ("Purchase having max(amout) > 1", "did you mean amount"),
        ("Purchase having sum(amount) > 1 in 2 of last 3 weeks", "periodic window"),
    ],
)
def test_misfit_aggregates_are_validation_errors(
    repo: InMemoryRepository, query: str, message: str
) -> None:
    with pytest.raises(QueryValidationError) as caught:
        evaluate(query, repo, now=NOW)
    assert message.lower() in str(caught.value).lower()


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["ann", "bob", "cat"]),
            st.none() | st.integers(min_value=-5, max_value=5) | st.just(2**60),
            st.booleans(),  # a payer (via) or not
        ),
        max_size=12,
    ),
    query=st.sampled_from([
        "Purchase having sum(amount) >= 3",
        "Purchase having sum(amount) < 0",
        "Purchase at least 0 times having sum(amount) = 0",
        "Purchase at least 2 times having avg(amount) > 1",
        "Purchase having avg(amount) <= 0",
        "Purchase via payer having sum(amount) != 2",
        "Purchase at most 1 time having sum(amount) > 0",
    ]),
)
def test_integer_sums_agree_with_the_reference(
    rows: list[tuple[str, int | None, bool]], query: str
) -> None:
    # Whole numbers take the sorted running-total path; the reference decides alone.
    repo = InMemoryRepository()
    repo.register_type({"name": "Purchase", "fields": {"amount": "number", "payer": "text"},
                        "contact_references": ["payer"]})
    repo.add_contacts([{"id": c} for c in ("ann", "bob", "cat", "dan")])
    repo.add_interactions([
        {"id": f"p{n}", "type": "Purchase", "contact_id": contact,
         "timestamp": NOW - timedelta(hours=n + 1),
         "properties": {"amount": amount, **({"payer": "dan"} if paid else {})}}
        for n, (contact, amount, paid) in enumerate(rows)
    ])
    assert evaluate(query, repo, now=NOW) == reference_evaluate(parse(query), repo, now=NOW)

"""explain: each node of the query, decided for one contact (API.md "Explain")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentkit import (
    Explanation,
    InMemoryRepository,
    InvalidArgumentError,
    QueryValidationError,
    Segment,
    changes,
    evaluate,
    explain,
    next_change,
    parse,
)
from segmentkit.engine.catalog import MAX_WRITTEN_OUT_DEPTH
from segmentkit.errors import SegmentStatusError
from segmentkit.language.ast import Query
from segmentkit.strategies import nows, queries, repositories, timezones

NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)


def nodes(explanation: Explanation) -> list[Explanation]:
    found, pending = [], [explanation]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(current.children)
    return found


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_every_node_agrees_with_evaluating_its_query_alone(data: st.DataObject) -> None:
    repo = data.draw(repositories(min_contacts=1, max_contacts=5, max_interactions=12))
    query = data.draw(queries(repo))
    now = data.draw(nows(repo))
    tz = data.draw(timezones())
    contact = data.draw(st.sampled_from([c.id for c in repo.contacts()]))
    explanation = explain(query, repo, contact, now=now, tz=tz)
    assert explanation.member == (contact in evaluate(query, repo, now=now, tz=tz))
    for node in nodes(explanation):
        if isinstance(node.node, Query):
            assert node.member == (contact in evaluate(node.node, repo, now=now, tz=tz)), node
        if node.records is not None:
            assert node.count is not None and len(node.records) <= node.count + 0
    text = str(explanation)
    assert text.count("\n") + 1 == len(nodes(explanation))


def opened(record_id: str, contact: str, days: float, **props: object) -> dict[str, object]:
    return {"id": record_id, "type": "EmailOpened", "contact_id": contact,
            "timestamp": NOW - timedelta(days=days), "properties": {"messageId": "m", **props}}


@pytest.fixture
def repo() -> InMemoryRepository:
    repository = InMemoryRepository()
    repository.add_contacts([
        {"id": "ann", "attributes": {"country": "DK", "score": 5}},
        {"id": "bob", "attributes": {"country": "SE"}},
    ])
    repository.add_interactions([
        opened("i42", "ann", 10), opened("i17", "ann", 12), opened("i9", "ann", 20),
        opened("b1", "bob", 1),
    ])
    return repository


def test_an_interaction_condition_lists_its_records_in_time_order(
    repo: InMemoryRepository,
) -> None:
    explanation = explain("EmailOpened at least 3 times in last 14 days", repo, "ann", now=NOW)
    assert explanation.member is False
    assert explanation.records == ("i17", "i42")
    assert explanation.count == 2
    assert explanation.window == (NOW - timedelta(days=14), NOW)
    assert str(explanation) == (
        "EmailOpened at least 3 times in last 14 days: 2 records (i17, i42), "
        "needed at least 3 → no"
    )


def test_window_bounds_are_in_the_time_zone(repo: InMemoryRepository) -> None:
    explanation = explain("EmailOpened before 2026-03-01", repo, "ann", now=NOW,
                          tz="Europe/Copenhagen")
    start, end = explanation.window  # type: ignore[misc]
    assert start is None
    assert end is not None and end.isoformat() == "2026-03-01T00:00:00+01:00"


def test_a_periodic_window_gives_one_pair_and_one_count_per_period(
    repo: InMemoryRepository,
) -> None:
    explanation = explain("EmailOpened in 2 of last 3 weeks", repo, "ann", now=NOW)
    assert explanation.period_counts == (0, 2, 1)
    assert explanation.member is True
    assert explanation.window == tuple(
        (NOW - timedelta(weeks=i), NOW if i == 1 else NOW - timedelta(weeks=i - 1))
        for i in (1, 2, 3)
    )
    assert explanation.records == ("i9", "i17", "i42")


def test_a_profile_condition_shows_the_value_and_its_truth(repo: InMemoryRepository) -> None:
    yes = explain('contact.country = "dk"', repo, "ann", now=NOW)
    assert (yes.value, yes.truth, yes.member) == ("DK", "true", True)
    unknown = explain("contact.score > 1", repo, "bob", now=NOW)
    assert (unknown.value, unknown.truth, unknown.member) == (None, "unknown", False)
    assert str(unknown) == "contact.score > 1: missing → unknown → no"


def test_having_shows_the_aggregate(repo: InMemoryRepository) -> None:
    repo.register_type({"name": "Purchase", "fields": {"amount": "number"}})
    repo.add_interactions([
        {"id": "p1", "type": "Purchase", "contact_id": "ann", "timestamp": NOW,
         "properties": {"amount": 30}},
        {"id": "p2", "type": "Purchase", "contact_id": "ann", "timestamp": NOW,
         "properties": {"amount": 12.5}},
    ])
    explanation = explain("Purchase having sum(amount) > 40", repo, "ann", now=NOW)
    assert (explanation.aggregate, explanation.member) == (42.5, True)
    assert str(explanation).endswith("sum(amount) = 42.5 → yes")
    avg = explain("Purchase having avg(amount) > 40", repo, "bob", now=NOW)
    assert (avg.aggregate, avg.member) == (None, False)


def test_a_segment_reference_has_the_segments_own_explanation(
    repo: InMemoryRepository,
) -> None:
    repo.save_segment(Segment(name="Readers", query="EmailOpened in last 7 days"))
    repo.save_segment(Segment(name="Listed", members=["bob"]))
    explanation = explain("segment Readers or segment Listed", repo, "bob", now=NOW)
    readers, listed = explanation.children
    assert readers.member and readers.children[0].node == parse("EmailOpened in last 7 days")
    assert listed.member and listed.children == ()
    assert str(explanation).splitlines() == [
        "any of → yes",
        "  segment Readers (live) → yes",
        "    EmailOpened in last 7 days: 1 record (b1), needed at least 1 → yes",
        "  segment Listed (static: listed) → yes",
    ]


def test_first_last_and_sequences_show_the_records_that_decided(
    repo: InMemoryRepository,
) -> None:
    first = explain("first EmailOpened in last 14 days", repo, "ann", now=NOW)
    assert (first.records, first.count, first.member) == (("i9",), 3, False)
    assert str(first) == (
        "first EmailOpened in last 14 days: the first of 3 records is i9, outside the window → no"
    )
    chain = explain("EmailOpened then EmailOpened within 3 days", repo, "ann", now=NOW)
    assert (chain.records, chain.member) == (("i17", "i42"), True)


def test_mistakes_are_the_errors_evaluate_raises(repo: InMemoryRepository) -> None:
    with pytest.raises(InvalidArgumentError, match="no contact"):
        explain("all", repo, "nobody", now=NOW)
    repo.save_segment(Segment(name="Later", query="all", status="draft"))
    with pytest.raises(SegmentStatusError):
        explain("segment Later", repo, "ann", now=NOW)
    with pytest.raises(InvalidArgumentError):
        explain("all", repo, "ann", now=NOW.replace(tzinfo=None))


def test_explain_uses_the_engines_instant_rules(repo: InMemoryRepository) -> None:
    # A record exactly 7 days before now is inside `in last 7 days`.
    repo.add_interactions([opened("edge", "bob", 7)])
    explanation = explain("EmailOpened at least 2 times in last 7 days", repo, "bob", now=NOW)
    assert explanation.records == ("edge", "b1") and explanation.member




# --- chains of segments -------------------------------------------------------------


def _chain(queries: list[str]) -> InMemoryRepository:
    """Segments S0, S1, ... with these queries ({previous} names the one before)."""
    repo = InMemoryRepository()
    repo.add_contacts([{"id": "a"}])
    for number, text in enumerate(queries):
        repo.save_segment(Segment(name=f"S{number}", query=text.format(previous=f"S{number - 1}")))
    return repo


def test_segments_written_out_up_to_the_limit_are_followed() -> None:
    """explain and changes follow segments recursively. With every segment written
    out, 250 levels of not and references are followed, and no RecursionError
    escapes even under pytest's own frames."""
    depth = MAX_WRITTEN_OUT_DEPTH
    first = 100  # a query's own nesting limit
    second = 99
    rest = depth - first - second - 2
    repo = _chain(
        [
            "not " * (first - 1) + "all",
            "not " * (second - 1) + "segment {previous}",
            "not " * rest + "segment {previous}",
        ]
    )
    query = "segment S2"
    expected = evaluate(query, repo, now=NOW)
    assert explain(query, repo, "a", now=NOW).member == ("a" in expected)
    assert changes(query, repo, start=NOW - timedelta(days=1), end=NOW) == []
    assert next_change(query, repo, now=NOW) is None


@pytest.mark.parametrize("length", [MAX_WRITTEN_OUT_DEPTH, 1_200])
def test_a_chain_of_segments_too_deep_to_follow_is_refused_naming_the_limit(length: int) -> None:
    repo = _chain(["all"] + ["segment {previous}"] * (length - 1))
    query = f"segment S{length - 1}"
    assert evaluate(query, repo, now=NOW) == {"a"}  # evaluation needs no limit
    for follow in (
        lambda: explain(query, repo, "a", now=NOW),
        lambda: changes(query, repo, start=NOW - timedelta(days=1), end=NOW),
        lambda: next_change(query, repo, now=NOW),
    ):
        with pytest.raises(QueryValidationError, match=str(MAX_WRITTEN_OUT_DEPTH)):
            follow()

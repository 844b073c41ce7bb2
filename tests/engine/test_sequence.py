"""Sequences (LANGUAGE.md, "Sequences"): different records, in time order, equal
timestamps in either order, within N units of the first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import permutations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segmentkit import InMemoryRepository, evaluate
from segmentkit.engine.sequence import chain_ends, has_sequence

NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)


def brute(records: list[tuple[int, frozenset[int]]], k: int, span: int | None) -> bool:
    """Any k different records, one per step, in time order, within span."""
    for chosen in permutations(range(len(records)), k):
        stamps = [records[i][0] for i in chosen]
        if all(step in records[i][1] for step, i in enumerate(chosen)) and stamps == sorted(
            stamps
        ) and (span is None or stamps[-1] <= stamps[0] + span):
            return True
    return False


def grouped(records: list[tuple[int, frozenset[int]]]) -> list[tuple[int, list]]:  # type: ignore[type-arg]
    groups: dict[int, list] = {}  # type: ignore[type-arg]
    for index, (stamp, steps) in enumerate(records):
        groups.setdefault(stamp, []).append((("T", index), steps))
    return sorted(groups.items())


def test_a_record_that_fits_two_steps_does_not_fool_the_search() -> None:
    # Both records at one instant; the first fits steps 1 and 2, the second
    # only step 1. Greedily giving step 1 the first record misses the sequence.
    records = [(0, frozenset({0, 1})), (0, frozenset({0}))]
    assert has_sequence(grouped(records), 2)
    assert not has_sequence(grouped([(0, frozenset({0, 1}))]), 2)  # one record, two steps


def test_within_picks_the_right_first_record() -> None:
    # The earliest step-1 record is too early for the only step-2 record; a later one fits.
    records = [(0, frozenset({0})), (10, frozenset({0})), (12, frozenset({1}))]
    groups = grouped(records)
    assert has_sequence(groups, 2, deadline=lambda stamp: stamp + 3)
    assert not has_sequence(groups, 2, deadline=lambda stamp: stamp + 1)
    assert has_sequence(groups, 2)


STAMPS = st.integers(min_value=0, max_value=4)
STEPS = st.frozensets(st.integers(min_value=0, max_value=2), min_size=1)


@given(
    records=st.lists(st.tuples(STAMPS, STEPS), max_size=6),
    k=st.integers(min_value=2, max_value=3),
    span=st.none() | st.integers(min_value=0, max_value=3),
)
def test_the_search_agrees_with_trying_every_choice(
    records: list[tuple[int, frozenset[int]]], k: int, span: int | None
) -> None:
    usable = [(stamp, frozenset(s for s in steps if s < k)) for stamp, steps in records]
    usable = [(stamp, steps) for stamp, steps in usable if steps]
    deadline = None if span is None else (lambda stamp: stamp + span)
    assert has_sequence(grouped(usable), k, deadline) is brute(usable, k, span)


@given(
    records=st.lists(st.tuples(STAMPS, st.integers(min_value=0, max_value=2)), max_size=7),
    k=st.integers(min_value=2, max_value=3),
    span=st.none() | st.integers(min_value=0, max_value=3),
)
def test_times_alone_decide_when_every_step_is_of_another_type(
    records: list[tuple[int, int]], k: int, span: int | None
) -> None:
    # Each record fits exactly one step (its type's), as when the steps' types differ.
    usable = [(stamp, frozenset({step})) for stamp, step in records if step < k]
    stamps = [sorted(stamp for stamp, step in records if step == number) for number in range(k)]
    deadline = None if span is None else (lambda stamp: stamp + span)
    assert chain_ends(stamps, deadline) is brute(usable, k, span)
    assert chain_ends(stamps, deadline) is has_sequence(grouped(usable), k, deadline)


def rec(record_id: str, type_name: str, contact: str, when: datetime, **props: object) -> dict:  # type: ignore[type-arg]
    base = {"messageId": "m"} if type_name.startswith("Email") else {"formId": "f"}
    return {"id": record_id, "type": type_name, "contact_id": contact, "timestamp": when,
            "properties": {**base, **props}}


@pytest.fixture
def repo() -> InMemoryRepository:
    repository = InMemoryRepository()
    repository.add_contacts([{"id": c} for c in ("ann", "bob", "cat", "dan", "eve", "fay")])
    t = NOW - timedelta(days=5)
    repository.add_interactions([
        # ann: clicked pricing, then a form a day later
        rec("a1", "EmailClicked", "ann", t, linkUrl="https://x/pricing"),
        rec("a2", "FormSubmitted", "ann", t + timedelta(days=1)),
        # bob: the form came first
        rec("b1", "FormSubmitted", "bob", t),
        rec("b2", "EmailClicked", "bob", t + timedelta(hours=1), linkUrl="https://x/pricing"),
        # cat: both at the same instant: either order
        rec("c1", "EmailClicked", "cat", t, linkUrl="https://x/pricing"),
        rec("c2", "FormSubmitted", "cat", t),
        # dan: three days apart
        rec("d1", "EmailClicked", "dan", t, linkUrl="https://x/pricing"),
        rec("d2", "FormSubmitted", "dan", t + timedelta(days=3)),
        # eve: one open only; fay: two opens at one instant
        rec("e1", "EmailOpened", "eve", t),
        rec("f1", "EmailOpened", "fay", t),
        rec("f2", "EmailOpened", "fay", t),
    ])
    return repository


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("EmailClicked then FormSubmitted", {"ann", "cat", "dan"}),
        ("FormSubmitted then EmailClicked", {"bob", "cat"}),
        ("EmailClicked then FormSubmitted within 2 days", {"ann", "cat"}),
        ("EmailClicked then FormSubmitted within 3 days", {"ann", "cat", "dan"}),
        ("EmailClicked then FormSubmitted within 0 minutes", {"cat"}),
        ('EmailClicked where linkUrl like "%pricing" then FormSubmitted within 2 days '
         "in last 30 days", {"ann", "cat"}),
        ("EmailClicked then FormSubmitted in last 4 days", set()),  # the click is older
        ("EmailOpened then EmailOpened", {"fay"}),  # two different opens
        ("EmailOpened then EmailOpened then EmailOpened", set()),
        ("not EmailClicked then FormSubmitted", {"bob", "eve", "fay"}),
    ],
)
def test_sequences_in_queries(repo: InMemoryRepository, query: str, expected: set[str]) -> None:
    assert evaluate(query, repo, now=NOW) == expected


def test_nothing_after_now_counts(repo: InMemoryRepository) -> None:
    before_the_form = NOW - timedelta(days=4, hours=12)
    assert "ann" not in evaluate("EmailClicked then FormSubmitted", repo, now=before_the_form)


def test_within_months_runs_forward_on_the_calendar() -> None:
    repo = InMemoryRepository()
    repo.add_contacts([{"id": "c"}])
    repo.add_interactions([
        rec("x1", "EmailOpened", "c", datetime(2026, 1, 31, 9, 0, tzinfo=UTC)),
        rec("x2", "EmailClicked", "c", datetime(2026, 2, 28, 9, 0, tzinfo=UTC),
            linkUrl="u"),
    ])
    # 01-31 + 1 month is 02-28 (relativedelta clamps): the click is just in time.
    assert evaluate("EmailOpened then EmailClicked within 1 month", repo, now=NOW) == {"c"}
    assert evaluate("EmailOpened then EmailClicked within 27 days", repo, now=NOW) == set()

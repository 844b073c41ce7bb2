"""``evaluate``: LANGUAGE.md "Meaning", rule by rule.

Most cases live in ``tests/data/evaluate_cases.json`` (query -> expected ids)
over the hand-built ``tests/data/edge_dataset.jsonl``; each runs against a
snapshot built directly from the models and against the real repository
loaded from the same file. The tests below the table cover what a table
cannot: argument errors, cycles, static members, cost, error positions.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, overload
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentkit import errors
from segmentkit.engine.evaluate import evaluate
from segmentkit.errors import (
    InvalidArgumentError,
    QuerySyntaxError,
    QueryValidationError,
    SegmentCycleError,
)
from segmentkit.io.jsonl import load_repository
from segmentkit.language.ast import (
    AllContacts,
    And,
    Count,
    InLast,
    InteractionCondition,
    Not,
    Or,
    SegmentReference,
)
from segmentkit.language.parse import parse
from segmentkit.models.records import Contact, Interaction, InteractionType, Segment
from segmentkit.storage.store import Snapshot
from snapshot_builder import build_snapshot, snapshot_from_file

DATA = Path(__file__).parents[1] / "data"
DATASET = DATA / "edge_dataset.jsonl"
CASES = json.loads((DATA / "evaluate_cases.json").read_text(encoding="utf-8"))
NOW = datetime.fromisoformat(CASES["default_now"])
EVERYONE = frozenset(CASES["all_contacts"])


@pytest.fixture(scope="module", params=["snapshot_builder", "repository"])
def dataset(request: pytest.FixtureRequest) -> Any:
    if request.param == "repository":
        return load_repository(DATASET)
    return snapshot_from_file(DATASET)


def _case_id(case: dict[str, Any]) -> str:
    extra = "".join(f" [{key}={case[key]}]" for key in ("now", "tz") if key in case)
    return str(case["query"]) + extra


@pytest.mark.parametrize("case", CASES["cases"], ids=[_case_id(c) for c in CASES["cases"]])
def test_case_table(dataset: Any, case: dict[str, Any]) -> None:
    now = datetime.fromisoformat(case.get("now", CASES["default_now"]))
    options = {"tz": case["tz"]} if "tz" in case else {}
    if "error" in case:
        with pytest.raises(getattr(errors, case["error"])):
            evaluate(case["query"], dataset, now=now, **options)
        return
    result = evaluate(case["query"], dataset, now=now, **options)
    assert result == frozenset(case["expected"]), case.get("note", "")


def test_the_case_table_covers_every_contact_and_only_known_ones() -> None:
    snapshot = snapshot_from_file(DATASET)
    assert frozenset(snapshot.contact_ids) == EVERYONE
    for case in CASES["cases"]:
        assert set(case.get("expected", ())) <= EVERYONE, case["query"]


# --- the result -----------------------------------------------------------------------


def test_the_result_is_a_frozenset_of_contact_ids_within_the_repository(dataset: Any) -> None:
    result = evaluate("all", dataset, now=NOW)
    assert isinstance(result, frozenset)
    assert result == EVERYONE


def test_an_ast_query_is_evaluated_like_its_text(dataset: Any) -> None:
    node = InteractionCondition(
        type="Opened",
        count=Count(operator="at least", value=3),
        window=InLast(amount=14, unit="day"),
    )
    assert evaluate(node, dataset, now=NOW) == evaluate(
        "Opened at least 3 times in last 14 days", dataset, now=NOW
    )


def test_python_operators_build_queries_that_evaluate_as_set_algebra(dataset: Any) -> None:
    opened = InteractionCondition(type="Opened")
    recent = InteractionCondition(type="Opened", window=InLast(amount=14, unit="day"))
    assert evaluate(opened - recent, dataset, now=NOW) == {"bob", "fay", "Gus"}
    assert evaluate(~opened, dataset, now=NOW) == EVERYONE - evaluate(opened, dataset, now=NOW)


# --- arguments ------------------------------------------------------------------------


def test_a_naive_now_is_refused(dataset: Any) -> None:
    with pytest.raises(InvalidArgumentError):
        evaluate("all", dataset, now=datetime(2026, 3, 31, 12, 0))


def test_now_must_be_a_datetime(dataset: Any) -> None:
    with pytest.raises(InvalidArgumentError):
        evaluate("all", dataset, now="2026-03-31")  # type: ignore[arg-type]


@pytest.mark.parametrize("tz", ["Nowhere/Special", "", "../../etc/passwd"])
def test_an_unknown_time_zone_name_is_refused(dataset: Any, tz: str) -> None:
    with pytest.raises(InvalidArgumentError):
        evaluate("all", dataset, now=NOW, tz=tz)


def test_tz_may_be_a_tzinfo_object(dataset: Any) -> None:
    query = "Visited in last 1 day"
    now = datetime(2026, 3, 29, 12, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))
    by_name = evaluate(query, dataset, now=now, tz="Europe/Copenhagen")
    assert evaluate(query, dataset, now=now, tz=ZoneInfo("Europe/Copenhagen")) == by_name
    assert by_name == {"ann", "eve", "gus"}
    # A fixed offset has no DST: one calendar day there is 24 hours.
    fixed = timezone(timedelta(hours=1))
    assert evaluate(query, dataset, now=now, tz=fixed) == {"ann", "bob", "cem", "eve", "gus"}


def test_the_default_time_zone_is_utc(dataset: Any) -> None:
    query = "contact.lastSeen = 2026-03-28"
    assert evaluate(query, dataset, now=NOW) == evaluate(query, dataset, now=NOW, tz="UTC")
    assert evaluate(query, dataset, now=NOW) == {"ann"}


def test_now_in_another_zone_is_the_same_instant(dataset: Any) -> None:
    same_instant = NOW.astimezone(ZoneInfo("Asia/Tokyo"))
    query = "Opened in last 14 days"
    assert evaluate(query, dataset, now=same_instant) == evaluate(query, dataset, now=NOW)


def test_something_that_is_not_a_repository_is_refused() -> None:
    with pytest.raises(InvalidArgumentError):
        evaluate("all", object(), now=NOW)  # type: ignore[arg-type]


def test_something_that_is_not_a_query_is_refused(dataset: Any) -> None:
    with pytest.raises(InvalidArgumentError):
        evaluate(42, dataset, now=NOW)  # type: ignore[arg-type]


def test_a_syntax_error_is_a_query_syntax_error(dataset: Any) -> None:
    with pytest.raises(QuerySyntaxError):
        evaluate("Opened at least", dataset, now=NOW)


def test_an_ast_query_is_checked_for_structure_before_evaluation(dataset: Any) -> None:
    negative = InteractionCondition(type="Opened", count=Count(operator="at least", value=-1))
    with pytest.raises(QueryValidationError):
        evaluate(negative, dataset, now=NOW)


def test_an_ast_query_is_checked_for_names_before_evaluation(dataset: Any) -> None:
    with pytest.raises(QueryValidationError) as caught:
        evaluate(InteractionCondition(type="Openned"), dataset, now=NOW)
    assert "Opened" in caught.value.suggestions


def test_a_window_found_inverted_at_evaluation_points_at_the_window(dataset: Any) -> None:
    text = "Opened\n  between 1 day ago and 2 days ago"
    with pytest.raises(QueryValidationError) as caught:
        evaluate(text, dataset, now=NOW)
    assert (caught.value.line, caught.value.column) == (2, 3)


# --- segments ---------------------------------------------------------------------------


def _segment_snapshot(*segments: Segment, contacts: Sequence[str] = ("a", "b", "c")) -> Snapshot:
    return build_snapshot([Contact(id=cid) for cid in contacts], segments=segments)


def test_a_static_segment_is_its_member_list_restricted_to_existing_contacts() -> None:
    snapshot = _segment_snapshot(Segment(name="Listed", members=["a", "ghost", "c"]))
    assert evaluate("segment Listed", snapshot, now=NOW) == {"a", "c"}


def test_a_static_segment_member_list_matches_ids_exactly() -> None:
    snapshot = _segment_snapshot(Segment(name="Listed", members=["A"]))
    assert evaluate("segment Listed", snapshot, now=NOW) == frozenset()


def test_a_reference_cycle_is_an_error_naming_the_cycle() -> None:
    snapshot = _segment_snapshot(
        Segment(name="A", query="segment B or contact.id = 'a'"),
        Segment(name="B", query="segment A"),
    )
    with pytest.raises(SegmentCycleError) as caught:
        evaluate("segment A", snapshot, now=NOW)
    assert caught.value.cycle == ["A", "B", "A"]


def test_a_segment_referring_to_itself_is_a_cycle() -> None:
    snapshot = _segment_snapshot(Segment(name="Me", query="all and segment Me"))
    with pytest.raises(SegmentCycleError) as caught:
        evaluate("segment Me", snapshot, now=NOW)
    assert caught.value.cycle == ["Me", "Me"]


def test_a_cycle_behind_a_healthy_segment_names_only_the_cycle() -> None:
    snapshot = _segment_snapshot(
        Segment(name="Top", query="segment Fine and segment Loop1"),
        Segment(name="Fine", query="all"),
        Segment(name="Loop1", query="segment Loop2"),
        Segment(name="Loop2", query="segment Loop3"),
        Segment(name="Loop3", query="segment Loop1"),
    )
    with pytest.raises(SegmentCycleError) as caught:
        evaluate("contact.id = 'a' or segment Top", snapshot, now=NOW)
    assert caught.value.cycle == ["Loop1", "Loop2", "Loop3", "Loop1"]


def test_a_cycle_the_query_does_not_reach_is_no_error() -> None:
    snapshot = _segment_snapshot(
        Segment(name="A", query="segment B"),
        Segment(name="B", query="segment A"),
        Segment(name="C", query="contact.id = 'b'"),
    )
    assert evaluate("segment C", snapshot, now=NOW) == {"b"}


def test_a_segment_reached_twice_is_evaluated_once_and_is_no_cycle() -> None:
    snapshot = _segment_snapshot(
        Segment(name="Base", query="contact.id in ['a', 'b']"),
        Segment(name="Left", query="segment Base"),
        Segment(name="Right", query="segment Base and not contact.id = 'a'"),
    )
    assert evaluate("segment Left and segment Right", snapshot, now=NOW) == {"b"}


def test_a_long_chain_of_segments_does_not_exhaust_the_stack() -> None:
    chain = [Segment(name=f"S{i}", query=f"segment S{i + 1}") for i in range(3000)]
    chain.append(Segment(name="S3000", query="contact.id = 'c'"))
    snapshot = _segment_snapshot(*chain)
    assert evaluate("segment S0", snapshot, now=NOW) == {"c"}


def test_an_unknown_segment_inside_a_saved_query_is_a_validation_error() -> None:
    snapshot = _segment_snapshot(Segment(name="Broken", query="segment Missing"))
    with pytest.raises(QueryValidationError):
        evaluate("segment Broken", snapshot, now=NOW)


def test_repository_members_and_evaluate_agree() -> None:
    repo = load_repository(DATASET)
    for name in ("VIPs", "Oslo", "OsloOpeners", "Recent", "Nested"):
        assert repo.members(name, now=NOW) == evaluate(f"segment {name}", repo, now=NOW)


def test_an_ast_segment_reference_is_resolved_too(dataset: Any) -> None:
    assert evaluate(Not(operand=SegmentReference(name="VIPs")), dataset, now=NOW) == (
        EVERYONE - {"ann", "Gus"}
    )


# --- interaction conditions: relation, canceled, cost ------------------------------------


def test_a_record_relates_to_its_contact_by_exact_id() -> None:
    snapshot = build_snapshot(
        [Contact(id="x"), Contact(id="X")],
        [Interaction(id="r", type="Ping", contact_id="X", timestamp=NOW - timedelta(days=1))],
        [InteractionType(name="Ping")],
    )
    assert evaluate("Ping", snapshot, now=NOW) == {"X"}


def test_a_type_without_records_selects_nobody_or_everybody_for_zero_counts() -> None:
    snapshot = build_snapshot([Contact(id="x")], [], [InteractionType(name="Ping")])
    assert evaluate("Ping", snapshot, now=NOW) == frozenset()
    assert evaluate("Ping exactly 0 times", snapshot, now=NOW) == {"x"}


class _CountingSequence(Sequence[Any]):
    """A column that remembers which indices were read."""

    def __init__(self, items: Sequence[Any], reads: set[int]) -> None:
        self.items, self.reads = items, reads

    def __len__(self) -> int:
        return len(self.items)

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Any]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, int):
            self.reads.add(index)
        else:  # a slice reads every index it covers
            self.reads.update(range(*index.indices(len(self.items))))
        return self.items[index]


def test_only_records_inside_the_window_are_read() -> None:
    old = [
        Interaction(id=f"old{i}", type="Ping", contact_id="a", timestamp=NOW - timedelta(days=400))
        for i in range(5000)
    ]
    recent = [
        Interaction(id=f"new{i}", type="Ping", contact_id="b", timestamp=NOW - timedelta(hours=i))
        for i in range(3)
    ]
    snapshot = build_snapshot(
        [Contact(id="a"), Contact(id="b")], old + recent, [InteractionType(name="Ping")]
    )
    reads: set[int] = set()
    log = snapshot.logs["Ping"]
    counted = dataclasses.replace(
        log,
        contacts=_CountingSequence(log.contacts, reads),
        records=_CountingSequence(log.records, reads),
        canceled=_CountingSequence(log.canceled, reads),
    )
    snapshot = dataclasses.replace(snapshot, logs={"Ping": counted})
    assert evaluate("Ping in last 1 day", snapshot, now=NOW) == {"b"}
    assert reads == {5000, 5001, 5002}


def test_records_canceled_after_logging_stop_counting() -> None:
    repo = load_repository(DATASET)
    assert evaluate("Opened in last 14 days", repo, now=NOW) == {"ann", "cem"}
    repo.cancel_interactions(["O5"])
    assert evaluate("Opened in last 14 days", repo, now=NOW) == {"ann"}


# --- a reference implementation, on random data ---------------------------------------

_TYPE = InteractionType(name="Ping", fields={"n": "number"})
_IDS = ("a", "b", "c", "d")


@st.composite
def _records(draw: st.DrawFn) -> list[Interaction]:
    count = draw(st.integers(0, 25))
    offsets = draw(
        st.lists(st.integers(-3_000_000, 40 * 86_400_000_000), min_size=count, max_size=count)
    )
    return [
        Interaction(
            id=f"r{index}",
            type="Ping",
            contact_id=draw(st.sampled_from(_IDS)),
            timestamp=NOW - timedelta(microseconds=offset),
            properties={"n": draw(st.sampled_from([0, 1, 2]))} if draw(st.booleans()) else {},
            canceled=draw(st.booleans()),
        )
        for index, offset in enumerate(offsets)
    ]


@settings(max_examples=150, deadline=None)
@given(
    records=_records(),
    days=st.integers(0, 45),
    operator=st.sampled_from(["at least", "at most", "exactly"]),
    value=st.integers(0, 3),
    restricted=st.booleans(),
)
def test_counts_in_a_window_match_a_direct_count(
    records: list[Interaction], days: int, operator: str, value: int, restricted: bool
) -> None:
    snapshot = build_snapshot([Contact(id=cid) for cid in _IDS], records, [_TYPE])
    where = " where n >= 1" if restricted else ""
    query = f"Ping{where} {operator} {value} times in last {days} days"
    start = NOW - timedelta(days=days)  # UTC: calendar days are 24 hours
    tally = dict.fromkeys(_IDS, 0)
    for record in records:
        n = record.properties.get("n")
        if record.canceled or not start <= record.timestamp <= NOW:
            continue
        if restricted and not (isinstance(n, int) and n >= 1):
            continue
        tally[record.contact_id] += 1
    satisfies: Callable[[int], bool] = {
        "at least": lambda k: k >= value,
        "at most": lambda k: k <= value,
        "exactly": lambda k: k == value,
    }[operator]
    expected = {cid for cid, k in tally.items() if satisfies(k)}
    assert evaluate(query, snapshot, now=NOW) == expected
    assert evaluate(f"not ({query})", snapshot, now=NOW) == set(_IDS) - expected


def test_all_contacts_node_is_every_contact(dataset: Any) -> None:
    assert evaluate(AllContacts(), dataset, now=NOW) == EVERYONE


def test_evaluation_is_the_same_at_a_utc_now_and_its_copenhagen_spelling(dataset: Any) -> None:
    now_utc = datetime(2026, 10, 25, 11, 0, tzinfo=UTC)
    now_cph = now_utc.astimezone(ZoneInfo("Europe/Copenhagen"))
    query = "Visited in last 1 day"
    for tz in ("UTC", "Europe/Copenhagen"):
        assert evaluate(query, dataset, now=now_utc, tz=tz) == evaluate(
            query, dataset, now=now_cph, tz=tz
        )


# --- set algebra on random combinations of the table's atoms ----------------------------

_ATOM_TEXTS = sorted(
    {case["query"] for case in CASES["cases"] if "error" not in case and "now" not in case}
)
_SNAPSHOT = snapshot_from_file(DATASET)
_atoms = st.sampled_from(_ATOM_TEXTS).map(parse)
_trees = st.recursive(
    _atoms,
    lambda children: st.one_of(
        st.builds(Not, operand=children),
        st.builds(And, operands=st.tuples(children, children)),
        st.builds(Or, operands=st.tuples(children, children)),
    ),
    max_leaves=5,
)


def _direct(query: Any) -> frozenset[str]:
    """Set algebra done here on whole results, the atoms evaluated one by one."""
    if isinstance(query, Not):
        return EVERYONE - _direct(query.operand)
    if isinstance(query, And):
        return frozenset.intersection(*(_direct(op) for op in query.operands))
    if isinstance(query, Or):
        return frozenset.union(*(_direct(op) for op in query.operands))
    return evaluate(query, _SNAPSHOT, now=NOW)


@settings(max_examples=100, deadline=None)
@given(query=_trees)
def test_and_or_not_are_intersection_union_and_complement(query: Any) -> None:
    result = evaluate(query, _SNAPSHOT, now=NOW)
    assert result == _direct(query)
    assert result <= EVERYONE


# --- every boundary at once: month end, DST, microseconds --------------------------------


def test_window_edges_are_exact_to_the_microsecond_across_month_end_and_dst() -> None:
    cph = ZoneInfo("Europe/Copenhagen")
    now = datetime(2026, 3, 31, 12, 0, 0, 123456, tzinfo=cph)  # CEST (+02:00)
    month_ago = datetime(2026, 2, 28, 12, 0, 0, 123456, tzinfo=cph)  # CET (+01:00)
    micro = timedelta(microseconds=1)
    stamps = {
        "at_start": month_ago,
        "before_start": month_ago - micro,
        "at_now": now,
        "after_now": now + micro,
    }
    snapshot = build_snapshot(
        [Contact(id=name) for name in stamps],
        [
            Interaction(id=f"r-{name}", type="Ping", contact_id=name, timestamp=stamp)
            for name, stamp in stamps.items()
        ],
        [InteractionType(name="Ping")],
    )
    assert evaluate("Ping in last 1 month", snapshot, now=now, tz=cph) == {"at_start", "at_now"}
    # In UTC now is 10:00:00.123456Z and a month earlier is 02-28T10:00:00.123456Z,
    # an hour before the Copenhagen start: the record 1 µs before that start is in.
    assert evaluate("Ping in last 1 month", snapshot, now=now, tz="UTC") == {
        "at_start",
        "before_start",
        "at_now",
    }
    assert evaluate("Ping", snapshot, now=now) == {"at_start", "before_start", "at_now"}
    assert evaluate("Ping before 2026-02-28T12:00:00.123456", snapshot, now=now, tz=cph) == {
        "before_start"
    }
    assert evaluate("Ping since 2026-03-31T12:00:00.123456+02:00", snapshot, now=now) == {"at_now"}

"""The reference evaluator itself, rule by rule, on tiny hand-built worlds.

These tests make a later disagreement between the engine and the reference
trustworthy: each rule of LANGUAGE.md "Meaning" has a case here whose answer
was worked out by hand. The queries are built as AST nodes, so the reference
is tested without the parser; only the hand-computed case table shared with
``test_evaluate.py`` goes through text.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from reference_comparisons import restriction_truth
from reference_evaluator import World, reference_evaluate
from segmentkit.errors import QueryValidationError, SegmentCycleError
from segmentkit.io.jsonl import load_repository
from segmentkit.language.ast import (
    Ago,
    AllContacts,
    And,
    Before,
    Between,
    BooleanLiteral,
    Comparison,
    Count,
    DateLiteral,
    DateTimeLiteral,
    InLast,
    InteractionCondition,
    ListLiteral,
    Not,
    NumberLiteral,
    Or,
    ProfileCondition,
    Query,
    SegmentReference,
    Since,
    StringLiteral,
    WhereAnd,
    WhereNot,
    WhereOr,
)
from segmentkit.language.parse import parse
from segmentkit.models.records import Contact, Interaction, InteractionType, Segment

CPH = ZoneInfo("Europe/Copenhagen")
NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
VISIT = InteractionType(
    name="Visit",
    fields={"page": "text", "score": "number", "flag": "boolean", "day": "date",
            "at": "datetime", "tags": "list", "guest": "text"},
    contact_references={"guest"},
)
PEOPLE = (Contact(id="a", attributes={"city": "Oslo"}), Contact(id="b"), Contact(id="A"))


def visit(number: int, who: str, when: datetime, **properties: Any) -> Interaction:
    canceled = properties.pop("canceled", False)
    return Interaction(id=f"v{number}", type="Visit", contact_id=who, timestamp=when,
                       properties=properties, canceled=canceled)


def world(*records: Interaction, segments: tuple[Segment, ...] = ()) -> World:
    return World(contacts=PEOPLE, interactions=records,
                 segments={s.name: s for s in segments}, types={"Visit": VISIT})


def run(query: Query, *records: Interaction, now: datetime = NOW, tz: Any = "UTC",
        segments: tuple[Segment, ...] = ()) -> set[str]:
    return set(reference_evaluate(query, world(*records, segments=segments), now=now, tz=tz))


def visits(**clauses: Any) -> InteractionCondition:
    return InteractionCondition(type="Visit", **clauses)


def city(operator: str, value: Any = None) -> ProfileCondition:
    return ProfileCondition(comparison=Comparison(field="city", operator=operator, value=value))


OSLO = StringLiteral(value="OSLO")

# --- set algebra ------------------------------------------------------------------------


def test_and_or_not_all_are_set_operations() -> None:
    one = visit(1, "b", NOW)
    assert run(AllContacts()) == {"a", "b", "A"}
    assert run(Or(operands=(city("=", OSLO), visits())), one) == {"a", "b"}
    assert run(And(operands=(city("=", OSLO), visits())), one) == set()
    assert run(Not(operand=visits()), one) == {"a", "A"}


def test_top_level_not_keeps_contacts_without_the_field_but_not_equal_drops_them() -> None:
    assert run(city("!=", OSLO)) == set()
    assert run(Not(operand=city("=", OSLO))) == {"b", "A"}


# --- interaction conditions ----------------------------------------------------------------


def test_default_count_is_at_least_one_and_contact_ids_match_case_sensitively() -> None:
    assert run(visits(), visit(1, "A", NOW)) == {"A"}


def test_via_relates_through_the_property_not_the_contact_id() -> None:
    record = visit(1, "a", NOW, guest="b")
    assert run(visits(via="guest"), record) == {"b"}
    assert run(visits(via="guest"), visit(2, "a", NOW, guest="B")) == set()


def test_nothing_after_now_counts() -> None:
    assert run(visits(), visit(1, "a", NOW)) == {"a"}
    assert run(visits(), visit(1, "a", NOW + timedelta(microseconds=1))) == set()


def test_canceled_records_never_count() -> None:
    assert run(visits(), visit(1, "a", NOW, canceled=True)) == set()
    assert run(visits(count=Count(operator="exactly", value=0)),
               visit(1, "a", NOW, canceled=True)) == {"a", "b", "A"}


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (Count(operator="at least", value=2), {"a"}),
        (Count(operator="at most", value=1), {"b", "A"}),
        (Count(operator="exactly", value=1), {"b"}),
        (Count(operator="exactly", value=0), {"A"}),
        (Count(operator="between", value=0, upper=1), {"b", "A"}),
        (Count(operator="between", value=1, upper=2), {"a", "b"}),
    ],
)
def test_counts_include_zero_for_contacts_without_records(
    count: Count, expected: set[str]
) -> None:
    records = (visit(1, "a", NOW), visit(2, "a", NOW), visit(3, "b", NOW))
    assert run(visits(count=count), *records) == expected


def test_where_counts_only_records_whose_restriction_is_true() -> None:
    records = (visit(1, "a", NOW, page="Home"), visit(2, "b", NOW))
    where = Comparison(field="page", operator="=", value=StringLiteral(value="home"))
    assert run(visits(where=where), *records) == {"a"}
    negated = WhereNot(operand=where)
    assert run(visits(where=negated), *records) == set()  # b's page is missing: UNKNOWN


# --- windows -----------------------------------------------------------------------------------


def test_in_last_includes_its_start_and_now() -> None:
    window = InLast(amount=2, unit="day")
    start = NOW - timedelta(days=2)
    assert run(visits(window=window), visit(1, "a", start)) == {"a"}
    assert run(visits(window=window), visit(1, "a", start - timedelta(microseconds=1))) == set()


def test_one_month_before_march_31_is_february_28() -> None:
    window = InLast(amount=1, unit="month")
    assert run(visits(window=window), visit(1, "a", datetime(2026, 2, 28, 12, tzinfo=UTC))) == {
        "a"
    }
    assert run(visits(window=window), visit(1, "a", datetime(2026, 2, 28, 11, tzinfo=UTC))) == set()


def test_days_are_wall_clock_across_dst_but_hours_are_exact() -> None:
    # Copenhagen moved to summer time at 02:00 on 2026-03-29: one day before
    # 12:00 that day is 12:00 on the 28th, only 23 hours earlier.
    now = datetime(2026, 3, 29, 12, tzinfo=CPH)
    day_start = datetime(2026, 3, 28, 12, tzinfo=CPH)
    assert now.astimezone(UTC) - day_start.astimezone(UTC) == timedelta(hours=23)
    one_day = visits(window=InLast(amount=1, unit="day"))
    assert run(one_day, visit(1, "a", day_start), now=now, tz=CPH) == {"a"}
    early = visit(1, "a", day_start - timedelta(microseconds=1))
    assert run(one_day, early, now=now, tz=CPH) == set()
    assert run(visits(window=InLast(amount=23, unit="hour")), early, now=now, tz=CPH) == set()
    # In UTC the same day is 24 hours long.
    assert run(one_day, early, now=now) == {"a"}


def test_since_is_inclusive_and_before_exclusive() -> None:
    moment = datetime(2026, 3, 1, 8, tzinfo=UTC)
    point = DateTimeLiteral(value=moment)
    record = visit(1, "a", moment)
    assert run(visits(window=Since(point=point)), record) == {"a"}
    assert run(visits(window=Before(point=point)), record) == set()
    just_after = DateTimeLiteral(value=moment + timedelta(microseconds=1))
    assert run(visits(window=Before(point=just_after)), record) == {"a"}


def test_date_points_are_midnight_in_tz_and_naive_datetimes_are_read_in_tz() -> None:
    # 2026-03-01T23:30Z is already March 2nd in Copenhagen.
    record = visit(1, "a", datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    since_march_2 = visits(window=Since(point=DateLiteral(value=date(2026, 3, 2))))
    assert run(since_march_2, record, tz=CPH) == {"a"}
    assert run(since_march_2, record) == set()
    naive = visits(window=Since(point=DateTimeLiteral(value=datetime(2026, 3, 2, 0, 30))))
    assert run(naive, record, tz=CPH) == {"a"}
    assert run(naive, record) == set()


def test_between_an_end_date_includes_its_whole_day_an_end_datetime_does_not() -> None:
    last_moment = datetime(2026, 3, 10, 23, 59, 59, 999999, tzinfo=UTC)
    start = DateLiteral(value=date(2026, 3, 1))
    by_date = visits(window=Between(start=start, end=DateLiteral(value=date(2026, 3, 10))))
    assert run(by_date, visit(1, "a", last_moment)) == {"a"}
    assert run(by_date, visit(1, "a", last_moment + timedelta(microseconds=1))) == set()
    end = DateTimeLiteral(value=datetime(2026, 3, 10, tzinfo=UTC))
    by_instant = visits(window=Between(start=start, end=end))
    assert run(by_instant, visit(1, "a", datetime(2026, 3, 10, tzinfo=UTC))) == set()
    assert run(by_instant, visit(1, "a", datetime(2026, 3, 1, tzinfo=UTC))) == {"a"}


def test_between_relative_points_inverted_is_an_error_and_empty_is_allowed() -> None:
    inverted = Between(start=Ago(amount=1, unit="day"), end=Ago(amount=2, unit="day"))
    with pytest.raises(QueryValidationError):
        run(visits(window=inverted))
    empty = Between(start=Ago(amount=1, unit="day"), end=Ago(amount=24, unit="hour"))
    assert run(visits(window=empty), visit(1, "a", NOW - timedelta(days=1))) == set()


def test_ago_far_beyond_the_year_one_is_the_start_of_time() -> None:
    old = visit(1, "a", datetime(1, 1, 2, tzinfo=UTC))
    assert run(visits(window=InLast(amount=10**9, unit="year")), old) == {"a"}
    assert run(visits(window=Before(point=Ago(amount=10**9, unit="day"))), old) == set()


def test_wall_time_in_a_dst_gap_takes_the_fold_zero_offset() -> None:
    # 02:30 on 2026-03-29 does not exist in Copenhagen; fold=0 reads it with
    # the winter offset +01:00, i.e. 01:30 UTC.
    at_gap = visits(window=Since(point=DateTimeLiteral(value=datetime(2026, 3, 29, 2, 30))))
    now = datetime(2026, 3, 29, 12, tzinfo=UTC)
    assert run(at_gap, visit(1, "a", datetime(2026, 3, 29, 1, 30, tzinfo=UTC)), now=now,
               tz=CPH) == {"a"}
    assert run(at_gap, visit(1, "a", datetime(2026, 3, 29, 1, 29, tzinfo=UTC)), now=now,
               tz=CPH) == set()


# --- comparisons ----------------------------------------------------------------------------------

TEXT, NUMBER = StringLiteral, NumberLiteral
DAY_IN_CPH = datetime(2026, 1, 1, 23, 30, tzinfo=UTC)  # already 2026-01-02 in Copenhagen


@pytest.mark.parametrize(
    ("value", "operator", "literal", "expected"),
    [
        ("Straße", "=", TEXT(value="STRASSE"), True),  # casefold
        ("Zebra", ">", TEXT(value="apple"), True),  # casefolded code points
        ("a", "<", TEXT(value="B"), True),
        ("Hello", "contains", TEXT(value="LL"), True),
        ("Hello", "starts with", TEXT(value="he"), True),
        ("Hello", "ends with", TEXT(value="LO"), True),
        ("Hello", "ends with", TEXT(value="he"), False),
        (1, "=", NUMBER(value=1.0), True),
        (2.5, ">=", NUMBER(value=2), True),
        ("1", "=", NUMBER(value=1), None),  # text vs number
        (1, "=", BooleanLiteral(value=True), None),  # number vs boolean
        (True, "=", NUMBER(value=1), None),
        (True, "!=", BooleanLiteral(value=False), True),
        (True, ">", BooleanLiteral(value=False), None),  # booleans only = and !=
        (None, "=", TEXT(value="x"), None),
        (None, "!=", TEXT(value="x"), None),
        (None, "is null", None, True),
        ("", "is null", None, False),
        (3, "contains", NUMBER(value=3), None),
        (DAY_IN_CPH, "=", DateLiteral(value=date(2026, 1, 2)), True),
        (DAY_IN_CPH, "<", DateLiteral(value=date(2026, 1, 2)), False),
        (date(2026, 1, 2), "=", DateTimeLiteral(value=datetime(2026, 1, 1, 23, tzinfo=UTC)), True),
        (date(2026, 1, 2), ">", DateTimeLiteral(value=datetime(2026, 1, 1, 23, 30)), True),
        (date(2026, 1, 2), "=", DateLiteral(value=date(2026, 1, 2)), True),
        (DAY_IN_CPH, "=", DateTimeLiteral(value=datetime(2026, 1, 2, 0, 30)), True),
        ("2026-01-02", "=", DateLiteral(value=date(2026, 1, 2)), None),
        (["Red", "blue"], "contains", TEXT(value="RED"), True),
        ([], "contains", TEXT(value="red"), False),
        ([None, "x"], "contains", TEXT(value="red"), None),
        ([None, "red"], "contains", TEXT(value="red"), True),
        (["red"], "=", TEXT(value="red"), None),
        ([], "is not null", None, True),
        ("b", "in", ListLiteral(items=(TEXT(value="A"), TEXT(value="B"))), True),
        ("c", "not in", ListLiteral(items=(TEXT(value="A"), TEXT(value="B"))), True),
        ("c", "in", ListLiteral(items=()), False),
        (1, "not in", ListLiteral(items=(TEXT(value="1"),)), None),
        (None, "not in", ListLiteral(items=(TEXT(value="A"),)), None),
        (["a"], "not in", ListLiteral(items=(TEXT(value="b"),)), None),
        (["a"], "in", ListLiteral(items=(TEXT(value="a"),)), None),
    ],
)
def test_comparison_truth(value: Any, operator: str, literal: Any, expected: bool | None) -> None:
    comparison = Comparison(field="f", operator=operator, value=literal)
    fields = {} if value is None else {"f": value}
    assert restriction_truth(comparison, fields, CPH) is expected


def test_missing_field_is_null() -> None:
    assert restriction_truth(Comparison(field="f", operator="is null"), {}, UTC) is True


UNKNOWN_PART = Comparison(field="missing", operator="=", value=TEXT(value="x"))
TRUE_PART = Comparison(field="f", operator="=", value=TEXT(value="x"))
FALSE_PART = Comparison(field="f", operator="=", value=TEXT(value="y"))


@pytest.mark.parametrize(
    ("restriction", "expected"),
    [
        (WhereOr(operands=(UNKNOWN_PART, TRUE_PART)), True),
        (WhereOr(operands=(UNKNOWN_PART, FALSE_PART)), None),
        (WhereAnd(operands=(UNKNOWN_PART, FALSE_PART)), False),
        (WhereAnd(operands=(UNKNOWN_PART, TRUE_PART)), None),
        (WhereNot(operand=UNKNOWN_PART), None),
        (WhereNot(operand=FALSE_PART), True),
    ],
)
def test_kleene_logic(restriction: Any, expected: bool | None) -> None:
    assert restriction_truth(restriction, {"f": "x"}, UTC) is expected


def test_profile_path_is_a_model_field_else_an_attribute() -> None:
    contacts = (Contact(id="ab", name=None, attributes={"name": "Ann", "city": "Oslo"}),)
    here = World(contacts=contacts)
    by_name = ProfileCondition(comparison=Comparison(field="name", operator="is null"))
    upper_id = Comparison(field="id", operator="=", value=TEXT(value="AB"))
    by_id = ProfileCondition(comparison=upper_id)
    assert reference_evaluate(by_name, here, now=NOW) == {"ab"}
    assert reference_evaluate(by_id, here, now=NOW) == {"ab"}
    assert reference_evaluate(city("=", OSLO), here, now=NOW) == {"ab"}


# --- segments -------------------------------------------------------------------------------------


def test_static_segment_is_its_existing_members() -> None:
    static = Segment(name="Static", members=["a", "gone"])
    assert run(SegmentReference(name="Static"), segments=(static,)) == {"a"}


def test_dynamic_segment_is_evaluated_at_the_same_now() -> None:
    recent = Segment(name="Recent", query="Visit in last 1 hour")
    record = visit(1, "b", NOW - timedelta(minutes=30))
    assert run(SegmentReference(name="Recent"), record, segments=(recent,)) == {"b"}
    later = NOW + timedelta(hours=1)
    assert run(SegmentReference(name="Recent"), record, now=later, segments=(recent,)) == set()


def test_a_segment_cycle_is_an_error_naming_it() -> None:
    loop = (Segment(name="A", query="segment B"), Segment(name="B", query="segment A"))
    with pytest.raises(SegmentCycleError) as caught:
        run(SegmentReference(name="A"), segments=loop)
    assert caught.value.cycle == ["A", "B", "A"]


def test_fixed_offset_timezone_is_accepted() -> None:
    plus_two = timezone(timedelta(hours=2))
    record = visit(1, "a", datetime(2026, 3, 1, 22, 30, tzinfo=UTC))  # March 2nd at +02:00
    query = visits(window=Since(point=DateLiteral(value=date(2026, 3, 2))))
    assert run(query, record, tz=plus_two) == {"a"}


# --- the hand-computed case table of test_evaluate.py ---------------------------------------

DATA = Path(__file__).parents[1] / "data"
CASES = json.loads((DATA / "evaluate_cases.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def edge_repository() -> Any:
    return load_repository(DATA / "edge_dataset.jsonl")


VALID_CASES = [case for case in CASES["cases"] if "error" not in case]


@pytest.mark.parametrize("case", VALID_CASES, ids=[str(c["query"]) for c in VALID_CASES])
def test_reference_agrees_with_the_hand_computed_table(edge_repository: Any, case: Any) -> None:
    now = datetime.fromisoformat(case.get("now", CASES["default_now"]))
    result = reference_evaluate(
        parse(case["query"]), edge_repository, now=now, tz=case.get("tz", "UTC")
    )
    assert result == frozenset(case["expected"]), case.get("note", "")

"""check_structure, check_names and referenced_segments.

Structural rules are tested on hand-built trees (no positions, no parser)
and through parse (which runs check_structure, so errors carry positions).
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from segmentkit.errors import QueryValidationError
from segmentkit.language.ast import (
    MAX_DEPTH,
    Ago,
    AllContacts,
    Before,
    Between,
    Comparison,
    Count,
    DateLiteral,
    DateTimeLiteral,
    InLast,
    InteractionCondition,
    ListLiteral,
    Not,
    NullLiteral,
    NumberLiteral,
    Query,
    SegmentReference,
    Since,
    StringLiteral,
    WhereNot,
)
from segmentkit.language.check import check_structure
from segmentkit.language.names import check_names, referenced_segments
from segmentkit.language.parse import parse
from segmentkit.models.records import InteractionType, Segment


def E(**clauses: object) -> InteractionCondition:
    return InteractionCondition(type="E", **clauses)


def refused(query: Query, text: str | None = None) -> QueryValidationError:
    with pytest.raises(QueryValidationError) as info:
        check_structure(query, text=text)
    return info.value


def refused_text(text: str) -> QueryValidationError:
    with pytest.raises(QueryValidationError) as info:
        parse(text)
    return info.value


# --- counts and amounts --------------------------------------------------------------------


@pytest.mark.parametrize(
    "count",
    [
        Count(operator="at least", value=-1),
        Count(operator="at most", value=-5),
        Count(operator="exactly", value=-1),
        Count(operator="between", value=-1, upper=3),
        Count(operator="between", value=0, upper=-3),
    ],
)
def test_negative_counts_are_refused(count: Count) -> None:
    error = refused(E(count=count))
    assert "negative" in error.problem
    assert error.line is None  # a hand-built tree has no positions


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("E at least -1 times", 12),
        ("E between 1 and -2 times", 17),
        ("E in last -3 days", 11),
        ("E since -2 weeks ago", 9),
        ("E between -1 days ago and 2026-01-01", 11),
    ],
)
def test_negative_numbers_are_refused_at_the_number(text: str, column: int) -> None:
    error = refused_text(text)
    assert (error.line, error.column) == (1, column)
    assert error.text == text


def test_zero_counts_and_amounts_are_fine() -> None:
    query = E(count=Count(operator="exactly", value=0), window=InLast(amount=0, unit="day"))
    check_structure(query)


def test_between_with_the_larger_number_first_is_refused() -> None:
    error = refused_text("E between 5 and 2 times")
    assert (error.line, error.column) == (1, 11)
    assert "between 2 and 5 times" in str(error)


def test_between_with_equal_numbers_is_fine() -> None:
    check_structure(E(count=Count(operator="between", value=2, upper=2)))


# --- windows -----------------------------------------------------------------------------


def day(text: str) -> DateLiteral:
    return DateLiteral(value=date.fromisoformat(text))


def instant(text: str) -> DateTimeLiteral:
    return DateTimeLiteral(value=datetime.fromisoformat(text))


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (day("2026-01-05"), day("2026-01-03")),
        (instant("2026-01-05T10:00"), instant("2026-01-05T09:59")),
        (instant("2026-01-05T10:00+00:00"), instant("2026-01-05T11:59+02:00")),
        (day("2026-01-05"), instant("2026-01-04T23:00")),
        (instant("2026-01-06T00:00:01"), day("2026-01-05")),
        # An offset on one side only: refused when no time zone could save it.
        (day("2026-01-10"), instant("2026-01-08T00:00+00:00")),
        (instant("2026-01-10T00:00+14:00"), day("2026-01-07")),
    ],
)
def test_absolute_windows_that_end_before_they_start_are_refused(
    start: DateLiteral | DateTimeLiteral, end: DateLiteral | DateTimeLiteral
) -> None:
    error = refused(E(window=Between(start=start, end=end)))
    assert "later than its end" in error.problem


@pytest.mark.parametrize(
    ("start", "end"),
    [
        # An end DATE includes its whole day: q' is the next midnight.
        (day("2026-01-05"), day("2026-01-05")),
        (day("2026-01-06"), day("2026-01-05")),  # empty window, allowed
        (instant("2026-01-05T23:59"), day("2026-01-05")),
        (instant("2026-01-06T00:00"), day("2026-01-05")),
        (instant("2026-01-05T10:00"), instant("2026-01-05T10:00")),
        (instant("2026-01-05T12:00+02:00"), instant("2026-01-05T10:00+00:00")),
        # Mixed naive/aware within a day of each other: the order depends on tz.
        (day("2026-01-06"), instant("2026-01-05T12:00+00:00")),
        (instant("2026-01-06T10:00+00:00"), day("2026-01-05")),
        (day("9999-12-31"), day("9999-12-31")),
    ],
)
def test_windows_that_may_be_in_order_are_left_alone(
    start: DateLiteral | DateTimeLiteral, end: DateLiteral | DateTimeLiteral
) -> None:
    check_structure(E(window=Between(start=start, end=end)))


def test_relative_windows_are_left_to_evaluation() -> None:
    inverted = Between(start=Ago(amount=1, unit="day"), end=Ago(amount=9, unit="day"))
    check_structure(E(window=inverted))
    check_structure(E(window=Between(start=day("2999-01-01"), end=Ago(amount=1, unit="day"))))


def test_an_inverted_window_is_refused_at_its_start() -> None:
    error = refused_text("E\n  between 2026-02-01 and 2026-01-01")
    assert (error.line, error.column) == (2, 11)


def test_since_and_before_take_any_point() -> None:
    check_structure(E(window=Since(point=day("2026-01-01"))))
    check_structure(E(window=Before(point=instant("2026-01-01T00:00+01:00"))))


# --- null and lists ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "fix"),
    [("=", "is null"), ("!=", "is not null"), ("contains", "is null"), ("<", "is null")],
)
def test_null_outside_is_null_is_refused_and_says_what_to_write(operator: str, fix: str) -> None:
    query = E(where=Comparison(field="city", operator=operator, value=NullLiteral()))
    error = refused(query)
    assert f"city {fix}" in str(error)
    assert error.word == "null"


def test_null_in_a_profile_condition_is_refused_at_the_null() -> None:
    error = refused_text("all and contact.city = null")
    assert (error.line, error.column) == (1, 24)
    assert "is null" in str(error)


def test_is_null_is_fine() -> None:
    check_structure(parse("contact.city is null or contact.city is not null"))


def test_a_list_with_null_is_refused() -> None:
    error = refused_text('E where a in ["x", null]')
    assert (error.line, error.column) == (1, 20)
    assert "is null" in str(error)


@pytest.mark.parametrize(
    "items",
    [
        (NumberLiteral(value=1), StringLiteral(value="1")),
        (StringLiteral(value="a"), NumberLiteral(value=1)),
        (DateLiteral(value=date(2026, 1, 1)), DateTimeLiteral(value=datetime(2026, 1, 1))),
        (NumberLiteral(value=1), DateLiteral(value=date(2026, 1, 1))),
    ],
)
def test_a_list_of_mixed_kinds_is_refused(items: tuple[object, ...]) -> None:
    query = E(where=Comparison(field="a", operator="in", value=ListLiteral(items=items)))
    assert "one kind" in refused(query).problem


def test_ints_and_floats_are_one_kind() -> None:
    check_structure(parse("E where a in [1, 2.5, 3e2]"))


def test_the_mixed_item_is_pointed_at() -> None:
    error = refused_text('E where a not in [1, 2, "3"]')
    assert (error.line, error.column) == (1, 25)


# --- depth --------------------------------------------------------------------------------


def nested_nots(levels: int) -> Query:
    query: Query = AllContacts()
    for _ in range(levels):
        query = Not(operand=query)
    return query


def test_the_deepest_allowed_query_passes() -> None:
    check_structure(nested_nots(MAX_DEPTH - 1))


def test_a_query_deeper_than_max_depth_is_refused() -> None:
    assert "nested" in refused(nested_nots(MAX_DEPTH)).problem


def test_a_very_deep_query_is_refused_without_recursion() -> None:
    assert "nested" in refused(nested_nots(20_000)).problem


def test_deep_restrictions_count_too() -> None:
    restriction: object = Comparison(field="a", operator="=", value=NumberLiteral(value=1))
    for _ in range(MAX_DEPTH):
        restriction = WhereNot(operand=restriction)
    refused(E(where=restriction))


# --- names ----------------------------------------------------------------------------------

TYPES = {
    "EmailOpened": InteractionType(name="EmailOpened", fields={"messageId": "text"}),
    "EmailClicked": InteractionType(
        name="EmailClicked", fields={"messageId": "text", "linkUrl": "text"}
    ),
    "EventRegistration": InteractionType(
        name="EventRegistration",
        fields={"eventId": "text", "attendeeId": "text", "registeredBy": "text"},
        contact_references=frozenset({"attendeeId", "registeredBy"}),
    ),
}
SEGMENTS = {
    "Engaged": Segment(name="Engaged", query="EmailOpened"),
    "NewLeads": Segment(name="NewLeads", members=["c1"]),
}


def names_refused(text: str) -> QueryValidationError:
    with pytest.raises(QueryValidationError) as info:
        check_names(parse(text), types=TYPES, segments=SEGMENTS, text=text)
    return info.value


def test_known_names_pass() -> None:
    text = (
        'EventRegistration via attendeeId where (eventId = "e1" or not eventId = "e2") '
        'and segment Engaged and not EmailClicked where linkUrl contains "x" '
        "and contact.anything_at_all = 1"
    )
    check_names(parse(text), types=TYPES, segments=SEGMENTS, text=text)


def test_an_unknown_type_names_the_word_and_suggests() -> None:
    error = names_refused("all and\n  EmailOpend at least 1 time")
    assert error.word == "EmailOpend"
    assert error.suggestions == ["EmailOpened"]
    assert (error.line, error.column) == (2, 3)
    assert "did you mean EmailOpened?" in str(error)


def test_suggestions_ignore_case() -> None:
    assert names_refused("emailopened").suggestions == ["EmailOpened"]


def test_an_unknown_where_field_is_refused_at_the_field() -> None:
    error = names_refused('EmailClicked where (messageId = "m" and linkUrll contains "x")')
    assert error.word == "linkUrll"
    assert error.suggestions == ["linkUrl"]
    assert (error.line, error.column) == (1, 41)


def test_a_via_field_the_type_does_not_declare() -> None:
    error = names_refused("EventRegistration via attendee")
    assert error.word == "attendee"
    assert error.suggestions == ["attendeeId"]
    assert (error.line, error.column) == (1, 23)


def test_a_via_field_that_is_not_a_contact_reference() -> None:
    error = names_refused("EventRegistration via eventId")
    assert error.word == "eventId"
    assert "contact" in error.problem
    assert set(error.suggestions) <= {"attendeeId", "registeredBy"} and error.suggestions


def test_an_unknown_segment_is_refused_at_its_name() -> None:
    error = names_refused("segment Engagd")
    assert error.word == "Engagd"
    assert error.suggestions == ["Engaged"]
    assert (error.line, error.column) == (1, 9)


def test_no_suggestion_when_nothing_is_close() -> None:
    assert names_refused("Zzzzzz").suggestions == []


def test_profile_paths_are_never_unknown() -> None:
    check_names(parse("contact.no_such_attribute = 1"), types=TYPES, segments=SEGMENTS)


def test_without_text_positions_still_come_from_the_nodes() -> None:
    with pytest.raises(QueryValidationError) as info:
        check_names(parse("all and Nope"), types=TYPES, segments=SEGMENTS)
    assert (info.value.line, info.value.column) == (1, 9)
    assert info.value.text is None


def test_hand_built_queries_are_checked_without_positions() -> None:
    with pytest.raises(QueryValidationError) as info:
        check_names(SegmentReference(name="Nope"), types=TYPES, segments=SEGMENTS)
    assert info.value.line is None


# --- referenced segments ------------------------------------------------------------------


def test_referenced_segments_are_distinct_and_in_order() -> None:
    query = parse("segment B or (segment A and not segment B) or EmailOpened or segment C")
    assert referenced_segments(query) == ["B", "A", "C"]


def test_no_segments_referenced() -> None:
    assert referenced_segments(parse("EmailOpened and all")) == []


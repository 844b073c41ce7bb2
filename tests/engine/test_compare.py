"""Three-valued comparisons (LANGUAGE.md "Comparisons and three-valued logic").

True = TRUE, False = FALSE, None = UNKNOWN.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ast_strategies import comparisons, scalar_literals
from segmentkit.engine.compare import (
    compare,
    kleene_and,
    kleene_not,
    kleene_or,
    profile_value,
    restriction_holds,
)
from segmentkit.language.ast import (
    BooleanLiteral,
    Comparison,
    ComparisonOperator,
    DateLiteral,
    DateTimeLiteral,
    ListLiteral,
    NullLiteral,
    NumberLiteral,
    StringLiteral,
    WhereAnd,
    WhereNot,
    WhereOr,
)
from segmentkit.models.records import Contact

CPH = ZoneInfo("Europe/Copenhagen")


def literal(value: Any) -> Any:
    """The literal node for a Python value (a list becomes a list literal)."""
    if isinstance(value, list):
        return ListLiteral(items=tuple(literal(item) for item in value))
    if value is None:
        return NullLiteral()
    if isinstance(value, bool):
        return BooleanLiteral(value=value)
    if isinstance(value, (int, float)):
        return NumberLiteral(value=value)
    if isinstance(value, str):
        return StringLiteral(value=value)
    if isinstance(value, datetime):
        return DateTimeLiteral(value=value)
    return DateLiteral(value=value)


def comparison(op: ComparisonOperator, value: Any = None, field: str = "f") -> Comparison:
    if op in ("is null", "is not null"):
        return Comparison(field=field, operator=op)
    return Comparison(field=field, operator=op, value=literal(value))


def check(value: Any, op: ComparisonOperator, lit: Any = None, tz: Any = UTC) -> bool | None:
    return compare(value, comparison(op, lit), tz=tz)


# --- null and missing ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "lit"),
    [
        ("=", "a"),
        ("!=", "a"),
        ("<", 1),
        (">=", date(2026, 1, 1)),
        ("in", ["a"]),
        ("not in", ["a"]),
        ("contains", "a"),
        ("starts with", "a"),
        ("ends with", "a"),
        ("=", True),
    ],
)
def test_null_makes_every_comparison_unknown(op: ComparisonOperator, lit: Any) -> None:
    assert check(None, op, lit) is None


def test_is_null_and_is_not_null_are_never_unknown() -> None:
    assert check(None, "is null") is True
    assert check(None, "is not null") is False
    assert check("", "is null") is False
    assert check(0, "is not null") is True
    assert check(False, "is null") is False


def test_a_missing_field_in_a_restriction_is_null() -> None:
    assert restriction_holds(comparison("=", "x"), {}, tz=UTC) is None
    assert restriction_holds(comparison("is null"), {}, tz=UTC) is True


def test_a_null_literal_compares_unknown_if_it_ever_gets_this_far() -> None:
    # The checker refuses `= null`; the comparison itself stays three-valued.
    assert check("a", "=", None) is None
    assert check(["a"], "contains", None) is None


# --- kinds ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "lit"),
    [
        ("1", 1),
        (1, "1"),
        (True, 1),
        (1, True),
        (0, False),
        ("2026-01-01", date(2026, 1, 1)),
        (date(2026, 1, 1), "2026-01-01"),
        (1, date(2026, 1, 1)),
        (True, "true"),
        (datetime(2026, 1, 1, tzinfo=UTC), 5),
    ],
)
@pytest.mark.parametrize("op", ["=", "!=", "<", ">="])
def test_values_of_different_kinds_compare_unknown(
    value: Any, lit: Any, op: ComparisonOperator
) -> None:
    assert check(value, op, lit) is None


# --- text ---------------------------------------------------------------------------------


def test_text_equality_is_case_insensitive() -> None:
    assert check("Oslo", "=", "OSLO") is True
    assert check("Oslo", "!=", "oslo") is False
    assert check("Oslo", "!=", "Bergen") is True


def test_text_is_casefolded_not_just_lowercased() -> None:
    assert check("straße", "=", "STRASSE") is True
    assert check("STRASSE", "=", "straße") is True
    assert check("ΣΊΣΥΦΟΣ", "=", "σίσυφος") is True


def test_turkish_dotless_i_is_not_folded_to_i() -> None:
    # casefold() has no locale: "I" folds to "i", "ı" stays "ı", "İ" to "i̇".
    assert check("ıstanbul", "=", "ISTANBUL") is False
    assert check("İstanbul", "=", "istanbul") is False
    assert check("İstanbul", "=", "İSTANBUL") is True


def test_text_orders_by_code_point_of_the_casefolded_strings() -> None:
    assert check("apple", "<", "Banana") is True  # "apple" < "banana"
    assert check("Zebra", "<", "apple") is False  # "zebra" > "apple"
    assert check("B", ">=", "b") is True
    assert check("Ä", ">", "z") is True  # U+00E4 after U+007A
    assert check("a", "<=", "a") is True
    assert check("ab", ">", "a") is True


def test_contains_on_text_is_a_casefolded_substring() -> None:
    assert check("https://x.com/Pricing/plans", "contains", "pricing") is True
    assert check("Großhandel", "contains", "SSH") is True
    assert check("demo", "contains", "pricing") is False
    assert check("anything", "contains", "") is True


def test_starts_with_and_ends_with_are_casefolded() -> None:
    assert check("Anna@Contoso.COM", "ends with", "@contoso.com") is True
    assert check("Anna@Contoso.COM", "starts with", "ANNA") is True
    assert check("Anna@Contoso.COM", "starts with", "@contoso") is False
    assert check("Maße", "ends with", "SSE") is True


def test_contains_with_a_non_text_literal_on_text_is_unknown() -> None:
    assert check("123", "contains", 1) is None


@pytest.mark.parametrize(
    "value", [123, 1.5, True, date(2026, 1, 1), datetime(2026, 1, 1, tzinfo=UTC)]
)
def test_contains_starts_ends_on_non_text_scalars_are_unknown(value: Any) -> None:
    assert check(value, "contains", "1") is None
    assert check(value, "contains", 1) is None
    assert check(value, "starts with", "1") is None
    assert check(value, "ends with", "1") is None


# --- numbers and booleans ----------------------------------------------------------------


def test_numbers_compare_numerically_across_int_and_float() -> None:
    assert check(1, "=", 1.0) is True
    assert check(1.0, "=", 1) is True
    assert check(2, "<", 2.5) is True
    assert check(-0.0, "=", 0) is True
    assert check(10, ">=", 9) is True
    assert check(10, "<", 9) is False


def test_large_integers_compare_exactly_not_through_floats() -> None:
    assert check(2**53 + 1, "=", float(2**53)) is False
    assert check(2**53 + 1, ">", float(2**53)) is True


def test_booleans_support_only_equality() -> None:
    assert check(True, "=", True) is True
    assert check(True, "!=", False) is True
    assert check(False, "=", True) is False
    for op in ("<", "<=", ">", ">="):
        assert check(True, op, False) is None


# --- dates and datetimes ---------------------------------------------------------------


def test_date_literal_against_a_datetime_value_uses_its_calendar_date_in_tz() -> None:
    late_evening_utc = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)  # 00:30 on 03-29 in Copenhagen
    assert check(late_evening_utc, "=", date(2026, 3, 29), tz=CPH) is True
    assert check(late_evening_utc, "=", date(2026, 3, 29), tz=UTC) is False
    assert check(late_evening_utc, "<", date(2026, 3, 29), tz=UTC) is True
    assert check(late_evening_utc, ">=", date(2026, 3, 29), tz=CPH) is True


def test_datetime_literal_against_a_date_value_uses_midnight_in_tz() -> None:
    day = date(2026, 3, 29)
    assert check(day, "=", datetime(2026, 3, 28, 23, 0, tzinfo=UTC), tz=CPH) is True
    assert check(day, "=", datetime(2026, 3, 29, 0, 0), tz=CPH) is True  # naive: in tz
    assert check(day, "<", datetime(2026, 3, 29, 0, 0, 0, 1), tz=CPH) is True
    assert check(day, ">", datetime(2026, 3, 28, 22, 59, 59, 999999, tzinfo=UTC), tz=CPH) is True


def test_dates_compare_directly() -> None:
    assert check(date(2026, 1, 31), "<", date(2026, 2, 1)) is True
    assert check(date(2026, 1, 31), "=", date(2026, 1, 31), tz=CPH) is True


def test_datetimes_compare_as_instants() -> None:
    value = datetime(2026, 7, 1, 10, 0, tzinfo=timezone(timedelta(hours=2)))
    assert check(value, "=", datetime(2026, 7, 1, 8, 0, tzinfo=UTC)) is True
    assert check(value, "=", datetime(2026, 7, 1, 10, 0), tz=CPH) is True  # naive: in tz
    assert check(value, "=", datetime(2026, 7, 1, 10, 0), tz=UTC) is False
    assert check(value, "<", datetime(2026, 7, 1, 8, 0, 0, 1, tzinfo=UTC)) is True


def test_datetimes_in_the_dst_fold_compare_by_instant_not_wall_clock() -> None:
    second_half_past_two = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=CPH)  # 01:30 UTC
    naive_literal = datetime(2026, 10, 25, 2, 30)  # fold=0: 00:30 UTC
    assert check(second_half_past_two, ">", naive_literal, tz=CPH) is True
    assert check(second_half_past_two, "=", naive_literal, tz=CPH) is False


def test_extreme_datetimes_compare_without_overflow() -> None:
    latest = datetime(9999, 12, 31, 23, 30, tzinfo=UTC)  # 10000-01-01 in Copenhagen
    assert check(latest, ">", date(9999, 12, 31), tz=CPH) is True
    earliest = datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=5)))
    assert check(earliest, "<", date(1, 1, 1), tz=UTC) is True


# --- lists ---------------------------------------------------------------------------------


def test_list_contains_is_the_or_of_element_equality() -> None:
    assert check(["vip", "Beta"], "contains", "BETA") is True
    assert check(["vip", "beta"], "contains", "alpha") is False
    assert check([1, 2.0], "contains", 2) is True
    assert check(["straße"], "contains", "STRASSE") is True


def test_list_contains_on_an_empty_list_is_false() -> None:
    assert check([], "contains", "x") is False


def test_list_contains_with_a_null_element_and_no_match_is_unknown() -> None:
    assert check(["a", None], "contains", "b") is None
    assert check(["a", None], "contains", "A") is True


def test_list_contains_element_of_another_kind_is_unknown() -> None:
    assert check([1, 2], "contains", "1") is None
    assert check(["a", 1], "contains", "a") is True


def test_list_contains_is_element_equality_not_substring() -> None:
    assert check(["newsletter"], "contains", "news") is False


def test_list_is_null_and_is_not_null() -> None:
    assert check([], "is null") is False
    assert check([], "is not null") is True
    assert check(["a"], "is not null") is True


@pytest.mark.parametrize(
    ("op", "lit"),
    [
        ("=", "a"),
        ("!=", "a"),
        ("<", "a"),
        ("in", ["a"]),
        ("not in", ["a"]),
        ("starts with", "a"),
        ("ends with", "a"),
    ],
)
def test_every_other_operator_on_a_list_value_is_unknown(op: ComparisonOperator, lit: Any) -> None:
    assert check(["a"], op, lit) is None
    assert check([], op, lit) is None


# --- in / not in -------------------------------------------------------------------------


def test_in_is_the_or_of_equality() -> None:
    assert check("DK", "in", ["dk", "se"]) is True
    assert check("NO", "in", ["dk", "se"]) is False
    assert check(2, "in", [1, 2.0]) is True


def test_not_in_is_the_negation_of_in() -> None:
    assert check("DK", "not in", ["dk", "se"]) is False
    assert check("NO", "not in", ["dk", "se"]) is True


def test_in_against_a_list_of_another_kind_is_unknown_and_so_is_not_in() -> None:
    assert check("1", "in", [1, 2]) is None
    assert check("1", "not in", [1, 2]) is None


def test_in_an_empty_list_is_false_and_not_in_it_true() -> None:
    assert check("a", "in", []) is False
    assert check("a", "not in", []) is True


def test_in_with_dates_follows_the_date_rules() -> None:
    value = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)
    assert check(value, "in", [date(2026, 3, 29)], tz=CPH) is True
    assert check(value, "in", [date(2026, 3, 29)], tz=UTC) is False


# --- Kleene logic ----------------------------------------------------------------------------

T, F, U = True, False, None


@pytest.mark.parametrize(
    ("left", "right", "conjunction", "disjunction"),
    [
        (T, T, T, T),
        (T, F, F, T),
        (T, U, U, T),
        (F, F, F, F),
        (F, U, F, U),
        (U, U, U, U),
    ],
)
def test_kleene_truth_tables(
    left: bool | None, right: bool | None, conjunction: bool | None, disjunction: bool | None
) -> None:
    assert kleene_and([left, right]) is conjunction
    assert kleene_and([right, left]) is conjunction
    assert kleene_or([left, right]) is disjunction
    assert kleene_or([right, left]) is disjunction


def test_kleene_not_keeps_unknown() -> None:
    assert kleene_not(True) is False
    assert kleene_not(False) is True
    assert kleene_not(None) is None


def test_restrictions_combine_with_kleene_logic() -> None:
    is_a = comparison("=", "a", field="x")
    is_one = comparison("=", 1, field="y")
    props = {"x": "A"}  # y missing: UNKNOWN
    assert restriction_holds(WhereAnd(operands=(is_a, is_one)), props, tz=UTC) is None
    assert restriction_holds(WhereOr(operands=(is_a, is_one)), props, tz=UTC) is True
    assert restriction_holds(WhereNot(operand=is_one), props, tz=UTC) is None
    props = {"x": "b"}
    assert restriction_holds(WhereAnd(operands=(is_a, is_one)), props, tz=UTC) is False
    assert restriction_holds(WhereOr(operands=(is_a, is_one)), props, tz=UTC) is None
    assert restriction_holds(WhereNot(operand=is_a), props, tz=UTC) is True


# --- profile paths ----------------------------------------------------------------------------


def test_profile_paths_name_model_fields_then_attributes() -> None:
    contact = Contact(
        id="C1",
        email="a@b.c",
        company_id="K1",
        attributes={"city": "Oslo", "email": "shadowed@x.y", "attributes": 1},
    )
    assert profile_value(contact, "email") == "a@b.c"
    assert profile_value(contact, "type") == "person"
    assert profile_value(contact, "company_id") == "K1"
    assert profile_value(contact, "name") is None
    assert profile_value(contact, "city") == "Oslo"
    assert profile_value(contact, "missing") is None
    # "attributes" is not a value of the contact, so it names an attribute key.
    assert profile_value(contact, "attributes") == 1


def test_a_contact_id_compares_as_case_insensitive_text() -> None:
    contact = Contact(id="Ab")
    assert check(profile_value(contact, "id"), "=", "aB") is True


# --- hostile values: every comparison answers, none raises ---------------------------

_scalars = st.one_of(
    st.none(),
    st.text(max_size=8),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(),
    st.datetimes(timezones=st.sampled_from([UTC, CPH, timezone(timedelta(hours=-14))])),
)
_values = st.one_of(_scalars, st.lists(_scalars, max_size=4))


@settings(max_examples=200, deadline=None)
@given(value=_values, comparison=comparisons, zone=st.sampled_from([UTC, CPH]))
def test_any_value_against_any_comparison_is_true_false_or_unknown(
    value: Any, comparison: Comparison, zone: Any
) -> None:
    now = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # for N units ago literals
    assert compare(value, comparison, tz=zone, now=now) in (True, False, None)
    negated = restriction_holds(WhereNot(operand=comparison), {"x": value}, tz=zone, now=now)
    assert negated in (True, False, None)


@settings(max_examples=200, deadline=None)
@given(value=_scalars.filter(lambda v: v is not None), lit=scalar_literals)
def test_equal_and_not_equal_are_each_others_negation(value: Any, lit: Any) -> None:
    equal = compare(value, Comparison(field="f", operator="=", value=lit), tz=CPH)
    unequal = compare(value, Comparison(field="f", operator="!=", value=lit), tz=CPH)
    assert unequal == kleene_not(equal)

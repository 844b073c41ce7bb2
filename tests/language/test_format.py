"""format(): one test per rule of LANGUAGE.md "Canonical text".

Trees are built by hand, so each rule is tested on the formatter alone; the
round-trip tests at the end (identity fixtures and properties) go through
the parser too.
"""

from __future__ import annotations

import contextlib
import functools
import re
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark
from lark import Lark

from ast_strategies import LANGUAGE_KEYWORDS, queries
from segmentkit.errors import InvalidArgumentError, QueryValidationError, SegmentKitError
from segmentkit.language import ast as ast_module
from segmentkit.language.ast import (
    MAX_DEPTH,
    Ago,
    AllContacts,
    And,
    AnyLiteral,
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
    Node,
    Not,
    NullLiteral,
    NumberLiteral,
    Or,
    ProfileCondition,
    Query,
    Restriction,
    SegmentReference,
    Since,
    StringLiteral,
    WhereAnd,
    WhereNot,
    WhereOr,
)
from segmentkit.language.format import KEYWORDS, Formatter, format
from segmentkit.language.parse import grammar_text, parse

STRING_LITERAL = re.compile(r'"(?:[^"\\]|\\.)*"')
IDENTITY_FILE = Path(__file__).parents[1] / "data" / "identity.txt"

# --- builders -------------------------------------------------------------------


def cmp(field: str, operator: str, value: AnyLiteral | None = None) -> Comparison:
    return Comparison(field=field, operator=operator, value=value)


def profile(field: str, operator: str, value: AnyLiteral | None = None) -> ProfileCondition:
    return ProfileCondition(comparison=cmp(field, operator, value))


def text(value: str) -> StringLiteral:
    return StringLiteral(value=value)


def num(value: int | float) -> NumberLiteral:
    return NumberLiteral(value=value)


def literal_text(literal: AnyLiteral) -> str:
    """How a literal prints, read off a profile condition `contact.x = literal`."""
    written = format(profile("x", "=", literal))
    assert written.startswith("contact.x = ")
    return written.removeprefix("contact.x = ")


def interaction(type_: str = "EmailOpened", **clauses: Any) -> InteractionCondition:
    return InteractionCondition(type=type_, **clauses)


A, B, C = (SegmentReference(name=name) for name in ("A", "B", "C"))


# --- keywords, clause order, spacing -----------------------------------------------


def test_every_clause_in_canonical_order_lowercase_single_spaced() -> None:
    query = InteractionCondition(
        window=InLast(amount=14, unit="day"),
        count=Count(operator="at least", value=3),
        where=cmp("linkUrl", "contains", text("pricing")),
        via="attendeeId",
        type="EmailClicked",
    )
    assert format(query) == (
        'EmailClicked via attendeeId where linkUrl contains "pricing" '
        "at least 3 times in last 14 days"
    )


def test_clause_order_is_via_where_count_window_for_each_subset() -> None:
    clauses: dict[str, Any] = {
        "via": "ref",
        "where": cmp("f", "=", num(1)),
        "count": Count(operator="exactly", value=2),
        "window": Since(point=DateLiteral(value=date(2026, 1, 1))),
    }
    words = {
        "via": "via ref",
        "where": "where f = 1",
        "count": "exactly 2 times",
        "window": "since 2026-01-01",
    }
    for mask in range(16):
        chosen = [name for bit, name in enumerate(clauses) if mask >> bit & 1]
        expected = " ".join(["T", *(words[name] for name in chosen)])
        assert format(interaction("T", **{name: clauses[name] for name in chosen})) == expected


def test_bare_interaction_prints_only_its_type() -> None:
    assert format(interaction("EmailOpened")) == "EmailOpened"


@given(queries)
def test_output_is_one_line_with_single_spaces(query: Query) -> None:
    written = format(query)
    outside_strings = STRING_LITERAL.sub('""', written)
    assert "\n" not in written
    assert "  " not in outside_strings
    assert written == written.strip()


def test_in_last_never_writes_the() -> None:
    assert format(interaction(window=InLast(amount=3, unit="week"))) == (
        "EmailOpened in last 3 weeks"
    )


# --- singular and plural ------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("at least", 1, "at least 1 time"),
        ("at least", 2, "at least 2 times"),
        ("at most", 0, "at most 0 times"),
        ("exactly", 0, "exactly 0 times"),
        ("exactly", 1, "exactly 1 time"),
        ("exactly", 11, "exactly 11 times"),
    ],
)
def test_count_noun_is_singular_only_after_one(operator: str, value: int, expected: str) -> None:
    count = Count(operator=operator, value=value)
    assert format(interaction("T", count=count)) == f"T {expected}"


@pytest.mark.parametrize(
    ("lower", "upper", "expected"),
    [
        (0, 1, "between 0 and 1 time"),
        (1, 1, "between 1 and 1 time"),
        (1, 2, "between 1 and 2 times"),
        (0, 0, "between 0 and 0 times"),
    ],
)
def test_between_count_noun_agrees_with_upper_bound(lower: int, upper: int, expected: str) -> None:
    count = Count(operator="between", value=lower, upper=upper)
    assert format(interaction("T", count=count)) == f"T {expected}"


@pytest.mark.parametrize("unit", ["minute", "hour", "day", "week", "month", "year"])
def test_units_singular_after_one_plural_otherwise(unit: str) -> None:
    def last(amount: int) -> str:
        return format(interaction("T", window=InLast(amount=amount, unit=unit)))

    def ago(amount: int) -> str:
        return format(interaction("T", window=Since(point=Ago(amount=amount, unit=unit))))

    assert last(1) == f"T in last 1 {unit}"
    assert last(0) == f"T in last 0 {unit}s"
    assert last(2) == f"T in last 2 {unit}s"
    assert ago(1) == f"T since 1 {unit} ago"
    assert ago(30) == f"T since 30 {unit}s ago"


# --- windows and points -----------------------------------------------------------


def test_window_kinds() -> None:
    day = DateLiteral(value=date(2026, 3, 1))
    instant = DateTimeLiteral(value=datetime(2026, 3, 1, 9, 30, tzinfo=UTC))
    assert format(interaction("T", window=Since(point=day))) == "T since 2026-03-01"
    assert format(interaction("T", window=Before(point=instant))) == (
        "T before 2026-03-01T09:30:00Z"
    )
    assert format(interaction("T", window=Between(start=Ago(amount=2, unit="day"), end=day))) == (
        "T between 2 days ago and 2026-03-01"
    )


def test_between_count_and_between_window_together() -> None:
    query = interaction(
        "T",
        count=Count(operator="between", value=2, upper=5),
        window=Between(start=Ago(amount=1, unit="month"), end=Ago(amount=1, unit="day")),
    )
    assert format(query) == "T between 2 and 5 times between 1 month ago and 1 day ago"


# --- parentheses ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (And(operands=(A, B, C)), "segment A and segment B and segment C"),
        (Or(operands=(A, B, C)), "segment A or segment B or segment C"),
        (Or(operands=(And(operands=(A, B)), C)), "segment A and segment B or segment C"),
        (Or(operands=(A, And(operands=(B, C)))), "segment A or segment B and segment C"),
        (And(operands=(Or(operands=(A, B)), C)), "(segment A or segment B) and segment C"),
        (And(operands=(A, Or(operands=(B, C)))), "segment A and (segment B or segment C)"),
        (Not(operand=And(operands=(A, B))), "not (segment A and segment B)"),
        (Not(operand=Or(operands=(A, B))), "not (segment A or segment B)"),
        (Not(operand=Not(operand=A)), "not not segment A"),
        (And(operands=(Not(operand=A), B)), "not segment A and segment B"),
        (Or(operands=(Not(operand=A), Not(operand=B))), "not segment A or not segment B"),
        (Not(operand=interaction("T", window=InLast(amount=1, unit="day"))), "not T in last 1 day"),
    ],
)
def test_parentheses_only_where_precedence_needs_them(query: Query, expected: str) -> None:
    assert format(query) == expected


@pytest.mark.parametrize(
    ("restriction", "expected"),
    [
        (cmp("a", "=", num(1)), "where a = 1"),
        (
            WhereAnd(operands=(cmp("a", "=", num(1)), cmp("b", "=", num(2)))),
            "where (a = 1 and b = 2)",
        ),
        (
            WhereOr(operands=(cmp("a", "=", num(1)), cmp("b", "=", num(2)))),
            "where (a = 1 or b = 2)",
        ),
        (WhereNot(operand=cmp("a", "=", num(1))), "where (not a = 1)"),
        (
            WhereAnd(
                operands=(
                    WhereOr(operands=(cmp("a", "is null"), cmp("b", "is null"))),
                    cmp("c", "is null"),
                )
            ),
            "where ((a is null or b is null) and c is null)",
        ),
        (
            WhereNot(operand=WhereAnd(operands=(cmp("a", "is null"), cmp("b", "is null")))),
            "where (not (a is null and b is null))",
        ),
        (WhereNot(operand=WhereNot(operand=cmp("a", "is null"))), "where (not not a is null)"),
    ],
)
def test_where_takes_one_comparison_or_a_parenthesised_restriction(
    restriction: Restriction, expected: str
) -> None:
    assert format(interaction("T", where=restriction)) == f"T {expected}"


def test_hand_made_nested_same_operator_keeps_its_shape() -> None:
    # Only model_construct can bypass the flattening validator; the text must
    # still describe that tree, not a different one.
    inner = And.model_construct(operands=(A, B))
    outer = And.model_construct(operands=(inner, C))
    assert format(outer) == "(segment A and segment B) and segment C"


# --- lists ------------------------------------------------------------------------------


def test_lists() -> None:
    strings = ListLiteral(items=(text("a"), text("b")))
    assert format(profile("x", "in", strings)) == 'contact.x in ["a", "b"]'
    assert format(profile("x", "not in", ListLiteral(items=()))) == "contact.x not in []"
    numbers = ListLiteral(items=(num(1), num(2.5)))
    assert format(profile("x", "in", numbers)) == "contact.x in [1, 2.5]"
    days = ListLiteral(items=(DateLiteral(value=date(2026, 1, 2)),))
    assert format(profile("x", "in", days)) == "contact.x in [2026-01-02]"


# --- backticks ----------------------------------------------------------------------


def test_formatter_keyword_list_is_the_languages() -> None:
    assert set(LANGUAGE_KEYWORDS) == KEYWORDS


@pytest.mark.parametrize("word", LANGUAGE_KEYWORDS)
def test_keyword_identifiers_are_backticked_in_every_name_position(word: str) -> None:
    quoted = f"`{word}`"
    assert format(SegmentReference(name=word)) == f"segment {quoted}"
    assert format(profile(word, "is null")) == f"contact.{quoted} is null"
    assert format(interaction(word, via=word, where=cmp(word, "is null"))) == (
        f"{quoted} via {quoted} where {quoted} is null"
    )


@pytest.mark.parametrize("name", ["Day", "DAYS", "days_", "_in", "contact_id", "x1", "Segment"])
def test_other_identifiers_are_never_backticked(name: str) -> None:
    assert format(SegmentReference(name=name)) == f"segment {name}"
    assert format(interaction(name, via=name)) == f"{name} via {name}"


# --- no comments ---------------------------------------------------------------------


def test_hash_stays_inside_its_string() -> None:
    assert literal_text(text("# not a comment")) == '"# not a comment"'


# --- strings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain", '"plain"'),
        ("", '""'),
        ('say "hi"', r'"say \"hi\""'),
        ("it's", '"it\'s"'),
        ("a\\b", r'"a\\b"'),
        ("line\nbreak", r'"line\nbreak"'),
        ("tab\there", r'"tab\there"'),
        ("cr\r", r'"cr\u000d"'),
        ("nul\x00", r'"nul\u0000"'),
        ("esc\x1b", r'"esc\u001b"'),
        ("del\x7f", r'"del\u007f"'),
        ("c1\x85\x9f", r'"c1\u0085\u009f"'),
        ("café", '"café"'),
        ("emoji 😀", '"emoji 😀"'),
        ("line sep\u2028", '"line sep\u2028"'),
        ("zero width\u200b", '"zero width\u200b"'),
    ],
)
def test_strings_double_quoted_escaping_only_quote_backslash_and_controls(
    value: str, expected: str
) -> None:
    assert literal_text(text(value)) == expected


def test_string_tails_take_strings() -> None:
    assert format(profile("email", "ends with", text("@contoso.com"))) == (
        'contact.email ends with "@contoso.com"'
    )
    assert format(profile("name", "starts with", text("Ann"))) == ('contact.name starts with "Ann"')


# --- numbers, booleans, null --------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (7, "7"),
        (0, "0"),
        (-12, "-12"),
        (10**30, "1" + "0" * 30),
        (0.5, "0.5"),
        (3.0, "3.0"),
        (-0.0, "-0.0"),
        (1e20, "1e+20"),
        (1.5e-3, "0.0015"),
        (1e-05, "1e-05"),
        (-2.5e300, "-2.5e+300"),
    ],
)
def test_integers_print_as_integers_and_floats_as_repr(value: int | float, expected: str) -> None:
    assert literal_text(num(value)) == expected


def test_integer_too_long_to_read_back_is_refused() -> None:
    # Python reads at most sys.get_int_max_str_digits() digits, and so does
    # the parser; writing more would give text that cannot be parsed.
    too_long = 10 ** (sys.get_int_max_str_digits() + 1)
    with pytest.raises(QueryValidationError, match="too large"):
        format(profile("x", "=", num(too_long)))
    longest = 10 ** (sys.get_int_max_str_digits() - 1)
    assert literal_text(num(longest)) == "1" + "0" * (sys.get_int_max_str_digits() - 1)


@pytest.mark.parametrize("value", ["\ud800", "a\udfffb", "\ud83d\ude00"])
def test_lone_surrogates_are_refused(value: str) -> None:
    with pytest.raises(QueryValidationError, match="character pair"):
        format(profile("x", "=", text(value)))


def test_booleans_and_null() -> None:
    assert literal_text(BooleanLiteral(value=True)) == "true"
    assert literal_text(BooleanLiteral(value=False)) == "false"
    assert literal_text(NullLiteral()) == "null"


# --- dates and datetimes ----------------------------------------------------------


def test_date_prints_iso_with_four_digit_year() -> None:
    assert literal_text(DateLiteral(value=date(2026, 2, 3))) == "2026-02-03"
    assert literal_text(DateLiteral(value=date(99, 1, 2))) == "0099-01-02"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2026, 5, 4, 3, 2), "2026-05-04T03:02:00"),
        (datetime(2026, 5, 4, 3, 2, 1, 500), "2026-05-04T03:02:01.000500"),
        (datetime(2026, 5, 4, tzinfo=UTC), "2026-05-04T00:00:00Z"),
        (datetime(2026, 5, 4, tzinfo=timezone(timedelta(0), "GMT")), "2026-05-04T00:00:00Z"),
        (
            datetime(2026, 5, 4, 9, tzinfo=timezone(timedelta(hours=5, minutes=30))),
            "2026-05-04T09:00:00+05:30",
        ),
        (
            datetime(2026, 5, 4, 9, tzinfo=timezone(timedelta(hours=-3))),
            "2026-05-04T09:00:00-03:00",
        ),
        (
            datetime(2026, 5, 4, 9, tzinfo=timezone(timedelta(hours=-23, minutes=-59))),
            "2026-05-04T09:00:00-23:59",
        ),
        (datetime(1, 1, 1, 0, 0, 0, 1), "0001-01-01T00:00:00.000001"),
    ],
)
def test_datetime_seconds_always_fraction_when_nonzero_then_offset(
    value: datetime, expected: str
) -> None:
    assert literal_text(DateTimeLiteral(value=value)) == expected


def test_offset_with_seconds_is_written_as_the_same_instant_in_utc() -> None:
    value = datetime(2026, 1, 1, 0, 0, 30, tzinfo=timezone(timedelta(seconds=30)))
    assert literal_text(DateTimeLiteral(value=value)) == "2026-01-01T00:00:00Z"


def test_offset_with_seconds_that_cannot_move_to_utc_is_a_validation_error() -> None:
    value = datetime(1, 1, 1, tzinfo=timezone(timedelta(seconds=30)))
    with pytest.raises(QueryValidationError):
        format(profile("x", "=", DateTimeLiteral(value=value)))


# --- comparison tails, atoms --------------------------------------------------------


@pytest.mark.parametrize(
    ("comparison", "expected"),
    [
        (cmp("city", "=", text("Oslo")), 'city = "Oslo"'),
        (cmp("city", "!=", text("Oslo")), 'city != "Oslo"'),
        (cmp("age", "<", num(3)), "age < 3"),
        (cmp("age", "<=", num(3)), "age <= 3"),
        (cmp("age", ">", num(3)), "age > 3"),
        (cmp("age", ">=", num(3)), "age >= 3"),
        (cmp("vip", "=", BooleanLiteral(value=True)), "vip = true"),
        (cmp("tag", "in", ListLiteral(items=(text("a"),))), 'tag in ["a"]'),
        (cmp("tag", "not in", ListLiteral(items=(text("a"),))), 'tag not in ["a"]'),
        (cmp("city", "is null"), "city is null"),
        (cmp("city", "is not null"), "city is not null"),
        (cmp("tags", "contains", text("vip")), 'tags contains "vip"'),
        (cmp("scores", "contains", num(5)), "scores contains 5"),
        (cmp("city", "starts with", text("O")), 'city starts with "O"'),
        (cmp("city", "ends with", text("o")), 'city ends with "o"'),
    ],
)
def test_comparison_tails_in_profile_and_where(comparison: Comparison, expected: str) -> None:
    assert format(ProfileCondition(comparison=comparison)) == f"contact.{expected}"
    assert format(interaction("T", where=comparison)) == f"T where {expected}"


def test_segment_reference_and_all() -> None:
    assert format(SegmentReference(name="Engaged")) == "segment Engaged"
    assert format(AllContacts()) == "all"


def test_python_operators_build_what_they_print() -> None:
    assert format((A | B) - C) == "(segment A or segment B) and not segment C"
    assert format(~(A & B)) == "not (segment A and segment B)"


def test_python_operators_work_on_the_v2_atoms() -> None:
    first = parse("first FormSubmitted in last 7 days")
    chain = parse("EmailClicked then FormSubmitted within 2 days")
    having = parse("Purchase having sum(amount) >= 100")
    assert format(first & ~chain) == (
        "first FormSubmitted in last 7 days and not EmailClicked then FormSubmitted "
        "within 2 days"
    )
    assert format(chain | having - first) == (
        "EmailClicked then FormSubmitted within 2 days or Purchase having sum(amount) >= 100 "
        "and not first FormSubmitted in last 7 days"
    )
    assert parse(format(first & ~chain)) == first & ~chain


# --- depth -------------------------------------------------------------------------------


def test_very_deep_hand_built_tree_is_a_validation_error_not_recursion_error() -> None:
    query: Query = AllContacts()
    for _ in range(5000):
        query = Not(operand=query)
    with pytest.raises(QueryValidationError, match="nests too deeply"):
        format(query)


def test_tree_at_the_depth_limit_formats() -> None:
    query: Query = AllContacts()
    for _ in range(MAX_DEPTH - 1):
        query = Not(operand=query)
    assert format(query) == "not " * (MAX_DEPTH - 1) + "all"


def test_text_instead_of_a_query_is_an_invalid_argument() -> None:
    with pytest.raises(InvalidArgumentError, match="parse"):
        format("EmailOpened")  # type: ignore[arg-type]


def test_unvalidated_name_cannot_smuggle_words_into_the_text() -> None:
    smuggled = SegmentReference.model_construct(name="A or all")
    with pytest.raises(QueryValidationError):
        format(smuggled)


def test_unvalidated_value_of_the_wrong_type_is_a_validation_error() -> None:
    broken = ProfileCondition(comparison=cmp("x", "=", text("a")))
    broken.comparison.value.__dict__["value"] = 5  # what model_construct could hold
    with pytest.raises(QueryValidationError):
        format(broken)


def test_every_node_kind_of_the_ast_has_a_rendering() -> None:
    node_classes = {
        value
        for value in vars(ast_module).values()
        if isinstance(value, type) and issubclass(value, Node) and value not in (Node, Query)
    }
    assert node_classes == set(Formatter.HANDLERS)


def test_a_subclass_overriding_one_rendering_is_obeyed() -> None:
    class ShoutingAll(Formatter):
        def all_contacts(self, node: AllContacts) -> str:
            return "ALL"

    assert ShoutingAll().query(Not(operand=AllContacts())) == "not ALL"


def test_node_without_a_rendering_is_a_validation_error() -> None:
    with pytest.raises(QueryValidationError):
        format(Query())


# --- round trip through the parser -------------------------------------------------------


def identity_lines() -> list[str]:
    lines = IDENTITY_FILE.read_text(encoding="utf-8").split("\n")
    return [line for line in lines if line]


@pytest.mark.parametrize("line", identity_lines())
def test_identity_fixture_formats_to_itself(line: str) -> None:
    parsed = parse(line)
    assert format(parsed) == line
    assert parse(format(parsed)) == parsed


@given(queries)
def test_parse_of_format_is_the_query(query: Query) -> None:
    assert parse(format(query)) == query


@given(queries)
def test_formatting_is_idempotent(query: Query) -> None:
    written = format(query)
    assert format(parse(written)) == written


def _parenthesis_pairs(written: str) -> list[tuple[int, int]]:
    """Positions of matching ( ) outside quoted text."""
    masked = STRING_LITERAL.sub(lambda match: "_" * len(match.group()), written)
    pairs, opened = [], []
    for position, char in enumerate(masked):
        if char == "(":
            opened.append(position)
        elif char == ")":
            pairs.append((opened.pop(), position))
    return pairs


@given(queries)
def test_every_parenthesis_pair_is_needed(query: Query) -> None:
    written = format(query)
    for start, end in _parenthesis_pairs(written):
        without = written[:start] + written[start + 1 : end] + written[end + 1 :]
        # Without a needed pair the text either means something else or does
        # not parse at all.
        with contextlib.suppress(SegmentKitError):
            assert parse(without) != query, f"needless parentheses in {written!r}"


@functools.cache
def _grammar_texts() -> st.SearchStrategy[str]:
    """Texts the real grammar derives (hypothesis.extra.lark), words spaced apart.

    Every terminal gets a space on each side so that adjacent words do not
    run together; many texts still fail the parser's later checks (dates that
    do not exist, inverted ranges) and are skipped.
    """
    lark = Lark(grammar_text(), parser="lalr", lexer="basic", start="query")
    spaced = {
        terminal.name: st.from_regex(terminal.pattern.to_regexp(), fullmatch=True).map(
            lambda word: f" {word} "
        )
        for terminal in lark.terminals
        if terminal.name not in ("COMMENT", "WHITESPACE")
    }
    return from_lark(lark, start="query", explicit=spaced)


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.data())
def test_texts_from_the_grammar_format_to_a_fixed_point(data: st.DataObject) -> None:
    written = data.draw(_grammar_texts())
    try:
        query = parse(written)
    except SegmentKitError:
        return  # grammatical but refused (e.g. 2026-02-30): nothing to format
    canonical = format(query)
    assert parse(canonical) == query
    assert format(parse(canonical)) == canonical

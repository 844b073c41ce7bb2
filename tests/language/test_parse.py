"""parse(): one test per rule of LANGUAGE.md "Structure", its errors, and hostile input.

Malformed queries with their expected error class and position live in
``tests/data/malformed_queries.txt``; valid ones in ``tests/data/valid_queries.txt``.
"""

from __future__ import annotations

import importlib.resources
import itertools
import json
import threading
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import segmentkit.settings
from segmentkit.errors import (
    InvalidArgumentError,
    QuerySyntaxError,
    QueryValidationError,
    SegmentKitError,
)
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
    NullLiteral,
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
from segmentkit.language.parse import grammar_text, parse

DATA = Path(__file__).parents[1] / "data"
ROOT = Path(__file__).parents[2]

# LANGUAGE.md "Structure": every lowercase word of the grammar is reserved.
KEYWORDS = [
    *("and", "or", "not", "where", "via", "at", "least", "most", "exactly", "between"),
    *("time", "times", "in", "the", "last", "since", "before", "ago", "segment", "contact"),
    *("all", "true", "false", "null", "is", "contains", "starts", "ends", "with"),
    *("minute", "minutes", "hour", "hours", "day", "days", "week", "weeks"),
    *("month", "months", "year", "years"),
    # LANGUAGE.md "Version 2": new reserved words.
    *("like", "of", "having", "first", "then", "within"),
]


def E(**clauses: object) -> InteractionCondition:
    return InteractionCondition(type="E", **clauses)


def cmp(field: str, operator: str, value: object = None) -> Comparison:
    return Comparison(field=field, operator=operator, value=value)


def num(value: int | float) -> NumberLiteral:
    return NumberLiteral(value=value)


def where_of(text: str) -> object:
    query = parse(f"E where {text}")
    assert isinstance(query, InteractionCondition)
    return query.where


def literal_of(text: str) -> object:
    comparison = where_of(f"a = {text}")
    assert isinstance(comparison, Comparison)
    return comparison.value


def syntax_error(text: str) -> QuerySyntaxError:
    with pytest.raises(QuerySyntaxError) as info:
        parse(text)
    return info.value


def data_lines(name: str) -> list[str]:
    lines = (DATA / name).read_text(encoding="utf-8").split("\n")
    return [line for line in lines if line.strip() and not line.startswith("#")]


# --- atoms ------------------------------------------------------------------------------


def test_all_is_the_all_contacts_atom() -> None:
    assert parse("all") == AllContacts()


def test_segment_reference_names_a_segment() -> None:
    assert parse("segment NewLeads") == SegmentReference(name="NewLeads")


def test_a_bare_type_is_an_interaction_condition_without_clauses() -> None:
    assert parse("EmailOpened") == InteractionCondition(type="EmailOpened")


def test_identifiers_are_case_sensitive() -> None:
    assert parse("emailOpened") == InteractionCondition(type="emailOpened")
    assert parse("emailOpened") != parse("EmailOpened")


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        ('= "Oslo"', cmp("city", "=", StringLiteral(value="Oslo"))),
        ("!= 1", cmp("city", "!=", num(1))),
        ("< 1", cmp("city", "<", num(1))),
        ("<= 1", cmp("city", "<=", num(1))),
        ("> 1", cmp("city", ">", num(1))),
        (">= 1", cmp("city", ">=", num(1))),
        ('in ["a"]', cmp("city", "in", ListLiteral(items=(StringLiteral(value="a"),)))),
        ("not in [1]", cmp("city", "not in", ListLiteral(items=(num(1),)))),
        ("is null", cmp("city", "is null")),
        ("is not null", cmp("city", "is not null")),
        ('contains "o"', cmp("city", "contains", StringLiteral(value="o"))),
        ("contains 3", cmp("city", "contains", num(3))),
        ('starts with "O"', cmp("city", "starts with", StringLiteral(value="O"))),
        ("ends with 'o'", cmp("city", "ends with", StringLiteral(value="o"))),
    ],
)
def test_profile_condition_takes_every_comparison_tail(tail: str, expected: Comparison) -> None:
    assert parse(f"contact.city {tail}") == ProfileCondition(comparison=expected)
    assert where_of(f"city {tail}") == expected


def test_contact_path_allows_spaces_around_the_dot() -> None:
    assert parse("contact . city = 1") == parse("contact.city = 1")


def test_contact_path_is_one_identifier() -> None:
    error = syntax_error('contact.city.town = "x"')
    assert (error.line, error.column) == (1, 13)


# --- interaction clauses ----------------------------------------------------------------


def test_via_names_the_contact_reference_field() -> None:
    assert parse("E via attendeeId") == E(via="attendeeId")


def test_where_takes_one_comparison() -> None:
    assert parse("E where a = 1") == E(where=cmp("a", "=", num(1)))


def test_where_takes_a_parenthesised_restriction() -> None:
    expected = E(where=WhereAnd(operands=(cmp("a", "=", num(1)), cmp("b", "=", num(2)))))
    assert parse("E where (a = 1 and b = 2)") == expected


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("at least 3 times", Count(operator="at least", value=3)),
        ("at least 1 time", Count(operator="at least", value=1)),
        ("at least 3 time", Count(operator="at least", value=3)),
        ("at most 0 times", Count(operator="at most", value=0)),
        ("exactly 1 time", Count(operator="exactly", value=1)),
        ("exactly +2 times", Count(operator="exactly", value=2)),
        ("between 2 and 5 times", Count(operator="between", value=2, upper=5)),
        ("between 0 and 0 times", Count(operator="between", value=0, upper=0)),
    ],
)
def test_every_count_form(text: str, count: Count) -> None:
    assert parse(f"E {text}") == E(count=count)


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("in last 14 days", InLast(amount=14, unit="day")),
        ("in the last 14 days", InLast(amount=14, unit="day")),
        ("in last 0 minutes", InLast(amount=0, unit="minute")),
        ("since 2026-01-01", Since(point=DateLiteral(value=date(2026, 1, 1)))),
        ("since 3 days ago", Since(point=Ago(amount=3, unit="day"))),
        (
            "before 2026-01-01T09:30Z",
            Before(point=DateTimeLiteral(value=datetime(2026, 1, 1, 9, 30, tzinfo=UTC))),
        ),
        (
            "between 2026-01-01 and 2026-01-31",
            Between(
                start=DateLiteral(value=date(2026, 1, 1)), end=DateLiteral(value=date(2026, 1, 31))
            ),
        ),
        (
            "between 7 days ago and 1 day ago",
            Between(start=Ago(amount=7, unit="day"), end=Ago(amount=1, unit="day")),
        ),
    ],
)
def test_every_window_form(text: str, window: object) -> None:
    assert parse(f"E {text}") == E(window=window)


@pytest.mark.parametrize(
    ("word", "unit"),
    [(word, word.removesuffix("s")) for word in KEYWORDS if word.rstrip("s") in
     ("minute", "hour", "day", "week", "month", "year")],
)
def test_units_accept_singular_and_plural_and_store_the_singular(word: str, unit: str) -> None:
    assert parse(f"E in last 2 {word}") == E(window=InLast(amount=2, unit=unit))
    assert parse(f"E since 2 {word} ago") == E(window=Since(point=Ago(amount=2, unit=unit)))


def test_between_count_and_between_window_in_one_condition() -> None:
    query = parse("E between 1 and 2 times between 3 days ago and 2026-01-01")
    assert query == E(
        count=Count(operator="between", value=1, upper=2),
        window=Between(start=Ago(amount=3, unit="day"), end=DateLiteral(value=date(2026, 1, 1))),
    )


CLAUSES = ("via r", "where a = 1", "at least 2 times", "in last 3 days")


@pytest.mark.parametrize("order", list(itertools.permutations(CLAUSES)))
def test_clauses_come_in_any_order(order: tuple[str, ...]) -> None:
    expected = E(
        via="r",
        where=cmp("a", "=", num(1)),
        count=Count(operator="at least", value=2),
        window=InLast(amount=3, unit="day"),
    )
    assert parse("E " + " ".join(order)) == expected


@pytest.mark.parametrize(
    ("text", "word", "column"),
    [
        ("E via a via b", "via clause", 9),
        ("E where a = 1 where b = 2", "where clause", 15),
        ("E at least 1 time at most 3 times", "count", 19),
        ("E exactly 1 time between 1 and 2 times", "count", 18),
        ("E in last 1 day before 2026-01-01", "window", 17),
        ("E between 2026-01-01 and 2026-01-02 since 1 day ago", "window", 37),
    ],
)
def test_a_repeated_clause_kind_is_refused_at_the_repeat(text: str, word: str, column: int) -> None:
    error = syntax_error(text)
    assert (error.line, error.column) == (1, column)
    assert word in error.problem and "twice" in error.problem


# --- expressions: precedence not > and > or, left-associative ---------------------------

a, b, c, d = (InteractionCondition(type=name) for name in "abcd")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a or b and c", Or(operands=(a, And(operands=(b, c))))),
        ("a and b or c", Or(operands=(And(operands=(a, b)), c))),
        ("not a and b", And(operands=(Not(operand=a), b))),
        ("not a or b", Or(operands=(Not(operand=a), b))),
        ("a and not b", And(operands=(a, Not(operand=b)))),
        ("not (a and b)", Not(operand=And(operands=(a, b)))),
        ("(a or b) and c", And(operands=(Or(operands=(a, b)), c))),
        ("a and (b or c)", And(operands=(a, Or(operands=(b, c))))),
        ("not not a", Not(operand=Not(operand=a))),
        ("((((a))))", a),
    ],
)
def test_precedence_and_parentheses(text: str, expected: Query) -> None:
    assert parse(text) == expected


def test_and_chains_are_one_node() -> None:
    query = parse("a and b and c and d")
    assert isinstance(query, And)
    assert query.operands == (a, b, c, d)
    assert parse("a and (b and c) and d") == query


def test_or_chains_are_one_node() -> None:
    assert parse("a or b or c or d") == Or(operands=(a, b, c, d))


def test_restrictions_have_the_same_precedence() -> None:
    x, y, z = (cmp(name, "=", num(1)) for name in "xyz")
    expected = WhereOr(operands=(x, WhereAnd(operands=(y, z))))
    assert where_of("(x = 1 or y = 1 and z = 1)") == expected
    assert where_of("(not x = 1 and y = 1)") == WhereAnd(operands=(WhereNot(operand=x), y))
    assert where_of("((x = 1 or y = 1) and z = 1)") == WhereAnd(
        operands=(WhereOr(operands=(x, y)), z)
    )


def test_where_and_a_profile_condition_is_an_and_of_two_atoms() -> None:
    query = parse('EmailOpened where a = 1 and contact.city = "X"')
    assert query == And(
        operands=(
            InteractionCondition(type="EmailOpened", where=cmp("a", "=", num(1))),
            ProfileCondition(comparison=cmp("city", "=", StringLiteral(value="X"))),
        )
    )


# --- keywords and identifiers ----------------------------------------------------------------


@pytest.mark.parametrize("keyword", KEYWORDS)
def test_keywords_are_reserved(keyword: str) -> None:
    with pytest.raises(QuerySyntaxError):
        parse(f"E where {keyword} = 1")


@pytest.mark.parametrize("keyword", KEYWORDS)
def test_any_keyword_can_be_a_name_in_backticks(keyword: str) -> None:
    assert where_of(f"`{keyword}` = 1") == cmp(keyword, "=", num(1))
    assert parse(f"`{keyword}`") == InteractionCondition(type=keyword)
    assert parse(f"segment `{keyword}`") == SegmentReference(name=keyword)
    assert parse(f"contact.`{keyword}` is null") == ProfileCondition(
        comparison=cmp(keyword, "is null")
    )


def test_the_grammar_has_exactly_the_keywords_of_the_language() -> None:
    from lark import Lark
    from lark.lexer import PatternStr

    grammar = Lark(grammar_text(), parser="lalr", lexer="basic", start="query")
    words = {
        terminal.pattern.value
        for terminal in grammar.terminals
        if isinstance(terminal.pattern, PatternStr) and terminal.pattern.value.isalpha()
    }
    assert words == set(KEYWORDS)


def test_a_reserved_word_as_a_name_suggests_backticks() -> None:
    error = syntax_error("EmailOpened where day = 1")
    assert (error.line, error.column) == (1, 19)
    assert "`day`" in str(error)


def test_backticks_around_a_plain_name_change_nothing() -> None:
    assert parse("`EmailOpened` via `r`") == parse("EmailOpened via r")


def test_uppercase_keywords_are_identifiers() -> None:
    assert parse("AND") == InteractionCondition(type="AND")
    assert where_of("OR = 1") == cmp("OR", "=", num(1))
    assert parse("AND and OR") == And(
        operands=(InteractionCondition(type="AND"), InteractionCondition(type="OR"))
    )


def test_an_uppercase_keyword_where_one_is_expected_hints_at_lowercase() -> None:
    error = syntax_error("EmailOpened AT LEAST 3 TIMES")
    assert (error.line, error.column) == (1, 13)
    assert "lowercase" in str(error)


# --- comments and white space ---------------------------------------------------------------


def test_comments_run_to_the_end_of_the_line() -> None:
    assert parse("all # everyone") == AllContacts()
    assert parse("# who?\nall\n# nothing more") == AllContacts()
    assert parse("a # first\nand b") == And(operands=(a, b))


def test_a_hash_inside_a_string_is_not_a_comment() -> None:
    assert literal_of('"#1"') == StringLiteral(value="#1")


def test_white_space_and_line_breaks_are_free() -> None:
    assert parse("E\n\n  at\tleast\r\n3   times") == E(count=Count(operator="at least", value=3))


# --- literals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "value"),
    [
        (r'"plain"', "plain"),
        (r"'single'", "single"),
        (r'"a\"b"', 'a"b'),
        (r"'a\'b'", "a'b"),
        (r'"a\'b"', "a'b"),
        (r"'a\"b'", 'a"b'),
        (r"""'say "hi"'""", 'say "hi"'),
        (r'''"it's"''', "it's"),
        (r'"back\\slash"', "back\\slash"),
        (r'"line\nbreak"', "line\nbreak"),
        (r'"tab\there"', "tab\there"),
        (r'"\u00e9t\u00C9"', "étÉ"),
        (r'"\ud83d\ude00"', "😀"),
        (r'"\\u0041"', "\\u0041"),
        ('"raw é 😀"', "raw é 😀"),
        ('""', ""),
    ],
)
def test_string_escapes(written: str, value: str) -> None:
    assert literal_of(written) == StringLiteral(value=value)


@pytest.mark.parametrize(
    ("written", "column"),
    [
        (r'"\q"', 2),
        (r'"ok\/"', 4),
        (r'"\r"', 2),
        (r'"\x41"', 2),
        (r'"\u12"', 2),
        (r'"\u12G4"', 2),
        (r'"\ud800"', 2),
        (r'"\ude00\ud83d"', 2),
        ('"\ud800"', 2),
        ('"open', 1),
        ("'open", 1),
    ],
)
def test_bad_strings_are_refused_at_the_spot(written: str, column: int) -> None:
    error = syntax_error(f"E where a = {written}")
    assert (error.line, error.column) == (1, 12 + column)


def test_a_raw_line_break_inside_a_string_is_refused_where_it_stands() -> None:
    error = syntax_error('E where a = "one\ntwo"')
    assert (error.line, error.column) == (1, 17)
    assert "next line" in error.problem


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("0", 0),
        ("7", 7),
        ("+7", 7),
        ("-3", -3),
        ("007", 7),
        ("1.5", 1.5),
        ("-0.5", -0.5),
        ("1e3", 1000.0),
        ("1E3", 1000.0),
        ("1.5e-3", 0.0015),
        ("2e+2", 200.0),
        ("1e-999", 0.0),
        ("9" * 4000, int("9" * 4000)),
    ],
)
def test_numbers_are_ints_without_point_or_exponent_else_floats(
    written: str, value: int | float
) -> None:
    literal = literal_of(written)
    assert isinstance(literal, NumberLiteral)
    assert literal.value == value
    assert type(literal.value) is type(value)


@pytest.mark.parametrize("written", ["1e999", "-1e999", "1" * 5000, "1" * 5000 + ".0"])
def test_numbers_too_large_are_refused(written: str) -> None:
    error = syntax_error(f"E where a = {written}")
    assert (error.line, error.column) == (1, 13)


def test_booleans_and_null() -> None:
    assert literal_of("true") == BooleanLiteral(value=True)
    assert literal_of("false") == BooleanLiteral(value=False)
    assert where_of("a is null") == cmp("a", "is null")
    assert NullLiteral() not in (literal_of("true"), literal_of("false"))


@pytest.mark.parametrize(
    ("written", "value"),
    [("2026-01-31", date(2026, 1, 31)), ("2024-02-29", date(2024, 2, 29))],
)
def test_dates(written: str, value: date) -> None:
    assert literal_of(written) == DateLiteral(value=value)


@pytest.mark.parametrize("written", ["2026-02-29", "2026-02-30", "2026-00-10", "2026-13-01",
                                     "0000-01-01", "2026-04-31"])
def test_dates_that_are_not_on_the_calendar_are_refused(written: str) -> None:
    error = syntax_error(f"E since {written}")
    assert (error.line, error.column) == (1, 9)


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("2026-01-31T09:30", datetime(2026, 1, 31, 9, 30)),
        ("2026-01-31T09:30:15", datetime(2026, 1, 31, 9, 30, 15)),
        ("2026-01-31T09:30:15.5", datetime(2026, 1, 31, 9, 30, 15, 500000)),
        ("2026-01-31T09:30:15.000001", datetime(2026, 1, 31, 9, 30, 15, 1)),
        ("2026-01-31T09:30Z", datetime(2026, 1, 31, 9, 30, tzinfo=UTC)),
        ("2026-01-31T09:30:00+00:00", datetime(2026, 1, 31, 9, 30, tzinfo=UTC)),
        (
            "2026-01-31T09:30+05:30",
            datetime(2026, 1, 31, 9, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        ),
        (
            "2026-01-31T09:30-03:00",
            datetime(2026, 1, 31, 9, 30, tzinfo=timezone(timedelta(hours=-3))),
        ),
    ],
)
def test_datetimes(written: str, value: datetime) -> None:
    literal = literal_of(written)
    assert isinstance(literal, DateTimeLiteral)
    assert literal.value == value
    assert literal.value.utcoffset() == value.utcoffset()  # naive stays naive


@pytest.mark.parametrize(
    "written",
    [
        "2026-01-31T24:00",
        "2026-01-31T09:60",
        "2026-01-31T09:30:61",
        "2026-02-30T09:30",
        "2026-01-31T09:30:00.1234567",
        "2026-01-31T09:30+24:00",
        "2026-01-31T09:30+05:60",
    ],
)
def test_bad_datetimes_are_refused(written: str) -> None:
    error = syntax_error(f"E since {written}")
    assert (error.line, error.column) == (1, 9)


def test_lists_hold_literals() -> None:
    assert where_of('a in [1, 2.5, -3]') == cmp(
        "a", "in", ListLiteral(items=(num(1), num(2.5), num(-3)))
    )
    assert where_of("a in []") == cmp("a", "in", ListLiteral(items=()))


# --- errors -----------------------------------------------------------------------------


MALFORMED = data_lines("malformed_queries.txt")
SEGMENTKIT_ERRORS = (QuerySyntaxError, QueryValidationError)


def test_the_malformed_query_file_is_large_enough() -> None:
    assert len(MALFORMED) >= 40


@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_queries_fail_with_class_and_position(case: str) -> None:
    class_name, line, column, encoded = case.split(" ", 3)
    text = json.loads(encoded)
    with pytest.raises(SEGMENTKIT_ERRORS) as info:
        parse(text)
    error = info.value
    assert isinstance(error, QuerySyntaxError | QueryValidationError)
    assert type(error).__name__ == class_name
    assert (error.line, error.column) == (int(line), int(column))
    assert error.text == text
    assert str(error)  # the message builds from the facts
    if isinstance(error, QuerySyntaxError):
        assert error.expected  # API.md: every syntax error says what was expected


def test_expected_words_are_plain_and_sorted() -> None:
    error = syntax_error("EmailOpened where a")
    words = list(error.expected)
    assert "a comparison (=, !=, <, <=, >, >=)" in words
    assert {"in", "not", "is null", "contains", "starts with", "ends with"} <= set(words)
    assert not [word for word in words if word.isupper() or "$" in word or "_" in word]
    typed = [word for word in words if not word.startswith(("a ", "the "))]
    assert typed == sorted(typed)


def test_expected_time_units_are_summarised() -> None:
    error = syntax_error("E in last 3")
    assert error.expected == ("a time unit (minutes, hours, days, weeks, months, years)",)


def test_where_with_and_shows_the_parenthesised_fix() -> None:
    error = syntax_error("EmailOpened where a = 1 and b = 2")
    assert "where (a = 1 and b = 2)" in str(error)
    assert (error.line, error.column) == (1, 31)


def test_where_fix_covers_the_whole_run_and_stops_before_the_next_clause() -> None:
    error = syntax_error(
        'EmailOpened\n  where a = 1\n  and b contains "x" or c in [1, 2]\n  in last 3 days'
    )
    assert 'where (a = 1 and b contains "x" or c in [1, 2])' in str(error)
    assert (error.line, error.column) == (3, 9)


def test_where_fix_keeps_a_negated_comparison() -> None:
    error = syntax_error("E where a = 1 and not b = 2")
    assert "where (a = 1 and not b = 2)" in str(error)


def test_end_of_input_points_after_the_last_word() -> None:
    error = syntax_error("EmailOpened\n  at least   # how many?\n")
    assert (error.line, error.column) == (2, 11)
    assert "ends too early" in error.problem
    assert error.expected == ("a number",)


def test_an_unclosed_parenthesis_points_at_it() -> None:
    error = syntax_error("all and\n  (EmailOpened or\n   EmailClicked")
    assert (error.line, error.column) == (2, 3)
    assert "never closed" in error.problem


def test_an_unclosed_string_points_at_its_quote() -> None:
    error = syntax_error('all and\ncontact.city = "Oslo')
    assert (error.line, error.column) == (2, 16)
    assert "never closed" in error.problem


def test_an_unexpected_character_is_named() -> None:
    error = syntax_error("E\n  where a = 1 ; b = 2")
    assert (error.line, error.column) == (2, 15)
    assert ";" in error.problem


def test_a_closing_parenthesis_without_an_opening_one() -> None:
    error = syntax_error("a and b)")
    assert "no matching" in error.problem


def test_the_caret_sits_under_the_column() -> None:
    error = syntax_error("all and\n  segment")
    lines = str(error).split("\n")
    caret = lines.index(next(line for line in lines if line.strip() == "^"))
    assert lines[caret - 1].index("segment") + len("segment") == lines[caret].index("^")


def test_no_lark_object_reaches_the_caller() -> None:
    for case in MALFORMED:
        text = json.loads(case.split(" ", 3)[3])
        with pytest.raises(SegmentKitError) as info:
            parse(text)
        chained: BaseException | None = info.value
        while chained is not None:
            assert not type(chained).__module__.startswith("lark")
            chained = chained.__cause__ or chained.__context__
        for value in vars(info.value).values():
            assert not type(value).__module__.startswith("lark")


def test_non_text_is_refused_with_our_error() -> None:
    with pytest.raises(InvalidArgumentError):
        parse(b"all")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError):
        parse(None)  # type: ignore[arg-type]


# --- positions -----------------------------------------------------------------------------


def test_positions_are_recorded_on_nodes() -> None:
    text = (
        "not EmailOpened via r\n"
        "  where (a = 1 and b in [2])\n"
        "  between 2 and 5 times\n"
        "  between 3 days ago and 2026-01-01\n"
        "or segment S and contact.city is null"
    )
    query = parse(text)
    assert isinstance(query, Or)
    first, second = query.operands
    assert isinstance(first, Not) and first.position() == (1, 1)
    condition = first.operand
    assert isinstance(condition, InteractionCondition)
    assert condition.position() == (1, 5)
    assert condition.position("via") == (1, 21)
    restriction = condition.where
    assert isinstance(restriction, WhereAnd) and restriction.position() == (2, 10)
    comparison = restriction.operands[1]
    assert isinstance(comparison, Comparison)
    assert comparison.position() == (2, 20)
    assert comparison.position("value") == (2, 25)
    assert isinstance(comparison.value, ListLiteral)
    assert comparison.value.items[0].position() == (2, 26)
    count = condition.count
    assert count is not None
    assert (count.position(), count.position("value"), count.position("upper")) == (
        (3, 3),
        (3, 11),
        (3, 17),
    )
    window = condition.window
    assert isinstance(window, Between)
    assert (window.position(), window.position("start"), window.position("end")) == (
        (4, 3),
        (4, 11),
        (4, 26),
    )
    assert isinstance(second, And) and second.position() == (5, 4)
    segment, profile = second.operands
    assert segment.position() == (5, 4) and segment.position("name") == (5, 12)
    assert profile.position() == (5, 26)


def test_positions_take_no_part_in_equality() -> None:
    assert parse("a and\n\n   b") == parse("a and b")


# --- hostile input ------------------------------------------------------------------------


def parses_or_refuses(text: str) -> Query | None:
    try:
        return parse(text)
    except QuerySyntaxError as error:
        # API.md: str() shows the caret "and says what was expected".
        assert error.expected and "\nExpected " in str(error)
        return None
    except SEGMENTKIT_ERRORS:
        return None


def test_five_thousand_nested_parentheses() -> None:
    with pytest.raises(SEGMENTKIT_ERRORS):
        parse("(" * 5000 + "all" + ")" * 5000)
    with pytest.raises(SEGMENTKIT_ERRORS):
        parse("(" * 5000)
    with pytest.raises(SEGMENTKIT_ERRORS):
        parse("E where " + "(" * 5000 + "a = 1" + ")" * 5000)


def test_a_hundred_nested_parentheses_are_fine() -> None:
    assert parse("(" * 100 + "all" + ")" * 100) == AllContacts()


def test_five_thousand_nots() -> None:
    with pytest.raises(QueryValidationError):
        parse("not " * 5000 + "all")
    with pytest.raises(QueryValidationError):
        parse("E where (" + "not " * 5000 + "a = 1)")
    with pytest.raises(QueryValidationError):
        parse("not (" * 5000 + "all" + ")" * 5000)


@pytest.fixture
def megabyte_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A limit (segmentkit.settings.max_query_length) raised past a megabyte."""
    monkeypatch.setattr(segmentkit.settings, "max_query_length", 2_000_000)


@pytest.mark.usefixtures("megabyte_limit")
def test_a_one_megabyte_string_literal() -> None:
    text = 'E where a = "' + "x" * 1_000_000 + '"'
    assert parse(text) == E(where=cmp("a", "=", StringLiteral(value="x" * 1_000_000)))
    with pytest.raises(QuerySyntaxError):
        parse(text[:-1])


@pytest.mark.usefixtures("megabyte_limit")
def test_a_one_megabyte_comment_and_junk() -> None:
    assert parse("all #" + "x" * 1_000_000) == AllContacts()
    with pytest.raises(QuerySyntaxError):
        parse("all " + "$" * 1_000_000)
    # 100 KB of words that parse until the very end (a megabyte takes seconds).
    with pytest.raises(QuerySyntaxError):
        parse("all and " * 12_500)


def test_a_long_chain_of_conditions() -> None:
    query = parse(" or ".join(["E"] * 20_000))
    assert isinstance(query, Or) and len(query.operands) == 20_000


TOKENS = [
    *KEYWORDS, "(", ")", "[", "]", ",", ".", "=", "!=", "<", "<=", ">", ">=", "==", "E", "a",
    "`day`", "`x", "AND", "1", "-1", "2.5", "1e999", "2026-01-01", "2026-02-30",
    "2026-01-01T10:00Z", '"x"', "'y'", '"\\q"', '"open', "#", "\n", "\x00", "\ud800", "é", "$",
]


@given(st.text(alphabet=st.characters(codec=None, exclude_categories=())))
def test_any_text_parses_or_gives_our_errors(text: str) -> None:
    parses_or_refuses(text)


@given(st.lists(st.sampled_from(TOKENS), max_size=30), st.sampled_from([" ", "", "\n"]))
def test_token_soup_parses_or_gives_our_errors(tokens: list[str], joiner: str) -> None:
    result = parses_or_refuses(joiner.join(tokens))
    assert result is None or isinstance(result, Query)


def _grammar_strings() -> st.SearchStrategy[str]:
    from hypothesis.extra.lark import from_lark
    from lark import Lark

    # Strings shaped by the grammar itself reach deep rules that random text
    # seldom does (adjacent words are not separated, so many still fail).
    return from_lark(Lark(grammar_text(), parser="lalr", lexer="basic", start="query"))


# Drawing from the grammar is slow: a quarter of the profile's examples.
@settings(max_examples=max(1, (settings.default or settings()).max_examples // 4))
@given(_grammar_strings())
def test_grammar_shaped_text_parses_or_gives_our_errors(text: str) -> None:
    result = parses_or_refuses(text)
    assert result is None or isinstance(result, Query)


# --- grammar, cache, threads ------------------------------------------------------------------


def test_the_grammar_comes_from_the_grammar_directory() -> None:
    assert grammar_text() == (ROOT / "grammar" / "segment.lark").read_text(encoding="utf-8")


def test_a_packaged_grammar_is_preferred(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "grammar").mkdir()
    (tmp_path / "grammar" / "segment.lark").write_text("// from the wheel", encoding="utf-8")
    monkeypatch.setattr(importlib.resources, "files", lambda package: tmp_path)
    assert grammar_text() == "// from the wheel"


def test_the_ast_holds_plain_values_not_lark_tokens() -> None:
    query = parse('`E` via r where (`a` contains "x") in last 2 days and contact.c = 1')
    assert isinstance(query, And)
    values = [value for node in query.walk() for value in node.__dict__.values()]
    assert values
    assert not [value for value in values if type(value).__module__.startswith("lark")]
    assert all(type(value) is str for value in values if isinstance(value, str))


def test_repeated_texts_share_one_parse() -> None:
    text = "EmailOpened at least 2 times in last 9 days"
    assert parse(text) is parse(text)


def test_parsing_from_many_threads_at_once() -> None:
    texts = [f"E at least {n} times in last {n} days and contact.n = {n}" for n in range(200)]
    expected = [
        And(
            operands=(
                E(count=Count(operator="at least", value=n), window=InLast(amount=n, unit="day")),
                ProfileCondition(comparison=cmp("n", "=", num(n))),
            )
        )
        for n in range(200)
    ]
    failures: list[str] = []

    def work(offset: int) -> None:
        for index in range(len(texts)):
            at = (index + offset) % len(texts)
            # A whitespace variant per thread, so that each thread really parses.
            if parse(texts[at] + " " * (offset + 1)) != expected[at]:
                failures.append(texts[at])

    threads = [threading.Thread(target=work, args=(offset,)) for offset in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


# --- valid fixtures and the formatter round trip ----------------------------------------------

VALID = data_lines("valid_queries.txt")


@pytest.mark.parametrize("text", VALID)
def test_valid_fixtures_parse(text: str) -> None:
    assert isinstance(parse(text), Query)


@pytest.mark.parametrize("text", VALID)
def test_format_then_parse_gives_the_same_query(text: str) -> None:
    from segmentkit.language.format import format

    query = parse(text)
    assert parse(format(query)) == query

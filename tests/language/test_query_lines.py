"""Files of queries in canonical text: queries rewritten, comments and blank lines kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ast_strategies import queries
from segmentkit import Query, QuerySyntaxError, QueryValidationError, format, parse
from segmentkit.language.query_lines import format_query_lines

DATA = Path(__file__).parents[1] / "data"


def test_each_query_line_becomes_its_canonical_text() -> None:
    text = "EmailOpened at least 3 time in the last 14 days\n(segment A) and (all)\n"
    assert format_query_lines(text) == (
        "EmailOpened at least 3 times in last 14 days\nsegment A and all\n"
    )


def test_comment_lines_stay_in_place_and_lose_surrounding_space() -> None:
    text = "  # engaged readers   \nEmailOpened   in last 7 days\n#lapsed\nnot (all)\n"
    assert format_query_lines(text) == (
        "# engaged readers\nEmailOpened in last 7 days\n#lapsed\nnot all\n"
    )


def test_a_comment_after_a_query_stays_after_it() -> None:
    text = "EmailOpened in last 90 days and not EmailOpened in last 30 days   # lapsing\n"
    assert format_query_lines(text) == (
        "EmailOpened in last 90 days and not EmailOpened in last 30 days  # lapsing\n"
    )


def test_a_hash_inside_a_string_is_no_comment() -> None:
    text = "EmailClicked where linkUrl contains '#top'\n"
    assert format_query_lines(text) == 'EmailClicked where linkUrl contains "#top"\n'


def test_blank_lines_stay_and_the_file_ends_with_one_line_break() -> None:
    text = "all\n   \n\nsegment A\n\n\n"
    assert format_query_lines(text) == "all\n\n\nsegment A\n"
    assert format_query_lines("all") == "all\n"
    assert format_query_lines("") == ""
    assert format_query_lines("\n \n") == ""


def test_windows_line_endings_stay() -> None:
    assert format_query_lines("all\r\n# c\r\nnot  all\r\n") == "all\r\n# c\r\nnot all\r\n"


def test_an_invalid_line_is_the_query_error_at_its_line_in_the_file() -> None:
    text = "all\n# comment\nEmailOpened at least times\n"
    with pytest.raises(QuerySyntaxError) as caught:
        format_query_lines(text)
    assert (caught.value.line, caught.value.column) == (3, 22)
    assert caught.value.text == text
    assert "EmailOpened at least times\n" in str(caught.value)


def test_a_structural_error_is_placed_too() -> None:
    with pytest.raises(QueryValidationError) as caught:
        format_query_lines("all\nEmailOpened between 3 and 1 times\n")
    assert caught.value.line == 2


def test_the_repositorys_canonical_query_file_is_canonical() -> None:
    identity = (DATA / "identity.txt").read_text(encoding="utf-8")
    assert format_query_lines(identity) == identity


def test_formatting_the_valid_queries_file_is_idempotent_and_keeps_every_query() -> None:
    text = (DATA / "valid_queries.txt").read_text(encoding="utf-8")
    once = format_query_lines(text)
    assert format_query_lines(once) == once
    originals = [line for line in text.splitlines() if line.strip() and line[0] != "#"]
    formatted = [line for line in once.splitlines() if line.strip() and line[0] != "#"]
    assert [parse(line) for line in formatted] == [parse(line) for line in originals]


@given(st.lists(queries, max_size=3), st.lists(st.sampled_from(["", "# note", "#"]), max_size=3))
def test_canonical_lines_are_a_fixed_point(
    found: list[Query], comment_lines: list[str]
) -> None:
    lines = [format(query) for query in found] + comment_lines
    text = "".join(line + "\n" for line in lines).rstrip("\n")
    text = text + "\n" if text else ""
    assert format_query_lines(text) == text

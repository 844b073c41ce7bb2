"""like patterns (LANGUAGE.md, "Patterns"): SQL's LIKE, case-insensitive, no backtracking."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference_comparisons import like_matches
from segmentkit import InMemoryRepository, evaluate
from segmentkit.engine.like import compile_like
from segmentkit.language.like_pattern import like_problem

CASES = [
    ("%pricing%", "https://contoso.com/PRICING/", True),
    ("%pricing%", "prices", False),
    ("pricing", "Pricing", True),
    ("pricing", "pricing ", False),
    ("", "", True),
    ("", "x", False),
    ("%", "", True),
    ("%%", "anything", True),
    ("_", "", False),
    ("_", "é", True),
    ("__", "ß", True),  # ß casefolds to ss: _ matches one character of the casefolded text
    ("_", "ß", False),
    ("strasse", "Straße", True),
    ("a%a", "a", False),  # the two a's cannot be the same character
    ("a%a", "aa", True),
    ("a_c", "abc", True),
    ("a_c", "ac", False),
    ("%@test.%", "ann@TEST.com", True),
    ("%@test.%", "ann@testing.com", False),
    ("50\\%", "50%", True),
    ("50\\%", "50x", False),
    ("%\\_%", "a_b", True),
    ("%\\_%", "ab", False),
    ("c:\\\\%", "C:\\dir", True),
    ("x%y%z", "xayz", True),
    ("x%y%z", "xzy", False),
    ("_%_", "ab", True),
    ("_%_", "a", False),
    ("%a_b%", "xxa-bxx", True),
    ("%a_b%", "ab", False),
]


@pytest.mark.parametrize(("pattern", "text", "expected"), CASES)
def test_like_matches_as_sql_does_case_insensitively(
    pattern: str, text: str, expected: bool
) -> None:
    assert compile_like(pattern)(text) is expected
    assert like_matches(text, pattern) is expected  # the reference agrees on the cases


@pytest.mark.parametrize(
    ("pattern", "index"), [("a\\b", 1), ("ab\\", 2), ("\\", 0), ("\\%\\x", 2), ("\\n", 0)]
)
def test_a_backslash_before_anything_else_or_at_the_end_is_a_problem(
    pattern: str, index: int
) -> None:
    problem = like_problem(pattern)
    assert problem is not None and problem[1] == index


PATTERN_TEXT = st.text(st.sampled_from("ab%_\\ßsSA"), max_size=8)
VALUE_TEXT = st.text(st.sampled_from("abßsSA%_\\"), max_size=8)


@given(pattern=PATTERN_TEXT, text=VALUE_TEXT)
def test_the_engine_agrees_with_the_brute_force_reference(pattern: str, text: str) -> None:
    if like_problem(pattern) is None:
        assert compile_like(pattern)(text) is like_matches(text, pattern)


def test_long_adversarial_patterns_run_without_backtracking() -> None:
    # Each would take astronomically long with a backtracking matcher; the
    # benchmark README quotes their times (milliseconds).
    text = "a" * 10_000
    assert compile_like("%" + "a_" * 5_000)(text) is True
    assert compile_like("%" + "a%" * 5_000 + "b")(text) is False
    assert compile_like("_" * 10_000)(text) is True
    assert compile_like("%a" * 4_999 + "%b%")(text) is False


NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def repo() -> InMemoryRepository:
    repository = InMemoryRepository()
    repository.add_contacts([
        {"id": "c1", "email": "ann@TEST.example", "attributes": {"n": 5, "tags": ["a%b"]}},
        {"id": "c2", "email": "bo@contoso.com", "attributes": {"n": "50%"}},
        {"id": "c3"},
    ])
    return repository


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('contact.email like "%@test.%"', {"c1"}),
        ('contact.email not like "%@test.%"', {"c2"}),  # no email: UNKNOWN, left out
        ('not contact.email like "%@test.%"', {"c2", "c3"}),  # set complement keeps c3
        ('contact.n like "50\\\\%"', {"c2"}),
        ('contact.n not like "%"', set()),  # a number (c1) and a missing value: UNKNOWN
        ('contact.tags like "%"', set()),  # a list: UNKNOWN
        ('contact.tags not like "%"', set()),
    ],
)
def test_like_in_queries_is_three_valued(
    repo: InMemoryRepository, query: str, expected: set[str]
) -> None:
    assert evaluate(query, repo, now=NOW) == expected

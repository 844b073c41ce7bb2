"""The Pygments lexer: found by alias, every token class, the parser's words, never raises."""

from __future__ import annotations

import subprocess
import sys

import pygments
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.token import (
    Comment,
    Error,
    Keyword,
    Literal,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Whitespace,
    _TokenType,
)

from ast_strategies import queries
from segmentkit.language.format import KEYWORDS, format
from segmentkit.language.highlight import KEYWORD_TOKENS, SegmentLexer
from segmentkit.language.parse import _get_parser, parse

# One valid query that uses every reserved word of the language, and every
# kind of literal, a comment, an aggregate and a name in backticks.
EVERY_KEYWORD = """\
# every word the parser reserves
EmailOpened via attendeeId where (linkUrl contains "pricing" or not linkUrl in ['a', "b"]
    and messageId is not null and linkUrl starts with "x" and linkUrl ends with "y"
    and linkUrl like "%demo%") at least 3 times in the last 14 days
or EmailOpened at most 2 times since 2026-01-01
or EmailOpened exactly 1 time before 2026-01-01T09:30:00Z
or EmailOpened between 1 and 2 times between 3 minutes ago and 1 minute ago
or Purchase having sum(amount) >= 1.5e3 in last 1 hour
or EmailOpened in 2 of the last 4 hours
or first FormSubmitted in last 1 day
or EmailClicked then FormSubmitted within 2 days in last 1 week
or EmailOpened in last 3 weeks or EmailOpened in last 1 month
or EmailOpened in last 6 months or EmailOpened in last 1 year
or EmailOpened in last 2 years
or last EmailOpened where `day` = true
or contact.active != false and segment Engaged
or all
"""


def _tokens(text: str) -> list[tuple[_TokenType, str]]:
    lexer = SegmentLexer(stripnl=False, ensurenl=False)
    return [(token, value) for _, token, value in lexer.get_tokens_unprocessed(text)]


def test_pygments_finds_the_lexer_by_its_alias() -> None:
    assert isinstance(get_lexer_by_name("segmentkit"), SegmentLexer)


def test_the_lexer_knows_every_keyword_of_the_grammar() -> None:
    assert set(KEYWORD_TOKENS) == KEYWORDS


def test_the_every_keyword_query_parses_and_uses_every_keyword() -> None:
    parse(EVERY_KEYWORD)
    assert {value for _, value in _tokens(EVERY_KEYWORD)} >= KEYWORDS


def test_every_keyword_gets_its_keyword_class() -> None:
    for token, value in _tokens(EVERY_KEYWORD):
        if value in KEYWORDS:
            assert token == KEYWORD_TOKENS[value], value
    assert KEYWORD_TOKENS["and"] == Operator.Word
    assert KEYWORD_TOKENS["null"] == Keyword.Constant
    assert KEYWORD_TOKENS["where"] == Keyword
    assert KEYWORD_TOKENS["days"] == Keyword


def test_every_token_class_appears_on_the_every_keyword_query() -> None:
    seen = {token for token, _ in _tokens(EVERY_KEYWORD)}
    assert seen == {
        Comment.Single, Whitespace, Name, Name.Function, Keyword, Keyword.Constant,
        Operator.Word, Operator, Punctuation, String, Number, Literal.Date,
    }  # fmt: skip


def test_tokens_of_one_query() -> None:
    text = 'Purchase having sum(amount) >= 100 and contact.`day` = "x"  # big'
    assert [pair for pair in _tokens(text) if pair[0] != Whitespace] == [
        (Name, "Purchase"),
        (Keyword, "having"),
        (Name.Function, "sum"),
        (Punctuation, "("),
        (Name, "amount"),
        (Punctuation, ")"),
        (Operator, ">="),
        (Number, "100"),
        (Operator.Word, "and"),
        (Keyword, "contact"),
        (Punctuation, "."),
        (Name, "`day`"),
        (Operator, "="),
        (String, '"x"'),
        (Comment.Single, "# big"),
    ]


def test_only_the_name_after_having_is_an_aggregate() -> None:
    tokens = _tokens("Purchase having  max (amount) > 1 and not\nsegment A\n(all)")
    assert (Name.Function, "max") in tokens
    assert (Name, "A") in tokens
    assert (Keyword, "having") in tokens
    assert _tokens("having not")[-1] == (Operator.Word, "not")


def test_dates_and_datetimes_are_one_token_each() -> None:
    tokens = _tokens("since 2026-01-05 before 2026-01-05T10:00:00.5+01:00")
    assert (Literal.Date, "2026-01-05") in tokens
    assert (Literal.Date, "2026-01-05T10:00:00.5+01:00") in tokens


def test_a_keyword_in_backticks_is_a_name() -> None:
    assert _tokens("segment `where`") == [
        (Keyword, "segment"), (Whitespace, " "), (Name, "`where`")
    ]


def test_text_the_grammar_cannot_read_is_an_error_token_and_lexing_goes_on() -> None:
    tokens = _tokens('EmailOpened $ "unclosed where')
    assert (Error, "$") in tokens
    assert (Error, '"') in tokens
    assert (Keyword, "where") == tokens[-1]


@given(st.text())
def test_lexing_any_text_never_raises_and_loses_nothing(text: str) -> None:
    assert "".join(value for _, value in _tokens(text)) == text


@given(queries)
def test_the_lexer_splits_canonical_text_where_the_parser_does(query: object) -> None:
    text = format(query)  # type: ignore[arg-type]
    ours = [(token, value) for token, value in _tokens(text) if token != Whitespace]
    assert all(token != Error for token, _ in ours)
    parsers = [token.value for token in _get_parser().lex(text)]
    assert [value for _, value in ours] == parsers
    # A keyword terminal is named for its word (AND, DAYS): that is how the parser marks one.
    keywords = {
        token.value for token in _get_parser().lex(text) if token.type == token.value.upper()
    }
    for token, value in ours:
        assert (token == KEYWORD_TOKENS.get(value)) == (value in keywords), value


def test_highlight_renders_html_spans() -> None:
    html = pygments.highlight("EmailOpened in last 3 days", SegmentLexer(), HtmlFormatter())
    assert '<span class="k">in</span>' in html
    assert '<span class="n">EmailOpened</span>' in html


@pytest.mark.slow
def test_importing_segmentkit_does_not_import_pygments() -> None:
    script = "import sys, segmentkit; print('pygments' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"

"""A Pygments lexer for segment queries: ```` ```segmentkit ```` blocks on the
documentation site, and any tool that highlights with Pygments.

Pygments finds ``SegmentLexer`` through the ``pygments.lexers`` entry point
(alias ``segmentkit``). Nothing in segmentkit imports this module, so importing
segmentkit never imports pygments (an optional extra).

The patterns are the grammar's own terminals (``parse.grammar_terminals``), so
a word is highlighted as a keyword exactly when the parser reads it as one, and
a date, a number or a string ends where the parser's does. Text the grammar
cannot read is marked ``Error`` one character at a time and lexing goes on:
a half-typed query still highlights, and lexing never raises.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pygments.lexer import LexerContext, RegexLexer, default
from pygments.token import (
    Comment,
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

from segmentkit.language.parse import grammar_terminals

__all__ = ["KEYWORD_TOKENS", "SegmentLexer"]

_TERMINALS = grammar_terminals()

# A keyword terminal's pattern is its lowercase word; punctuation is escaped.
_KEYWORDS = frozenset(
    pattern for pattern in _TERMINALS.values() if re.fullmatch("[a-z]+", pattern)
)
# The reader scans a query for its logic and its constants: they get classes of
# their own; every other keyword (clauses, counts, windows, units) is Keyword.
_LOGICAL_WORDS = frozenset({"and", "or", "not"})
_CONSTANT_WORDS = frozenset({"true", "false", "null"})

KEYWORD_TOKENS: dict[str, _TokenType] = {
    word: (
        Operator.Word
        if word in _LOGICAL_WORDS
        else Keyword.Constant
        if word in _CONSTANT_WORDS
        else Keyword
    )
    for word in _KEYWORDS
}
"""The token class of each reserved word of the grammar."""

_PUNCTUATION = ("LPAR", "RPAR", "LSQB", "RSQB", "COMMA", "DOT")
# A word ends where a NAME could not go on.
_WORD_END = r"(?![A-Za-z0-9_])"


def _word(
    lexer: RegexLexer, match: re.Match[str], context: LexerContext | None = None
) -> Iterator[tuple[int, _TokenType, str]]:
    word = match.group()
    yield match.start(), KEYWORD_TOKENS.get(word, Name), word


def _aggregate(
    lexer: RegexLexer, match: re.Match[str], context: LexerContext | None = None
) -> Iterator[tuple[int, _TokenType, str]]:
    # The name right after `having` is its aggregate: `having sum(amount)`.
    word = match.group()
    yield match.start(), KEYWORD_TOKENS.get(word, Name.Function), word


class SegmentLexer(RegexLexer):
    """Segment queries (LANGUAGE.md): keywords, names, literals, comments."""

    name = "Segment query"
    aliases = ("segmentkit",)
    filenames = ()
    mimetypes = ("text/x-segmentkit",)
    url = "https://pypi.org/project/segmentkit/"

    # Order matters where two patterns start alike: a DATETIME before a DATE
    # before a NUMBER, as the grammar's terminal priorities say. (A dict, as
    # RegexLexer's metaclass requires.)
    tokens = {  # noqa: RUF012
        "root": [
            (_TERMINALS["WHITESPACE"], Whitespace),
            (_TERMINALS["COMMENT"], Comment.Single),
            (_TERMINALS["STRING"], String),
            (_TERMINALS["DATETIME"], Literal.Date),
            (_TERMINALS["DATE"], Literal.Date),
            (_TERMINALS["NUMBER"], Number),
            # A name in backticks is a name, even when it spells a keyword.
            (_TERMINALS["QUOTED_NAME"], Name),
            (_TERMINALS["HAVING"] + _WORD_END, KEYWORD_TOKENS["having"], "aggregate"),
            (_TERMINALS["NAME"], _word),
            (_TERMINALS["COMPARE_OP"], Operator),
            ("|".join(_TERMINALS[name] for name in _PUNCTUATION), Punctuation),
        ],
        "aggregate": [
            (_TERMINALS["WHITESPACE"], Whitespace),
            (_TERMINALS["COMMENT"], Comment.Single),
            (_TERMINALS["NAME"], _aggregate, "#pop"),
            default("#pop"),
        ],
    }

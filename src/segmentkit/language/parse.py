"""Text -> AST: ``parse(text)`` reads a segment query (LANGUAGE.md "Structure").

The grammar lives in ``grammar/segment.lark`` and nowhere else. Lark builds an
LALR parser from it once, on first use; the ``AstBuilder`` transformer runs
inside the parser, so nodes are built as rules are reduced, without a parse
tree and without recursion (a query nested 5,000 deep costs a deep parser
stack, which is a Python list, not a deep call stack). Lark's own trees,
tokens and exceptions never leave this module: failures become
``QuerySyntaxError`` (see ``parse_errors``) or ``QueryValidationError``.
"""

from __future__ import annotations

import importlib.resources
import threading
from functools import lru_cache
from pathlib import Path

from lark import Lark, Token
from lark.exceptions import LarkError, UnexpectedInput
from pydantic import ValidationError

from segmentkit import settings
from segmentkit.errors import (
    InvalidArgumentError,
    QuerySyntaxError,
    QueryValidationError,
    SegmentKitError,
)
from segmentkit.language.ast import MAX_DEPTH, Query
from segmentkit.language.ast_builder import AstBuilder
from segmentkit.language.check import check_structure
from segmentkit.language.parse_errors import syntax_error

__all__ = ["comments", "grammar_terminals", "grammar_text", "parse"]

# Texts up to this length are remembered; a longer one is parsed each time so
# that a flood of huge queries cannot pin memory in the cache.
_CACHE_TEXT_LIMIT = 10_000

_parser: Lark | None = None
_parser_lock = threading.Lock()
_nesting = threading.local()


def grammar_text() -> str:
    """The grammar source: from the installed package, else from the checkout.

    The wheel carries ``segmentkit/language/grammar/segment.lark`` (hatch force-include);
    an editable install does not, and finds ``grammar/`` beside ``src/``.
    """
    packaged = importlib.resources.files("segmentkit.language") / "grammar" / "segment.lark"
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    checkout = Path(__file__).resolve().parents[3] / "grammar" / "segment.lark"
    return checkout.read_text(encoding="utf-8")


def grammar_terminals() -> dict[str, str]:
    """Each terminal of the grammar, by name, as a Python regular expression.

    Keywords are their word (``"AND": "and"``), punctuation its escaped
    character; anonymous terminals carry lark's names (``LPAR``, ``DAYS``).
    For tools that must read query text the way the parser does, such as the
    syntax highlighter, without a second copy of the patterns.
    """
    return {
        terminal.name: terminal.pattern.to_regexp() for terminal in _get_parser().terminals
    }


def _open_parenthesis(token: Token) -> Token:
    # Redundant parentheses add no AST depth, but each level of `(a and (b and ...))`
    # copies the flattened operands of the level below: refusing deep nesting
    # here keeps a hostile query linear instead of quadratic.
    depth = getattr(_nesting, "depth", 0) + 1
    _nesting.depth = depth
    if depth > MAX_DEPTH:
        raise QueryValidationError(
            f"Parentheses are nested more than {MAX_DEPTH} levels deep",
            word="(",
            line=token.line,
            column=token.column,
        )
    return token


def _close_parenthesis(token: Token) -> Token:
    _nesting.depth = getattr(_nesting, "depth", 0) - 1
    return token


def _get_parser() -> Lark:
    global _parser
    if _parser is None:
        with _parser_lock:
            if _parser is None:
                # No cache=True: lark's cache is a pickle in the shared temp
                # directory, and building this grammar takes a few milliseconds.
                _parser = Lark(
                    grammar_text(),
                    parser="lalr",
                    lexer="basic",
                    start=["query", "where_or"],
                    transformer=AstBuilder(),
                    lexer_callbacks={"LPAR": _open_parenthesis, "RPAR": _close_parenthesis},
                    maybe_placeholders=False,
                )
    return _parser


def parse(text: str) -> Query:
    """Parse a segment query into its AST (an ``AnyQuery`` node).

    Raises ``QuerySyntaxError`` when the text does not follow the grammar and
    ``QueryValidationError`` when it does but breaks a structural rule
    (``check.check_structure``); both carry the line and column.
    """
    if not isinstance(text, str):
        raise InvalidArgumentError(
            f"a query is text (str), not {type(text).__name__}", argument="text"
        )
    limit = settings.max_query_length
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidArgumentError(
            f"segmentkit.settings.max_query_length must be a whole number of characters, "
            f"not {limit!r}",
            argument="max_query_length",
        )
    if len(text) > limit:
        raise QueryValidationError(
            f"The query is {len(text):,} characters long, over the limit of {limit:,} "
            "(segmentkit.settings.max_query_length)",
            hint="Split it into saved segments that refer to each other, or raise the limit.",
        )
    if len(text) <= _CACHE_TEXT_LIMIT:
        return _parse_cached(text)
    return _parse_uncached(text)


@lru_cache(maxsize=1024)
def _parse_cached(text: str) -> Query:
    # Sharing one AST between callers is safe: nodes are frozen.
    return _parse_uncached(text)


def _parse_uncached(text: str) -> Query:
    query = _build(text)
    check_structure(query, text=text)
    return query


def comments(text: str) -> list[str]:
    """The ``#`` comments of a query text that ``parse`` accepts, in order,
    each from its ``#`` to the end of its line.

    Only the parser's lexer knows whether a ``#`` starts a comment or stands
    inside a string (``linkUrl contains "#top"``).
    """
    parse(text)  # a text the parser refuses raises here, as from parse
    _nesting.depth = 0
    return [token.value for token in _get_parser().lex(text, dont_ignore=True)
            if token.type == "COMMENT"]


def _is_restriction(text: str) -> bool:
    """Whether ``text`` parses as a bare restriction (checks suggested fixes)."""
    _nesting.depth = 0
    try:
        _get_parser().parse(text, start="where_or")
    except (LarkError, SegmentKitError, ValueError):
        return False
    return True


def _build(text: str) -> Query:
    parser = _get_parser()
    _nesting.depth = 0
    # Errors are turned into ours outside the `except` blocks, so that no lark
    # exception rides along as __context__.
    failure: SegmentKitError
    try:
        result = parser.parse(text, start="query")
    except UnexpectedInput as error:
        failure = syntax_error(error, text, parser, _is_restriction)
    except QuerySyntaxError as error:  # raised by AstBuilder, which has no text
        failure = QuerySyntaxError(
            error.problem,
            text=text,
            line=error.line,
            column=error.column,
            expected=error.expected,
            hint=error.hint,
        )
    except QueryValidationError as error:
        failure = error.with_position(text, error.line or 1, error.column or 1)
    except RecursionError:
        failure = QueryValidationError(f"The query is nested more than {MAX_DEPTH} levels deep")
    except (LarkError, ValidationError) as error:
        failure = QuerySyntaxError(
            f"The query cannot be read ({type(error).__name__})", text=text, line=1, column=1
        )
    else:
        if not isinstance(result, Query):  # the start rule always yields a query node
            raise QuerySyntaxError("The query cannot be read", text=text, line=1, column=1)
        return result
    raise failure

"""Lark's parse failures, retold as ``QuerySyntaxError`` in a marketer's words.

Lark says *which terminal* it did not expect and which terminals it would
have taken (``NAME``, ``LPAR``, ``$END``); this module names them in plain
words, finds the spot that matters (an unclosed quote or parenthesis is
reported where it opens, a bad escape where it stands), and recognises common
mistakes to add a concrete fix, such as ``where (a = 1 and b = 2)``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from typing import Protocol

from lark import Lark, Token
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.lexer import PatternStr

from segmentkit.errors import QuerySyntaxError

__all__ = ["expected_words", "syntax_error"]

RestrictionCheck = Callable[[str], bool]


class _Fail(Protocol):
    def __call__(
        self, problem: str, line: int, column: int, hint: str | None = None
    ) -> QuerySyntaxError: ...


_DESCRIBED = {
    "NAME": "a name",
    "QUOTED_NAME": "a name",
    "NUMBER": "a number",
    "STRING": "a quoted text",
    "DATE": "a date (YYYY-MM-DD)",
    "DATETIME": "a date and time (YYYY-MM-DDTHH:MM)",
    "COMPARE_OP": "a comparison (=, !=, <, <=, >, >=)",
    "$END": "the end of the query",
    "AT": "at least, at most",
    "STARTS": "starts with",
    "ENDS": "ends with",
    "IS": "is null",
    "TIME": "times",
}
_UNITS = frozenset(
    f"{unit}{plural}"
    for unit in ("minute", "hour", "day", "week", "month", "year")
    for plural in ("", "s")
)
_UNIT_WORDS = "a time unit (minutes, hours, days, weeks, months, years)"
_ESCAPE_CODES = frozenset("\"'\\nt")
_HEX = frozenset("0123456789abcdefABCDEF")
# Tokens that start a comparison tail: seeing one where a clause or `and` was
# expected means a comparison was read as an interaction type.
_TAIL_STARTERS = frozenset({"COMPARE_OP", "IS", "CONTAINS", "STARTS", "ENDS", "NOT", "LSQB"})
# Words nobody means as a name: "or" after "and" is a slip, not a name.
_OPERATORS = frozenset({"and", "or", "not"})
# How far the `where (...)` repair looks, in tokens: bounded so a huge query
# cannot make error reporting quadratic.
_REPAIR_REACH = 60


def expected_words(terminals: Iterable[str], parser: Lark) -> list[str]:
    """Plain words for lark terminal names, deduplicated and sorted."""
    words: set[str] = set()
    names = set(terminals)
    for name in names:
        if name in _DESCRIBED:
            words.update(_DESCRIBED[name].split(", ") if name == "AT" else [_DESCRIBED[name]])
            continue
        literal = _literal(name, parser)
        if literal is None:
            continue
        words.add(_UNIT_WORDS if literal in _UNITS else literal)
    # Descriptions ("a name") after the words one can type as is.
    return sorted(words, key=lambda word: (word.startswith(("a ", "the ")), word))


# What may stand where nothing more precise is known.
_ANYTHING = ("a condition, a name, a value or a keyword of the language",)


def syntax_error(
    error: UnexpectedInput, text: str, parser: Lark, is_restriction: RestrictionCheck
) -> QuerySyntaxError:
    """Our error for a lark failure on ``text``.

    ``is_restriction(text)`` says whether a text parses as a bare restriction
    (``a = 1 and b = 2``); it checks the suggested ``where (...)`` fix.
    """
    if isinstance(error, UnexpectedCharacters):
        return _unexpected_character(error, text, parser)
    if isinstance(error, UnexpectedToken):
        return _unexpected_token(error, text, parser, is_restriction)
    line, column = getattr(error, "line", 1), getattr(error, "column", 1)
    return QuerySyntaxError(
        "The query cannot be read here",
        text=text,
        line=max(line, 1),
        column=max(column, 1),
        expected=_ANYTHING,
    )


# --- unexpected characters -------------------------------------------------------------------


def _unexpected_character(
    error: UnexpectedCharacters, text: str, parser: Lark
) -> QuerySyntaxError:
    index = error.pos_in_stream or 0
    char = text[index] if 0 <= index < len(text) else ""
    if char and char in "\"'":
        return _bad_string(text, index)
    line, column = error.line, error.column
    if char == "`":
        return QuerySyntaxError(
            "A name in backticks must be letters, digits and _ (not starting with a digit), "
            "closed by another backtick",
            text=text,
            line=line,
            column=column,
            expected=("a name of letters, digits and _ between two backticks",),
            hint="For example: `day`.",
        )
    hint = None
    if char and char in "&|":
        hint = "Write and / or to combine conditions."
    elif char == "!":
        hint = "Write != for 'is not equal to', or not before a condition."
    elif char == "-" or char == "+" or char.isdigit():
        hint = (
            "Numbers are written like 12, -3 or 1.5e-3; dates like 2026-01-31; "
            "dates and times like 2026-01-31T09:30."
        )
    shown = char if char.isprintable() else ascii(char)[1:-1]
    return QuerySyntaxError(
        f"Unexpected character {shown} here",
        text=text,
        line=line,
        column=column,
        expected=expected_words(error.allowed or (), parser) or _ANYTHING,
        hint=hint,
    )


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


def _bad_string(text: str, start: int) -> QuerySyntaxError:
    """Find what stops the quoted text at ``start`` from being a STRING."""
    quote = text[start]
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == quote:  # closed, and nothing wrong found inside: report the quote
            line, column = _position(text, start)
            return QuerySyntaxError(
                "This quoted text cannot be read",
                text=text,
                line=line,
                column=column,
                expected=("a quoted text",),
            )
        if char in "\n\r":
            line, column = _position(text, index)
            return QuerySyntaxError(
                "A quoted text cannot continue on the next line",
                text=text,
                line=line,
                column=column,
                expected=(f"the closing {quote} on the same line",),
                hint=f"Close it with {quote} on the same line, or write \\n for a line break.",
            )
        if char == "\\":
            code = text[index + 1 : index + 2]
            if code == "u":
                digits = text[index + 2 : index + 6]
                if len(digits) < 4 or not set(digits) <= _HEX:
                    line, column = _position(text, index)
                    return QuerySyntaxError(
                        "\\u in a quoted text must be followed by 4 hexadecimal digits",
                        text=text,
                        line=line,
                        column=column,
                        expected=("4 hexadecimal digits after \\u",),
                        hint="For example \\u00e9 for é.",
                    )
                index += 6
                continue
            if code not in _ESCAPE_CODES or not code:
                line, column = _position(text, index)
                shown = ("\\" + code) if code.isprintable() and code else "\\"
                return QuerySyntaxError(
                    f"Unknown escape {shown} in a quoted text",
                    text=text,
                    line=line,
                    column=column,
                    expected=(
                        "one of the escapes \\\" \\' \\\\ \\n \\t, or \\u and four hex digits",
                    ),
                    hint="For example \\u00e9 for é; write \\\\ for a backslash.",
                )
            index += 2
            continue
        index += 1
    line, column = _position(text, start)
    return QuerySyntaxError(
        "This quoted text is never closed",
        text=text,
        line=line,
        column=column,
        expected=(f"the closing {quote}",),
        hint=f"Add the closing {quote} at the end of the text.",
    )


# --- unexpected tokens -----------------------------------------------------------------------


def _literal(name: str, parser: Lark) -> str | None:
    try:
        pattern = parser.get_terminal(name).pattern
    except (KeyError, LarkError):
        return None
    return pattern.value if isinstance(pattern, PatternStr) else None


def _describe(token: Token, parser: Lark) -> str:
    value = str(token)
    if token.type in ("NAME", "QUOTED_NAME"):
        return f"the name {value}"
    if token.type == "NUMBER":
        return f"the number {value if len(value) <= 20 else value[:17] + '...'}"
    if token.type == "STRING":
        return "a quoted text" if len(value) > 30 else f"the text {value}"
    if token.type in ("DATE", "DATETIME"):
        return f"the date {value}"
    if _literal(token.type, parser) is not None and value.isalpha():
        return f"the word {value}"
    return value


def _tokens(text: str, parser: Lark, stop: int | None = None) -> list[Token]:
    """The tokens of ``text`` as far as the lexer reads, or a little past ``stop``.

    Stopping early keeps reporting an early error in a huge query cheap.
    """
    tokens: list[Token] = []
    beyond = 0
    with contextlib.suppress(LarkError):
        for token in parser.lex(text):
            tokens.append(token)
            if stop is not None and (token.start_pos or 0) > stop:
                beyond += 1
                if beyond > _REPAIR_REACH:
                    break
    return tokens


def _unexpected_token(
    error: UnexpectedToken, text: str, parser: Lark, is_restriction: RestrictionCheck
) -> QuerySyntaxError:
    token: Token = error.token
    accepts = set(error.accepts or error.expected or ())
    expected = expected_words(accepts, parser)

    def fail(problem: str, line: int, column: int, hint: str | None = None) -> QuerySyntaxError:
        return QuerySyntaxError(
            problem, text=text, line=line, column=column, expected=expected, hint=hint
        )

    if token.type == "$END":
        return _unexpected_end(_tokens(text, parser), accepts, fail)
    tokens = _tokens(text, parser, stop=token.start_pos or 0)
    line, column = token.line or 1, token.column or 1
    if token.type == "RPAR" and "RPAR" not in accepts:
        before = [t.type for t in tokens if (t.start_pos or 0) < (token.start_pos or 0)]
        if before.count("LPAR") <= before.count("RPAR"):
            return fail("This ) has no matching (", line, column)
    if token.type in _TAIL_STARTERS:
        repair = _where_repair(tokens, token, is_restriction)
        if repair is not None:
            return fail(
                "A where takes one comparison, or several in parentheses",
                line,
                column,
                hint=f"To combine conditions in a where, put them in parentheses: {repair}",
            )
    keyword = _literal(token.type, parser)
    if token.type == "CONTACT" and "NAME" in accepts:
        return fail(
            "contact.… cannot stand inside a where, which tests the interaction's own fields",
            line,
            column,
            hint="Test the contact outside the where and join with and, e.g. "
            'EmailOpened where linkUrl contains "demo" and contact.country = "DK".',
        )
    if keyword is not None and keyword.isalpha() and keyword not in _OPERATORS and (
        "NAME" in accepts
    ):
        return fail(
            f"{keyword} is a reserved word and cannot be used as a name as it is",
            line,
            column,
            hint=f"To use it as a name, write it in backticks: `{keyword}`.",
        )
    hint = None
    lowered = str(token).lower()
    if token.type == "NAME" and lowered != str(token):
        same = [name for name in accepts if _literal(name, parser) == lowered]
        if same:
            hint = f"Keywords are written in lowercase: {lowered}."
    if token.type == "NUMBER" and tokens:
        hint = _number_hint(tokens, token)
    previous = [t for t in tokens if (t.end_pos or 0) <= (token.start_pos or 0)][-1:]
    if token.type == "NULL" and previous and previous[0].type == "LIKE":
        hint = 'A like pattern is a quoted text, e.g. "%@test.%"; to find a missing value, ' \
            "write is null."
    if token.type == "COMPARE_OP" and any(
        t.type == "COMPARE_OP" and t.end_pos == token.start_pos for t in tokens
    ):
        hint = "Write one comparison sign: = (not ==), !=, <, <=, > or >=."
    return fail(f"Did not expect {_describe(token, parser)} here", line, column, hint)


def _unexpected_end(tokens: list[Token], accepts: set[str], fail: _Fail) -> QuerySyntaxError:
    if not tokens:
        return fail("The query is empty", 1, 1)
    open_brackets: list[Token] = []
    for token in tokens:
        if token.type in ("LPAR", "LSQB"):
            open_brackets.append(token)
        elif token.type in ("RPAR", "RSQB") and open_brackets:
            open_brackets.pop()
    if open_brackets and ("RPAR" in accepts or "RSQB" in accepts):
        bracket = open_brackets[-1]
        closer = ")" if bracket.type == "LPAR" else "]"
        return fail(
            f"This {bracket} is never closed",
            bracket.line or 1,
            bracket.column or 1,
            hint=f"Add the closing {closer}.",
        )
    last = tokens[-1]
    return fail("The query ends too early", last.end_line or 1, last.end_column or 1)


def _number_hint(tokens: list[Token], token: Token) -> str | None:
    # 2026-1-5 lexes as the numbers 2026, -1, -5.
    before = [t for t in tokens if t.end_pos == token.start_pos and t.type == "NUMBER"]
    if before and str(token).startswith("-"):
        return "Write dates as YYYY-MM-DD with two-digit month and day, e.g. 2026-01-05."
    return None


def _where_repair(
    tokens: list[Token], token: Token, is_restriction: RestrictionCheck
) -> str | None:
    """``where (...)`` around the longest run after the last ``where`` that parses.

    ``EmailOpened where a = 1 and b = 2`` fails at the second ``=``: ``and b``
    was read as a new interaction condition ``b``. Parenthesising from the
    ``where`` to some token after the failure fixes it when that stretch is a
    restriction on its own; the parser itself says which stretches are.
    """
    index = next((i for i, t in enumerate(tokens) if t.start_pos == token.start_pos), None)
    if index is None:
        return None
    reach = range(index - 1, max(index - _REPAIR_REACH, -1), -1)
    where = next((i for i in reach if tokens[i].type == "WHERE"), None)
    if where is None:
        return None
    best: str | None = None
    for end in range(index + 1, min(index + _REPAIR_REACH, len(tokens)) + 1):
        candidate = tokens[where + 1 : end]
        restriction = _join(candidate)
        if is_restriction(restriction):
            best = restriction
    return None if best is None else f"where ({best})"


def _join(tokens: list[Token]) -> str:
    """Tokens as text with single spaces, none inside brackets or before commas."""
    out = ""
    for token in tokens:
        value = str(token)
        if out and not out.endswith(("(", "[")) and value not in (")", "]", ","):
            out += " "
        out += value
    return out



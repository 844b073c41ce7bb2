"""Write a query AST as its one canonical text (LANGUAGE.md, "Canonical text").

``parse(format(q)) == q`` for every query, and formatting is idempotent: the
text is a function of the tree alone, never of how the query was first typed.

The formatter dispatches on the node's class to one method per node kind (as
sqlglot's generator does with ``<node>_sql``); subclasses that change one
rendering (a dialect, say) override just that method.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, timedelta
from typing import ClassVar

from segmentkit.errors import InvalidArgumentError, QueryValidationError, SegmentKitError
from segmentkit.language.ast import (
    MAX_DEPTH,
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
    Having,
    InLast,
    InPeriods,
    InteractionCondition,
    ListLiteral,
    Node,
    Not,
    NullLiteral,
    NumberLiteral,
    Or,
    ProfileCondition,
    Query,
    Recency,
    SegmentReference,
    Sequence,
    Since,
    Step,
    StringLiteral,
    WhereAnd,
    WhereNot,
    WhereOr,
    Within,
    depth,
)
from segmentkit.models.text import SURROGATE
from segmentkit.models.values import is_identifier

__all__ = ["KEYWORDS", "Formatter", "format"]

# Every lowercase word of the grammar (LANGUAGE.md "Structure"); an identifier
# spelled like one of these must be written in backticks to be read back as a name.
KEYWORDS = frozenset(
    {
        "and", "or", "not", "where", "via", "at", "least", "most", "exactly", "between",
        "time", "times", "in", "the", "last", "since", "before", "ago", "segment", "contact",
        "all", "true", "false", "null", "is", "contains", "starts", "ends", "with", "like", "of",
        "having", "first", "then", "within",
        "minute", "minutes", "hour", "hours", "day", "days", "week", "weeks",
        "month", "months", "year", "years",
    }
)  # fmt: skip

# Unicode's Cc category is closed by its stability policy: U+0000-U+001F and
# U+007F-U+009F, all below U+0100. Newline and tab get their short escapes.
_STRING_ESCAPES: dict[int, str] = {
    code: f"\\u{code:04x}" for code in range(0x100) if unicodedata.category(chr(code)) == "Cc"
}
_STRING_ESCAPES.update({ord('"'): '\\"', ord("\\"): "\\\\", ord("\n"): "\\n", ord("\t"): "\\t"})

# Binding strength of the operators that may need parentheses; every other
# node (atoms, `not`) binds tighter than both.
_OR, _AND, _TIGHT = 1, 2, 3


def format(query: Query) -> str:
    """The canonical text of ``query``.

    Raises QueryValidationError for a tree nested deeper than ``ast.MAX_DEPTH``
    (such a tree can only be built by hand; ``parse`` refuses the text).
    """
    return Formatter().query(query)


class Formatter:
    """Turns AST nodes into canonical text, one method per node kind."""

    # Node class -> name of the method writing it. Looked up by name, so a
    # subclass that overrides one method (a dialect, say) is obeyed.
    HANDLERS: ClassVar[dict[type[Node], str]] = {
        Or: "or_",
        WhereOr: "or_",
        And: "and_",
        WhereAnd: "and_",
        Not: "not_",
        WhereNot: "not_",
        AllContacts: "all_contacts",
        SegmentReference: "segment_reference",
        ProfileCondition: "profile_condition",
        InteractionCondition: "interaction_condition",
        Recency: "recency",
        Sequence: "sequence",
        Step: "step",
        Within: "within",
        Comparison: "comparison",
        Count: "count",
        Having: "having",
        InLast: "in_last",
        InPeriods: "in_periods",
        Since: "since",
        Before: "before",
        Between: "between",
        Ago: "ago",
        StringLiteral: "string_literal",
        NumberLiteral: "number_literal",
        BooleanLiteral: "boolean_literal",
        NullLiteral: "null_literal",
        DateLiteral: "date_literal",
        DateTimeLiteral: "datetime_literal",
        ListLiteral: "list_literal",
    }

    def query(self, query: Query) -> str:
        if not isinstance(query, Node):
            raise InvalidArgumentError(
                f"format() takes a parsed query, not {type(query).__name__}: "
                "call parse(text) first",
                argument="query",
            )
        # Checked once up front (without recursion), so the recursive methods
        # below can never reach Python's recursion limit.
        if depth(query) > MAX_DEPTH:
            raise QueryValidationError(
                "query nests too deeply",
                hint=f"A query may nest at most {MAX_DEPTH} levels.",
            )
        try:
            return self.node(query)
        except SegmentKitError:
            raise
        except (AttributeError, TypeError, ValueError) as error:
            # Validated nodes cannot get here; a tree made with model_construct
            # (which skips validation) can hold values of the wrong type.
            raise QueryValidationError(f"the query tree is not valid: {error}") from error

    def node(self, node: Node) -> str:
        for cls in type(node).__mro__:
            method = self.HANDLERS.get(cls)
            if method is not None:
                text: str = getattr(self, method)(node)
                return text
        raise QueryValidationError(f"cannot write a {type(node).__name__} node as query text")

    # --- helpers --------------------------------------------------------------

    def operand(self, node: Node, parent_strength: int) -> str:
        """``node`` as an operand of an operator, in parentheses when it binds looser.

        ``and``/``or`` are n-ary, so an operand of the same strength (only
        possible in a hand-made tree) is parenthesised to keep its shape.
        """
        text = self.node(node)
        if _strength(node) <= parent_strength:
            return f"({text})"
        return text

    def identifier(self, name: str) -> str:
        # Validated nodes only hold identifiers; checking again keeps a name
        # from a model_construct'ed node from writing other words into the text.
        if not is_identifier(name):
            raise QueryValidationError(f"{name!r} is not a name a query can hold", word=name)
        return f"`{name}`" if name in KEYWORDS else name

    # --- queries --------------------------------------------------------------

    def or_(self, node: Or | WhereOr) -> str:
        return " or ".join(self.operand(op, _OR) for op in node.operands)

    def and_(self, node: And | WhereAnd) -> str:
        return " and ".join(self.operand(op, _AND) for op in node.operands)

    def not_(self, node: Not | WhereNot) -> str:
        return "not " + self.operand(node.operand, _AND)

    def all_contacts(self, node: AllContacts) -> str:
        return "all"

    def segment_reference(self, node: SegmentReference) -> str:
        return "segment " + self.identifier(node.name)

    def profile_condition(self, node: ProfileCondition) -> str:
        return "contact." + self.node(node.comparison)

    def interaction_condition(self, node: InteractionCondition) -> str:
        words = [self.identifier(node.type), *self.relation(node)]
        if node.count is not None:
            words.append(self.node(node.count))
        if node.having is not None:
            words.append(self.node(node.having))
        if node.window is not None:
            words.append(self.node(node.window))
        return " ".join(words)

    def relation(self, node: InteractionCondition | Recency | Step) -> list[str]:
        """The ``via`` and ``where`` clauses, in that order."""
        words = []
        if node.via is not None:
            words.append("via " + self.identifier(node.via))
        if node.where is not None:
            restriction = self.node(node.where)
            # `where` takes one comparison; anything else (`not` included) is
            # a parenthesised restriction in the grammar.
            if not isinstance(node.where, Comparison):
                restriction = f"({restriction})"
            words.append("where " + restriction)
        return words

    def recency(self, node: Recency) -> str:
        words = [node.which, self.identifier(node.type), *self.relation(node)]
        if node.window is not None:
            words.append(self.node(node.window))
        return " ".join(words)

    def step(self, node: Step) -> str:
        return " ".join([self.identifier(node.type), *self.relation(node)])

    def sequence(self, node: Sequence) -> str:
        words = [" then ".join(self.node(step) for step in node.steps)]
        if node.within is not None:
            words.append(self.node(node.within))
        if node.window is not None:
            words.append(self.node(node.window))
        return " ".join(words)

    def within(self, node: Within) -> str:
        return f"within {node.amount} {_plural(node.unit, node.amount)}"

    # --- comparisons ----------------------------------------------------------

    def comparison(self, node: Comparison) -> str:
        head = f"{self.identifier(node.field)} {node.operator}"
        if node.value is None:  # is null / is not null
            return head
        return f"{head} {self.node(node.value)}"

    # --- counts and windows ---------------------------------------------------

    def count(self, node: Count) -> str:
        if node.upper is not None:
            # "between 0 and 1 time": the noun agrees with the number next to it.
            return f"between {node.value} and {node.upper} {_plural('time', node.upper)}"
        return f"{node.operator} {node.value} {_plural('time', node.value)}"

    def having(self, node: Having) -> str:
        field = self.identifier(node.field)
        return f"having {node.function}({field}) {node.operator} {self.node(node.value)}"

    def in_last(self, node: InLast) -> str:
        return f"in last {node.amount} {_plural(node.unit, node.amount)}"

    def in_periods(self, node: InPeriods) -> str:
        return f"in {node.needed} of last {node.periods} {_plural(node.unit, node.periods)}"

    def since(self, node: Since) -> str:
        return "since " + self.node(node.point)

    def before(self, node: Before) -> str:
        return "before " + self.node(node.point)

    def between(self, node: Between) -> str:
        return f"between {self.node(node.start)} and {self.node(node.end)}"

    def ago(self, node: Ago) -> str:
        return f"{node.amount} {_plural(node.unit, node.amount)} ago"

    # --- literals -------------------------------------------------------------

    def string_literal(self, node: StringLiteral) -> str:
        surrogate = SURROGATE.search(node.value)
        if surrogate is not None:
            # Half of a UTF-16 pair is no character: neither raw nor as an
            # escape would the text read back as the same string.
            raise QueryValidationError(
                "a text holds half of a character pair (a lone surrogate), "
                f"U+{ord(surrogate.group()):04X}, which a query cannot hold"
            )
        return '"' + node.value.translate(_STRING_ESCAPES) + '"'

    def number_literal(self, node: NumberLiteral) -> str:
        value = node.value
        if isinstance(value, int):
            return _int_text(value)
        return repr(float(value))

    def boolean_literal(self, node: BooleanLiteral) -> str:
        return "true" if node.value else "false"

    def null_literal(self, node: NullLiteral) -> str:
        return "null"

    def date_literal(self, node: DateLiteral) -> str:
        return _date_text(node.value)

    def datetime_literal(self, node: DateTimeLiteral) -> str:
        return _datetime_text(node.value)

    def list_literal(self, node: ListLiteral) -> str:
        return "[" + ", ".join(self.node(item) for item in node.items) + "]"


_STRENGTH: dict[type[Node], int] = {Or: _OR, WhereOr: _OR, And: _AND, WhereAnd: _AND}


def _strength(node: Node) -> int:
    return _STRENGTH.get(type(node), _TIGHT)


def _plural(noun: str, number: int) -> str:
    return noun if number == 1 else noun + "s"


def _int_text(value: int) -> str:
    try:
        return str(value)
    except ValueError as error:
        # More digits than sys.get_int_max_str_digits(): the parser could not
        # read such a number back, so it is refused here rather than written.
        raise QueryValidationError(
            "the number is too large to write in a query", hint=str(error)
        ) from error


def _date_text(value: date) -> str:
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def _datetime_text(value: datetime) -> str:
    offset = value.utcoffset()
    if offset is not None and offset % timedelta(minutes=1):
        # The language writes offsets as ±HH:MM. An offset with seconds (old
        # local mean times do that) is written as the same instant in UTC,
        # which compares equal to the original.
        try:
            value = value.astimezone(UTC)
        except OverflowError as error:
            raise QueryValidationError(
                f"the datetime {value.isoformat()} cannot be written with a whole-minute offset"
            ) from error
        offset = timedelta(0)
    text = f"{_date_text(value.date())}T{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    if value.microsecond:
        text += f".{value.microsecond:06d}"
    if offset is None:
        return text
    if not offset:
        return text + "Z"
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(offset) // timedelta(minutes=1)
    return text + f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"

"""Query texts: the canonical text of a query, or another spelling of the same query.

The renderer mirrors ``segmentkit.language.format`` but draws every free choice the
grammar leaves: white space and comments between words, redundant
parentheses, backticks around names, single quotes and ``\\u`` escapes,
``in the last``, ``time``/``times`` whatever the number, clauses in any
order, ``+`` before numbers, ``+00:00`` for ``Z``. Each choice's first option
is the canonical one, so a failing text shrinks to ``format(query)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from segmentkit.language.ast import (
    Ago,
    AllContacts,
    And,
    Before,
    Between,
    Comparison,
    Count,
    DateTimeLiteral,
    Having,
    InLast,
    InPeriods,
    InteractionCondition,
    ListLiteral,
    Node,
    Not,
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
)
from segmentkit.language.format import KEYWORDS, Formatter

# Between two words: at least one blank; a comment runs to the end of its line.
_SPACES = (" ", "  ", "\n", "\t", " # note\n", "\n# and ) or 'x\n  ")
# Where canonical text has no blank (inside brackets, around the dot of contact.x).
_TIGHT = ("", " ", "\n")
_OR, _AND, _TIGHTEST = 1, 2, 3
_STRENGTH: dict[type[Node], int] = {Or: _OR, WhereOr: _OR, And: _AND, WhereAnd: _AND}


class _Renderer:
    """Writes one query, asking ``draw`` for every choice the grammar leaves open."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw

    def pick(self, *options: str) -> str:
        chosen: str = self.draw(st.sampled_from(options))
        return chosen

    def flag(self) -> bool:
        chosen: bool = self.draw(st.booleans())
        return chosen

    def words(self, *parts: str) -> str:
        """Words separated by blanks (canonical: one space)."""
        text = parts[0]
        for part in parts[1:]:
            text += self.pick(*_SPACES) + part
        return text

    def tight(self) -> str:
        return self.pick(*_TIGHT)

    def parenthesised(self, text: str) -> str:
        return "(" + self.tight() + text + self.tight() + ")"

    def name(self, identifier: str) -> str:
        if identifier in KEYWORDS or self.flag():
            return f"`{identifier}`"
        return identifier

    # --- queries -----------------------------------------------------------------

    def node(self, node: Node) -> str:
        handler: Callable[[Any], str] = getattr(self, "_" + type(node).__name__)
        return handler(node)

    def operand(self, node: Node, parent: int) -> str:
        text = self.node(node)
        # Needed parentheses, or redundant ones (drawn, not needed first).
        if _STRENGTH.get(type(node), _TIGHTEST) <= parent or self.flag():
            return self.parenthesised(text)
        return text

    def _junction(self, node: And | Or | WhereAnd | WhereOr, word: str, strength: int) -> str:
        return self.words(
            *(
                part
                for index, operand in enumerate(node.operands)
                for part in ((word,) if index else ()) + (self.operand(operand, strength),)
            )
        )

    def _Or(self, node: Or) -> str:
        return self._junction(node, "or", _OR)

    def _And(self, node: And) -> str:
        return self._junction(node, "and", _AND)

    def _Not(self, node: Not | WhereNot) -> str:
        return self.words("not", self.operand(node.operand, _AND))

    _WhereOr = _Or
    _WhereAnd = _And
    _WhereNot = _Not

    def _AllContacts(self, node: AllContacts) -> str:
        return "all"

    def _SegmentReference(self, node: SegmentReference) -> str:
        return self.words("segment", self.name(node.name))

    def _ProfileCondition(self, node: ProfileCondition) -> str:
        head = "contact" + self.tight() + "." + self.tight()
        return head + self._Comparison(node.comparison)

    def _InteractionCondition(self, node: InteractionCondition) -> str:
        clauses: list[str] = []
        if node.via is not None:
            clauses.append(self.words("via", self.name(node.via)))
        if node.where is not None:
            restriction = self.node(node.where)
            if not isinstance(node.where, Comparison) or self.flag():
                restriction = self.parenthesised(restriction)
            clauses.append(self.words("where", restriction))
        if node.count is not None:
            clauses.append(self.node(node.count))
        if node.having is not None:
            clauses.append(self.node(node.having))
        if node.window is not None:
            clauses.append(self.node(node.window))
        ordered: list[str] = self.draw(st.permutations(clauses))
        return self.words(self.name(node.type), *ordered)

    def _relation(self, node: InteractionCondition | Recency | Step) -> list[str]:
        clauses: list[str] = []
        if node.via is not None:
            clauses.append(self.words("via", self.name(node.via)))
        if node.where is not None:
            restriction = self.node(node.where)
            if not isinstance(node.where, Comparison) or self.flag():
                restriction = self.parenthesised(restriction)
            clauses.append(self.words("where", restriction))
        return clauses

    def _Recency(self, node: Recency) -> str:
        clauses = self._relation(node)
        ordered: list[str] = self.draw(st.permutations(clauses))
        if node.window is not None:
            ordered.append(self.node(node.window))  # the window ends a recency condition
        return self.words(node.which, self.name(node.type), *ordered)

    def _Step(self, node: Step) -> str:
        ordered: list[str] = self.draw(st.permutations(self._relation(node)))
        return self.words(self.name(node.type), *ordered)

    def _Sequence(self, node: Sequence) -> str:
        parts = [self.node(node.steps[0])]
        for step in node.steps[1:]:
            parts += ["then", self.node(step)]
        if node.within is not None:
            parts.append(self._Within(node.within))
        if node.window is not None:
            parts.append(self.node(node.window))
        return self.words(*parts)

    def _Within(self, node: Within) -> str:
        return self.words("within", str(node.amount), self.noun(node.unit, node.amount))

    # --- comparisons, counts, windows ------------------------------------------------

    def _Comparison(self, node: Comparison) -> str:
        operator = self.words(*node.operator.split(" "))
        if node.value is None:
            return self.words(self.name(node.field), operator)
        return self.words(self.name(node.field), operator, self.node(node.value))

    def noun(self, word: str, number: int) -> str:
        canonical = word if number == 1 else word + "s"
        return self.pick(canonical, word + "s" if number == 1 else word)

    def _Count(self, node: Count) -> str:
        if node.upper is not None:
            return self.words(
                "between", str(node.value), "and", str(node.upper), self.noun("time", node.upper)
            )
        return self.words(*node.operator.split(" "), str(node.value), self.noun("time", node.value))

    def _Having(self, node: Having) -> str:
        call = (
            self.name(node.function) + self.tight() + "(" + self.tight() + self.name(node.field)
            + self.tight() + ")"
        )
        return self.words("having", call, node.operator, self.node(node.value))

    def _InLast(self, node: InLast) -> str:
        lead = self.pick("in", "in the")
        return self.words(
            *lead.split(" "), "last", str(node.amount), self.noun(node.unit, node.amount)
        )

    def _InPeriods(self, node: InPeriods) -> str:
        lead = self.pick("last", "the last")
        return self.words(
            "in", str(node.needed), "of", *lead.split(" "), str(node.periods),
            self.noun(node.unit, node.periods),
        )

    def _Since(self, node: Since) -> str:
        return self.words("since", self.node(node.point))

    def _Before(self, node: Before) -> str:
        return self.words("before", self.node(node.point))

    def _Between(self, node: Between) -> str:
        return self.words("between", self.node(node.start), "and", self.node(node.end))

    def _Ago(self, node: Ago) -> str:
        return self.words(str(node.amount), self.noun(node.unit, node.amount), "ago")

    # --- literals -------------------------------------------------------------------

    def _StringLiteral(self, node: StringLiteral) -> str:
        canonical = _canonical(node)
        if not self.flag():
            return canonical
        quote = self.pick("'", '"')
        escape_non_ascii = self.flag()
        out = []
        for char in node.value:
            code = ord(char)
            if char in (quote, "\\"):
                out.append("\\" + char)
            elif char == "\n":
                out.append("\\n")
            elif char == "\t":
                out.append("\\t")
            elif (
                code < 0x20 or 0x7F <= code < 0xA0 or (escape_non_ascii and 0x7F <= code <= 0xFFFF)
            ):
                out.append(f"\\u{code:04x}")
            else:
                out.append(char)
        return quote + "".join(out) + quote

    def _NumberLiteral(self, node: NumberLiteral) -> str:
        text = _canonical(node)
        if not text.startswith("-") and self.flag():
            text = "+" + text
        return text.replace("e", "E") if self.flag() else text

    def _DateTimeLiteral(self, node: DateTimeLiteral) -> str:
        text = _canonical(node)
        value = node.value
        if text.endswith("Z") and self.flag():
            text = text[:-1] + "+00:00"
        if value.second == 0 and value.microsecond == 0 and self.flag():
            # The seconds are optional when zero: 2026-03-01T09:00.
            stamp_end = 16
            text = text[:stamp_end] + text[stamp_end + 3 :]
        return text

    def _ListLiteral(self, node: ListLiteral) -> str:
        items = [self.node(item) for item in node.items]
        inner = ""
        for index, item in enumerate(items):
            inner += ("," + self.tight() + " " if index else "") + item
        return "[" + self.tight() + inner + self.tight() + "]"

    def _one_spelling(self, node: Node) -> str:
        return _canonical(node)

    # Booleans, null and dates have one spelling only, the canonical one.
    _BooleanLiteral = _NullLiteral = _DateLiteral = _one_spelling


def _canonical(node: Node) -> str:
    return Formatter().node(node)


def spell(draw: st.DrawFn, query: Query) -> str:
    """One text that parses to ``query``; the canonical text when every choice is first."""
    text = _Renderer(draw).node(query)
    lead = draw(st.sampled_from(("", " ", "# a query\n")))
    trail = draw(st.sampled_from(("", "\n", "  # the end")))
    return lead + text + trail


@st.composite
def spellings(draw: st.DrawFn, query: Query) -> str:
    """The texts ``spell`` writes for ``query``."""
    return spell(draw, query)

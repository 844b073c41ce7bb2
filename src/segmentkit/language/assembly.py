"""Putting an interaction condition's clauses together: each kind at most once,
and for sequences and ``first`` / ``last`` which clause may stand where.

The clauses arrive as the grammar read them (any order, a sequence's steps
as plain conditions); these functions decide, with the clause's position at
hand for the error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lark import Token

from segmentkit.language.ast import Count, Sequence, Step, Within
from segmentkit.language.literal_text import Position, at, fail, identifier

__all__ = [
    "CLAUSE_NAMES",
    "Clause",
    "SequenceEnd",
    "StepClauses",
    "classify",
    "clause_fields",
    "sequence_of",
    "trailing_window",
]


@dataclass(frozen=True)
class Clause:
    """A `via` or `where` clause on its way into its InteractionCondition."""

    kind: str
    value: Any
    position: Position
    value_position: Position | None = None


@dataclass(frozen=True)
class StepClauses:
    """One step of a sequence on its way in: its type and its clauses as written."""

    name: Token
    clauses: list[Any]


@dataclass(frozen=True)
class SequenceEnd:
    """``within N UNIT [window]`` after the last step."""

    within: Within
    window: Any
    position: Position


CLAUSE_NAMES = {
    "via": "via clause",
    "where": "where clause",
    "count": "count (at least / at most / exactly / between ... times)",
    "having": "having clause",
    "window": "time window (in last / in ... of last / since / before / between)",
    "within": "within clause",
}


def classify(clause: Any) -> tuple[str, Any, Position]:
    """A clause's kind ("via", "where", "having", "count" or "window"), value and position."""
    if isinstance(clause, Clause):
        return clause.kind, clause.value, clause.position
    kind = "count" if isinstance(clause, Count) else "window"
    return kind, clause, clause.position() or (1, 1)


def clause_fields(clauses: list[Any], what: str) -> tuple[dict[str, Any], Position | None]:
    """The clauses as node fields (each kind at most once) and where ``via``'s field stood."""
    fields: dict[str, Any] = {}
    via_position: Position | None = None
    for clause in clauses:
        kind, value, position = classify(clause)
        if kind in fields:
            raise fail(
                f"The {CLAUSE_NAMES[kind]} appears twice in one {what}",
                position,
                hint="Each kind of clause may appear at most once; "
                "combine the two into one, or join two conditions with and.",
                expected=f"each kind of clause at most once in one {what}",
            )
        fields[kind] = value
        if isinstance(clause, Clause) and kind == "via":
            via_position = clause.value_position
    return fields, via_position


def trailing_window(clauses: list[Any], *, allowed_window: bool) -> tuple[list[Any], Any]:
    """The clauses without a window that ends them, and that window (or None)."""
    if allowed_window and clauses and classify(clauses[-1])[0] == "window":
        return clauses[:-1], clauses[-1]
    return clauses, None


def sequence_of(steps: list[StepClauses], end: SequenceEnd | None) -> Sequence:
    """The steps as a Sequence: each step takes only via and where; the window
    comes after the last step (and after within)."""
    nodes: list[Step] = []
    window = None if end is None else end.window
    for index, step in enumerate(steps):
        clauses = step.clauses
        if index == len(steps) - 1 and end is None:
            clauses, window = trailing_window(clauses, allowed_window=True)
        for clause in clauses:
            kind, _, position = classify(clause)
            if kind == "window":
                raise fail(
                    "A window cannot stand inside a step of a sequence",
                    position,
                    hint="Write it after the last step (and after within): "
                    "A then B within 2 days in last 30 days.",
                    expected="then, via or where (a window comes after the last step)",
                )
            if kind in ("count", "having"):
                raise fail(
                    f"A step of a sequence takes no {CLAUSE_NAMES[kind]}, only via and where",
                    position,
                    hint="To count, use an interaction condition and join it with and.",
                    expected="then, via or where",
                )
        fields, via_position = clause_fields(clauses, "step of a sequence")
        nodes.append(
            Step(type=identifier(step.name), **fields).at(node=at(step.name), via=via_position)
        )
    return Sequence(
        steps=tuple(nodes), within=None if end is None else end.within, window=window
    ).at(node=nodes[0].position())



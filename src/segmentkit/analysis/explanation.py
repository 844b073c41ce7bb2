"""``Explanation``: why one contact is or is not in each part of a query.

A tree mirroring the query's: each node says whether the contact is in that
part's set (``member``), and what was found for it. ``str()`` writes it as
an indented tree a marketer can read, one line a node::

    all of → no
      EmailOpened at least 3 times in last 14 days: 2 records (i17, i42), needed at least 3 → no
      contact.country = "DK": "DK" → true → yes
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from segmentkit.language.ast import (
    AllContacts,
    And,
    Count,
    InteractionCondition,
    Node,
    Not,
    Or,
    ProfileCondition,
    Query,
    Recency,
    SegmentReference,
)
from segmentkit.language.format import format as format_query

__all__ = ["Explanation", "Truth", "WindowBounds"]

Truth = Literal["true", "false", "unknown"]
WindowBounds = tuple[datetime | None, datetime | None]

# How many record ids a line shows before "and N more".
_SHOWN_RECORDS = 5


@dataclass(frozen=True, slots=True)
class Explanation:
    """One node of a query, explained for one contact.

    ``node`` is the AST node and ``member`` whether the contact is in its set;
    ``children`` explain its operands (a segment reference: the segment's own
    query, one child). An interaction, ``first``/``last`` or sequence node
    adds ``records`` (ids of the records that counted, in time order),
    ``count``, ``window`` (start, end) as aware datetimes in the evaluation's
    time zone, None for an open end (the end is ``now`` itself when the window
    runs up to now, else exclusive); for a periodic window ``window`` holds
    one pair per period and ``period_counts`` the count of each; and
    ``aggregate``, the ``having`` value (None when null). A profile condition
    adds ``value`` (None when missing) and ``truth``.
    """

    node: Node
    member: bool
    children: tuple[Explanation, ...] = ()
    records: tuple[str, ...] | None = None
    count: int | None = None
    window: WindowBounds | tuple[WindowBounds, ...] | None = None
    period_counts: tuple[int, ...] | None = None
    aggregate: Any = None
    value: Any = None
    truth: Truth | None = None
    # What the line says was looked for, when it is more than the node's text.
    note: str | None = field(default=None, compare=False)

    def __str__(self) -> str:
        lines: list[str] = []
        pending: list[tuple[Explanation, int]] = [(self, 0)]
        while pending:  # no recursion: trees may be deep
            explanation, depth = pending.pop()
            lines.append("  " * depth + explanation.line())
            pending.extend((child, depth + 1) for child in reversed(explanation.children))
        return "\n".join(lines)

    def line(self) -> str:
        """This node's own line: what was asked, what was found, and the verdict."""
        verdict = "→ yes" if self.member else "→ no"
        node = self.node
        if isinstance(node, And):
            return f"all of {verdict}"
        if isinstance(node, Or):
            return f"any of {verdict}"
        if isinstance(node, Not):
            return f"not {verdict}"
        if isinstance(node, AllContacts):
            return f"all contacts {verdict}"
        if isinstance(node, SegmentReference):
            found = f" ({self.note})" if self.note else ""
            return f"segment {node.name}{found} {verdict}"
        if isinstance(node, ProfileCondition):
            shown = "missing" if self.value is None else _value_text(self.value)
            return f"{format_query(node)}: {shown} → {self.truth} {verdict}"
        found = self._records_text()
        if isinstance(node, InteractionCondition):
            needed = f", needed {_count_text(node.count)}"
            if self.period_counts is not None:
                counts = ", ".join(str(n) for n in self.period_counts)
                needed += f" in {node.window.needed} of the periods ({counts})"  # type: ignore[union-attr]
            if node.having is not None:
                value = "null" if self.aggregate is None else _value_text(self.aggregate)
                needed += f"; {node.having.function}({node.having.field}) = {value}"
            return f"{format_query(node)}: {found}{needed} {verdict}"
        text = format_query(node) if isinstance(node, Query) else type(node).__name__
        if isinstance(node, Recency) and self.records:
            noun = "record" if self.count == 1 else "records"
            return (f"{text}: the {node.which} of {self.count} {noun} is {self.records[0]}, "
                    f"{self.note} {verdict}")
        if self.note:
            return f"{text}: {found}; {self.note} {verdict}"
        return f"{text}: {found} {verdict}"

    def _records_text(self) -> str:
        records = self.records or ()
        count = self.count if self.count is not None else len(records)
        noun = "record" if count == 1 else "records"
        if not records:
            return f"{count} {noun}"
        shown = ", ".join(records[:_SHOWN_RECORDS])
        more = len(records) - _SHOWN_RECORDS
        if more > 0:
            shown += f", and {more} more"
        return f"{count} {noun} ({shown})"


def _count_text(count: Count | None) -> str:
    if count is None:
        return "at least 1"
    if count.operator == "between":
        return f"between {count.value} and {count.upper}"
    return f"{count.operator} {count.value}"


def _value_text(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value + '"'
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)

"""The base of every AST node, and the names shared by all of them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, PrivateAttr

__all__ = [
    "MAX_DEPTH",
    "ComparisonOperator",
    "CountOperator",
    "Node",
    "OrderOperator",
    "Position",
    "Unit",
    "depth",
    "flatten_operands",
]

# Deeper queries are refused (QueryValidationError from the checker): every
# stage walks the tree, and Python's recursion limit must never be what stops it.
MAX_DEPTH = 100

Unit = Literal["minute", "hour", "day", "week", "month", "year"]
CountOperator = Literal["at least", "at most", "exactly", "between"]
OrderOperator = Literal["=", "!=", "<", "<=", ">", ">="]
ComparisonOperator = Literal[
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "in",
    "not in",
    "is null",
    "is not null",
    "contains",
    "starts with",
    "ends with",
    "like",
    "not like",
]

Position = tuple[int, int]


class Node(BaseModel):
    """Base of every AST node: frozen, strict about extra keys, equal by value."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Where the node's words stood in the query text: field name -> (line, column),
    # with "" for the node's own first word. Not part of equality or JSON.
    _positions: dict[str, Position] = PrivateAttr(default_factory=dict)

    def __eq__(self, other: object) -> bool:
        # Pydantic's default __eq__ also compares private attributes (our
        # positions); two queries are equal when their fields are.
        if type(self) is not type(other):
            return NotImplemented if not isinstance(other, Node) else False
        return self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash((type(self).__name__, *self.__dict__.values()))

    def position(self, field: str = "") -> Position | None:
        """The (line, column) of the word for ``field`` ("" = the node itself)."""
        return self._positions.get(field) or self._positions.get("")

    def at(self, **positions: Position | None) -> Self:
        """Record source positions (used by the parser); returns self."""
        for field, pos in positions.items():
            if pos is not None:
                self._positions["" if field == "node" else field] = pos
        return self

    def children(self) -> Iterator[Node]:
        """The node's direct child nodes, in field order."""
        for value in self.__dict__.values():
            if isinstance(value, Node):
                yield value
            elif isinstance(value, tuple):
                for item in value:
                    if isinstance(item, Node):
                        yield item

    def walk(self) -> Iterator[Node]:
        """This node and all its descendants, depth first, without recursion."""
        stack: list[Node] = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(list(node.children())))


def depth(node: Node) -> int:
    """Nesting depth of a tree (a leaf has depth 1), computed without recursion."""
    deepest = 0
    stack: list[tuple[Node, int]] = [(node, 1)]
    while stack:
        current, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in current.children())
    return deepest


def flatten_operands(operands: tuple[Any, ...], kind: type[Any]) -> tuple[Any, ...]:
    """Splice the operands of same-kind children into their parent."""
    if not any(type(op) is kind for op in operands):
        return operands
    flat: list[Any] = []
    for operand in operands:
        if type(operand) is kind:
            flat.extend(operand.operands)
        else:
            flat.append(operand)
    return tuple(flat)


"""The query AST: the one meeting point of parser, formatter, checker and evaluator.

Every node is a frozen Pydantic model with a ``kind`` tag, compares by value,
hashes, and serialises to JSON and back. Source positions (for error
messages) ride along as a private attribute that takes no part in equality,
hashing or serialisation, so ``parse(format(q)) == q`` holds although the
formatted text puts words in other places.

``and``/``or`` nodes are n-ary and flatten nested nodes of their own kind on
construction: ``a and b and c`` is one ``And`` with three operands however it
was built, which keeps long chains shallow and gives each query one shape.

The nodes live in modules by what they are (``node``, ``literals``,
``restrictions``, ``clauses``, ``queries``); import them from here.
"""

from segmentkit.language.ast.clauses import (
    AGGREGATES,
    Aggregate,
    Before,
    Between,
    Count,
    Having,
    InLast,
    InPeriods,
    Point,
    Since,
    Window,
)
from segmentkit.language.ast.literals import (
    Ago,
    AnyLiteral,
    BooleanLiteral,
    DateLiteral,
    DateTimeLiteral,
    ListLiteral,
    NullLiteral,
    NumberLiteral,
    ScalarLiteral,
    StringLiteral,
)
from segmentkit.language.ast.node import (
    MAX_DEPTH,
    ComparisonOperator,
    CountOperator,
    Node,
    OrderOperator,
    Position,
    Unit,
    depth,
)
from segmentkit.language.ast.queries import (
    AllContacts,
    And,
    AnyQuery,
    InteractionCondition,
    Not,
    Or,
    ProfileCondition,
    Query,
    Recency,
    SegmentReference,
    Sequence,
    Step,
    Within,
)
from segmentkit.language.ast.restrictions import (
    Comparison,
    Restriction,
    WhereAnd,
    WhereNot,
    WhereOr,
)
from segmentkit.models.values import Identifier

__all__ = [
    "AGGREGATES",
    "MAX_DEPTH",
    "Aggregate",
    "Ago",
    "AllContacts",
    "And",
    "AnyLiteral",
    "AnyQuery",
    "Before",
    "Between",
    "BooleanLiteral",
    "Comparison",
    "ComparisonOperator",
    "Count",
    "CountOperator",
    "DateLiteral",
    "DateTimeLiteral",
    "Having",
    "Identifier",
    "InLast",
    "InPeriods",
    "InteractionCondition",
    "ListLiteral",
    "Node",
    "Not",
    "NullLiteral",
    "NumberLiteral",
    "Or",
    "OrderOperator",
    "Point",
    "Position",
    "ProfileCondition",
    "Query",
    "Recency",
    "Restriction",
    "ScalarLiteral",
    "SegmentReference",
    "Sequence",
    "Since",
    "Step",
    "StringLiteral",
    "Unit",
    "WhereAnd",
    "WhereNot",
    "WhereOr",
    "Window",
    "Within",
    "depth",
]

"""The query nodes: conditions, segment references and the set algebra over them."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self, cast

from pydantic import Field, TypeAdapter, field_validator

from segmentkit.language.ast.clauses import Count, Having, Window
from segmentkit.language.ast.node import Node, Unit, flatten_operands
from segmentkit.language.ast.restrictions import Comparison, Restriction
from segmentkit.models.values import Identifier

__all__ = [
    "AllContacts",
    "And",
    "AnyQuery",
    "InteractionCondition",
    "Not",
    "Or",
    "ProfileCondition",
    "Query",
    "Recency",
    "SegmentReference",
    "Sequence",
    "Step",
    "Within",
]


class Query(Node):
    """Base of the query nodes: set algebra with Python operators.

    ``Query.model_validate(...)`` / ``Query.model_validate_json(...)`` accept
    any query node (dispatching on ``kind``).
    """

    def __and__(self, other: Query) -> And:
        return And(operands=(self, other))

    def __or__(self, other: Query) -> Or:
        return Or(operands=(self, other))

    def __invert__(self) -> Not:
        return Not(operand=self)

    def __sub__(self, other: Query) -> And:
        return And(operands=(self, Not(operand=other)))

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Self:
        if cls is Query:
            return cast(Self, _QUERY_ADAPTER.validate_python(obj, *args, **kwargs))
        return super().model_validate(obj, *args, **kwargs)

    @classmethod
    def model_validate_json(
        cls, json_data: str | bytes | bytearray, *args: Any, **kwargs: Any
    ) -> Self:
        if cls is Query:
            return cast(Self, _QUERY_ADAPTER.validate_json(json_data, *args, **kwargs))
        return super().model_validate_json(json_data, *args, **kwargs)


class InteractionCondition(Query):
    """``TYPE [via FIELD] [where ...] [count] [having ...] [window]``."""

    kind: Literal["interaction"] = "interaction"
    type: Identifier
    via: Identifier | None = None
    where: Restriction | None = None
    count: Count | None = None
    having: Having | None = None
    window: Window | None = None


class ProfileCondition(Query):
    """``contact.PATH comparison-tail``."""

    kind: Literal["profile"] = "profile"
    comparison: Comparison


class SegmentReference(Query):
    kind: Literal["segment"] = "segment"
    name: Identifier


class AllContacts(Query):
    kind: Literal["all"] = "all"


class And(Query):
    kind: Literal["and"] = "and"
    operands: tuple[AnyQuery, ...] = Field(min_length=2)

    @field_validator("operands", mode="after")
    @classmethod
    def _flatten(cls, operands: tuple[AnyQuery, ...]) -> tuple[AnyQuery, ...]:
        return flatten_operands(operands, cls)


class Or(Query):
    kind: Literal["or"] = "or"
    operands: tuple[AnyQuery, ...] = Field(min_length=2)

    @field_validator("operands", mode="after")
    @classmethod
    def _flatten(cls, operands: tuple[AnyQuery, ...]) -> tuple[AnyQuery, ...]:
        return flatten_operands(operands, cls)


class Not(Query):
    kind: Literal["not"] = "not"
    operand: AnyQuery


class Recency(Query):
    """``first TYPE ...`` / ``last TYPE ...``: the contact's earliest or latest
    matching record (the window plays no part in choosing it) lies in the window."""

    kind: Literal["recency"] = "recency"
    which: Literal["first", "last"]
    type: Identifier
    via: Identifier | None = None
    where: Restriction | None = None
    window: Window | None = None


class Step(Node):
    """One step of a sequence: ``TYPE [via FIELD] [where ...]``."""

    kind: Literal["step"] = "step"
    type: Identifier
    via: Identifier | None = None
    where: Restriction | None = None


class Within(Node):
    """``within N UNIT``: the last step at most this long after the first."""

    kind: Literal["within"] = "within"
    amount: int
    unit: Unit


class Sequence(Query):
    """``S1 then S2 ... [within N UNIT] [window]``: different records, one per
    step, in time order (equal timestamps in either order)."""

    kind: Literal["sequence"] = "sequence"
    steps: tuple[Step, ...] = Field(min_length=2)
    within: Within | None = None
    window: Window | None = None


AnyQuery = Annotated[
    InteractionCondition
    | ProfileCondition
    | SegmentReference
    | AllContacts
    | And
    | Or
    | Not
    | Recency
    | Sequence,
    Field(discriminator="kind"),
]


for _model in (And, Or, Not, InteractionCondition, ProfileCondition, Recency, Step, Sequence):
    _model.model_rebuild()

_QUERY_ADAPTER: TypeAdapter[AnyQuery] = TypeAdapter(AnyQuery)

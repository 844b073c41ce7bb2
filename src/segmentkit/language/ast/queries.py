"""The query nodes: conditions, segment references and the set algebra over them."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self, cast

from pydantic import Field, TypeAdapter, field_validator

from segmentkit.language.ast.clauses import Count, Having, Window
from segmentkit.language.ast.node import Node, flatten_operands
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
    "SegmentReference",
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


AnyQuery = Annotated[
    InteractionCondition | ProfileCondition | SegmentReference | AllContacts | And | Or | Not,
    Field(discriminator="kind"),
]


for _model in (And, Or, Not, InteractionCondition, ProfileCondition):
    _model.model_rebuild()

_QUERY_ADAPTER: TypeAdapter[AnyQuery] = TypeAdapter(AnyQuery)

"""The rules a query's names must follow in one repository (LANGUAGE.md "Names
are checked before evaluation", "Aggregates"): every type, field, ``via`` and
segment named exists, and a ``having`` aggregate fits the kind of its field.
Reported at the position the parser recorded on the node, with the closest
known names.
"""

from __future__ import annotations

from collections.abc import Mapping

from segmentkit.language.ast import (
    Ago,
    Comparison,
    DateLiteral,
    DateTimeLiteral,
    Having,
    InteractionCondition,
    Node,
    NumberLiteral,
    ProfileCondition,
    Query,
    Recency,
    SegmentReference,
    Step,
    StringLiteral,
)
from segmentkit.language.check import error_at
from segmentkit.models.records import CONTACT_FIELDS, InteractionType, Segment
from segmentkit.models.values import FieldKind
from segmentkit.suggestions import close_names, nearest_names

__all__ = ["check_names", "referenced_segments"]


# --- names ---------------------------------------------------------------------------------


def check_names(
    query: Query,
    *,
    types: Mapping[str, InteractionType],
    segments: Mapping[str, Segment],
    text: str | None = None,
    attributes: Mapping[str, FieldKind] | None = None,
) -> None:
    """Raise QueryValidationError for the first unknown type, field, via or segment.

    Profile paths (``contact.X``) are never unknown while contact attributes
    are free-form; once ``attributes`` (declared kinds) are given, a path must
    be a contact field or a declared attribute.
    """
    for node in query.walk():
        if isinstance(node, InteractionCondition | Recency | Step):
            _check_interaction(node, types, text)
        elif (
            attributes
            and isinstance(node, ProfileCondition)
            and node.comparison.field not in CONTACT_FIELDS
            and node.comparison.field not in attributes
        ):
            field = node.comparison.field
            raise error_at(
                f"No contact attribute {field} is declared",
                node.comparison,
                text=text,
                word=field,
                # API.md: "with did you mean": the declared names nearest, when
                # none is close (as for via below).
                suggestions=close_names(field, [*attributes, *sorted(CONTACT_FIELDS)])
                or nearest_names(field, attributes),
                hint="The repository declares its contact attributes (repo.attributes()).",
            )
        elif isinstance(node, SegmentReference) and node.name not in segments:
            raise error_at(
                f"There is no segment named {node.name}",
                node,
                "name",
                text=text,
                word=node.name,
                suggestions=close_names(node.name, segments),
            )


def _check_interaction(
    condition: InteractionCondition | Recency | Step,
    types: Mapping[str, InteractionType],
    text: str | None,
) -> None:
    schema = types.get(condition.type)
    if schema is None:
        raise error_at(
            f"There is no interaction type named {condition.type}",
            condition,
            "type",
            text=text,
            word=condition.type,
            suggestions=close_names(condition.type, types),
        )
    if condition.via is not None:
        if condition.via not in schema.fields:
            raise error_at(
                f"{schema.name} records have no field {condition.via}",
                condition,
                "via",
                text=text,
                word=condition.via,
                suggestions=close_names(condition.via, schema.contact_references),
            )
        if condition.via not in schema.contact_references:
            references = sorted(schema.contact_references)
            raise error_at(
                f"The field {condition.via} of {schema.name} does not hold a contact id, "
                "so it cannot follow via",
                condition,
                "via",
                text=text,
                word=condition.via,
                suggestions=close_names(condition.via, references) or references[:3],
            )
    if isinstance(condition, InteractionCondition) and condition.having is not None:
        _check_having_field(condition.having, schema, text)
    if condition.where is not None:
        for part in condition.where.walk():
            if isinstance(part, Comparison) and part.field not in schema.fields:
                raise error_at(
                    f"{schema.name} records have no field {part.field}",
                    part,
                    text=text,
                    word=part.field,
                    suggestions=close_names(part.field, schema.fields),
                )


# Which field kinds each aggregate takes, and (for min and max) which
# literal kinds compare with each field kind.
_AGGREGATE_FIELDS: dict[str, frozenset[str]] = {
    "sum": frozenset({"number"}),
    "avg": frozenset({"number"}),
    "min": frozenset({"number", "text", "date", "datetime"}),
    "max": frozenset({"number", "text", "date", "datetime"}),
    "distinct": frozenset({"number", "text", "date", "datetime", "boolean"}),
}
_EXTREME_LITERALS: dict[str, tuple[type[Node], ...]] = {
    "number": (NumberLiteral,),
    "text": (StringLiteral,),
    "date": (DateLiteral, DateTimeLiteral, Ago),
    "datetime": (DateLiteral, DateTimeLiteral, Ago),
}
_FIELD_KIND_WORDS = {
    "number": "a number",
    "text": "text",
    "date": "a date",
    "datetime": "a date and time",
    "boolean": "true/false",
    "list": "a list",
}


def _check_having_field(having: Having, schema: InteractionType, text: str | None) -> None:
    kind = schema.fields.get(having.field)
    if kind is None:
        raise error_at(
            f"{schema.name} records have no field {having.field}",
            having,
            "field",
            text=text,
            word=having.field,
            suggestions=close_names(having.field, schema.fields),
        )
    takes = _AGGREGATE_FIELDS[having.function]
    if kind not in takes:
        wanted = " or ".join(_FIELD_KIND_WORDS[k] for k in sorted(takes))
        raise error_at(
            f"{having.function}({having.field}) needs a field of {wanted}; "
            f"{having.field} holds {_FIELD_KIND_WORDS[kind]}",
            having,
            "field",
            text=text,
            word=having.field,
        )
    if having.function in ("min", "max") and not isinstance(
        having.value, _EXTREME_LITERALS[kind]
    ):
        raise error_at(
            f"{having.function}({having.field}) is {_FIELD_KIND_WORDS[kind]}: compare it "
            f"with {_FIELD_KIND_WORDS[kind]}",
            having.value,
            text=text,
        )


def referenced_segments(query: Query) -> list[str]:
    """The distinct names of ``segment X`` atoms, in query order."""
    names: dict[str, None] = {}
    for node in query.walk():
        if isinstance(node, SegmentReference):
            names.setdefault(node.name)
    return list(names)

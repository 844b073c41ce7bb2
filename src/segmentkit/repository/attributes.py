"""Declaring contact attribute kinds (API.md "Contact attribute kinds"): checking
the declaration, the contacts it must fit and the live segments it must keep."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from segmentkit.errors import InvalidArgumentError, QueryValidationError, RecordError
from segmentkit.language.names import check_names
from segmentkit.models.records import InteractionType
from segmentkit.models.text import surrogate_problem
from segmentkit.models.values import FIELD_KINDS, FieldKind
from segmentkit.repository.segment_catalog import SegmentCatalog
from segmentkit.storage.contact_table import fitted_attributes
from segmentkit.storage.validation import TypeSchema, did_you_mean

__all__ = ["checked_kinds", "declaration_changes"]


def declaration_changes(
    attributes: Mapping[str, FieldKind],
    contacts: Iterable[tuple[str, Mapping[str, Any]]],
    catalog: SegmentCatalog,
    types: Mapping[str, InteractionType],
) -> tuple[TypeSchema, dict[int, dict[str, Any]]]:
    """The schema of a declaration and the attributes it converts (ISO text for
    dates), by contact position; ``contacts`` gives (id, attributes) of each,
    in position order. RecordError when a contact does not fit it or a live
    segment's query names an attribute it leaves out."""
    schema = TypeSchema("contact", dict(attributes), (), noun="attribute")
    changed: dict[int, dict[str, Any]] = {}
    for position, (contact_id, found) in enumerate(contacts):
        converted = fitted_attributes(contact_id, found, schema)
        if converted is not None:
            changed[position] = converted
    for name, query in catalog.parsed.items():
        try:
            check_names(query, types=types, segments=catalog.segments, attributes=attributes)
        except QueryValidationError as error:
            raise RecordError(
                f"the live segment {name!r} would no longer check: {error.problem}",
                record_id=name,
            ) from None
    return schema, changed


def checked_kinds(kinds: object) -> dict[str, FieldKind]:
    """A declaration as a dict: text keys, each a known kind."""
    if not isinstance(kinds, Mapping):
        raise InvalidArgumentError(
            f"declare_attributes takes a mapping of attribute -> kind, not {type(kinds).__name__}",
            argument="kinds",
        )
    declared: dict[str, FieldKind] = {}
    for key, kind in kinds.items():
        if not isinstance(key, str) or not key:
            raise InvalidArgumentError(
                f"an attribute name is a non-empty text, not {key!r}", argument="kinds"
            )
        problem = surrogate_problem(key)
        if problem is not None:
            raise InvalidArgumentError(f"attribute name {key!r}: {problem}", argument="kinds")
        if kind not in FIELD_KINDS:
            raise InvalidArgumentError(
                f"{kind!r} is not a kind for attribute {key!r}: use one of "
                + ", ".join(FIELD_KINDS)
                + (did_you_mean(kind, FIELD_KINDS) if isinstance(kind, str) else ""),
                argument="kinds",
            )
        declared[key] = kind
    return declared

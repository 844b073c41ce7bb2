"""The catalog of a user's own tables: the types, segments and attribute
kinds a query is checked against, given in Python because those tables
hold only records (``TableLayout(keys=False)``, ``spark_members``).

Each part takes what ``InMemoryRepository`` takes (models or mappings) and
is checked as it checks them; the built-in types are always there, as in
every repository, unless a given type of the same name replaces one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from segmentkit.errors import InvalidArgumentError
from segmentkit.models.records import InteractionType, Segment
from segmentkit.models.values import FieldKind
from segmentkit.repository.attributes import checked_kinds
from segmentkit.storage.builtin_types import BUILTIN_TYPES
from segmentkit.storage.validation import validate_one

__all__ = ["GivenCatalog", "given_catalog"]


@dataclass(frozen=True)
class GivenCatalog:
    types: Mapping[str, InteractionType]
    segments: Mapping[str, Segment]
    attributes: Mapping[str, FieldKind]


def _items(given: object, argument: str) -> list[Any]:
    if given is None:
        return []
    if isinstance(given, str | bytes | Mapping) or not isinstance(given, Iterable):
        raise InvalidArgumentError(
            f"{argument} takes a list of models or mappings, not {type(given).__name__}",
            argument=argument,
        )
    return list(given)


def given_catalog(
    types: Iterable[InteractionType | Mapping[str, Any]] | None = None,
    segments: Iterable[Segment | Mapping[str, Any]] | None = None,
    attributes: Mapping[str, FieldKind] | None = None,
) -> GivenCatalog:
    """The catalog checked: each type and segment valid, names unique."""
    found_types = {t.name: t for t in BUILTIN_TYPES}
    given_names: set[str] = set()
    for item in _items(types, "types"):
        interaction_type = validate_one(InteractionType, item, "interaction type")
        if interaction_type.name in given_names:
            raise InvalidArgumentError(
                f"interaction type {interaction_type.name!r} is given twice", argument="types"
            )
        given_names.add(interaction_type.name)
        found_types[interaction_type.name] = interaction_type
    found_segments: dict[str, Segment] = {}
    for item in _items(segments, "segments"):
        segment = validate_one(Segment, item, "segment")
        if segment.name in found_segments:
            raise InvalidArgumentError(
                f"segment {segment.name!r} is given twice", argument="segments"
            )
        found_segments[segment.name] = segment
    kinds = checked_kinds(attributes) if attributes is not None else {}
    return GivenCatalog(
        MappingProxyType(dict(sorted(found_types.items()))),
        MappingProxyType(found_segments),
        MappingProxyType(kinds),
    )

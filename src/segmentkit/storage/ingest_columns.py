"""The fast write path's core: a batch given as one Python list per column.

Both column-wise sources use it: a batch of dicts (``ingest_dicts`` pulls
its columns out with C-level ``map``s) and an Arrow table (``ingest_arrow``
converts its columns). Each check is one C-level pass over a column. Like
the rest of ``ingest``, it either vouches for the whole batch or gives up
(``GiveUp``) and lets the plain path decide, which words every refusal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from operator import itemgetter
from typing import Any

from segmentkit.models.text import surrogate_problem
from segmentkit.storage.encoding import ABSENT_KEY
from segmentkit.storage.interaction_log import InteractionLog
from segmentkit.storage.type_columns import GiveUp, TypeColumns, checked_value, converted_text
from segmentkit.storage.validation import TypeSchema

__all__ = [
    "BatchColumns",
    "FieldValues",
    "check_id_texts",
    "checked_values",
    "take",
    "typed_columns",
    "value_codes",
]

_KIND_CLASSES: dict[str, frozenset[type]] = {
    "text": frozenset({str}),
    "number": frozenset({int, float}),
    "boolean": frozenset({bool}),
    "date": frozenset({date, str}),
    "datetime": frozenset({datetime, str}),
    "list": frozenset({list}),
}
_NONE_OR_ABSENT = frozenset({type(None), type(ABSENT_KEY)})

# One type's property values for its rows, field by field (ABSENT_KEY where a
# record does not have the field), given the rows' indices in the batch.
FieldValues = Callable[[TypeSchema, list[int]], Mapping[str, list[Any]]]


@dataclass(slots=True)
class BatchColumns:
    """A batch of interactions, one list per column, not yet checked.

    ``micros`` are the timestamps as epoch microseconds and ``zones`` their
    tzinfo, one for the whole batch or one per record; ``canceled`` is None
    when no record is canceled.
    """

    ids: list[Any]
    types: list[Any]
    contact_ids: list[Any]
    micros: list[int]
    zones: tzinfo | list[tzinfo]
    canceled: list[Any] | None


def take(column: list[Any], indices: list[int]) -> list[Any]:
    """The entries of ``column`` at ``indices`` (the column itself when that is all of it)."""
    if len(indices) == len(column):
        return column
    return list(itemgetter(*indices)(column)) if len(indices) > 1 else [column[indices[0]]]


def typed_columns(
    batch: BatchColumns,
    field_values: FieldValues,
    schemas: Mapping[str, TypeSchema],
    logs: Mapping[str, InteractionLog],
    positions: Mapping[str, int],
) -> dict[str, TypeColumns]:
    """The batch split by type into ``TypeColumns``, every check passed but
    whether the ids are new and distinct (``fast_columns``), or GiveUp."""
    ids = batch.ids
    check_id_texts(ids)
    if not {str}.issuperset(map(type, batch.contact_ids)):
        raise GiveUp
    contacts = list(map(positions.get, batch.contact_ids))
    if None in contacts:
        raise GiveUp
    canceled = batch.canceled
    if canceled is not None and not {bool}.issuperset(map(type, canceled)):
        raise GiveUp
    any_canceled = canceled is not None and True in canceled
    zones = batch.zones
    distinct_zones = {zones} if isinstance(zones, tzinfo) else set(zones)
    single_zone = next(iter(distinct_zones)) if len(distinct_zones) == 1 else None
    by_type: dict[str, list[int]] = {}
    for index, type_name in enumerate(batch.types):
        bucket = by_type.get(type_name)
        if bucket is None:
            bucket = by_type[type_name] = []
        bucket.append(index)
    result: dict[str, TypeColumns] = {}
    for type_name, indices in by_type.items():
        schema = schemas.get(type_name) if type_name.__class__ is str else None
        if schema is None:
            raise GiveUp
        log = logs[type_name]
        columns = result[type_name] = TypeColumns(log, schema)
        columns.ids = take(ids, indices)
        columns.timestamps = take(batch.micros, indices)
        columns.contacts = take(contacts, indices)
        if single_zone is not None:  # the usual case: one zone for the whole batch
            columns.zones = [log.zone_code(single_zone)] * len(indices)
        else:
            type_zones = take(zones, indices)  # type: ignore[arg-type]
            codes = {zone: log.zone_code(zone) for zone in set(type_zones)}
            columns.zones = list(map(codes.__getitem__, type_zones))
        if any_canceled:
            columns.canceled = take(canceled, indices)  # type: ignore[arg-type]
            columns.any_canceled = True in columns.canceled
        encode_fields(columns, field_values(schema, indices), positions)
    return result


def check_id_texts(ids: list[Any]) -> None:
    """GiveUp unless the ids are text and none is blank or holds a lone surrogate."""
    if not {str}.issuperset(map(type, ids)) or not all(ids) or any(map(str.isspace, ids)):
        raise GiveUp
    # One string joined, one check: a lone surrogate in any id is in the join.
    # (Contact ids, type names and field names are only looked up: whatever
    # matches was checked when it was stored.)
    if surrogate_problem("".join(ids)) is not None:
        raise GiveUp


def encode_fields(
    columns: TypeColumns, fields: Mapping[str, list[Any]], positions: Mapping[str, int]
) -> None:
    """Check one type's property values field by field and store their codes.

    ``fields`` holds only the fields some record of the type has.
    """
    schema = columns.schema
    if not fields.keys() <= schema.kinds.keys():
        raise GiveUp  # an undeclared (or non-text) key
    order = list(schema.kinds)
    for name in sorted(fields, key=order.index):
        values, classes = checked_values(fields[name], schema.kinds[name])
        columns.codes[name] = value_codes(columns.log, name, values, classes)
    for name in schema.references:
        given = fields.get(name)
        if given is None:
            columns.references.append([-1] * len(columns.ids))
            continue
        references = [
            -1 if value is None or value is ABSENT_KEY else positions.get(value) for value in given
        ]
        if None in references:
            raise GiveUp
        columns.references.append(references)  # type: ignore[arg-type]


def checked_values(values: list[Any], kind: str) -> tuple[list[Any], set[type]]:
    """One field's values as stored (ISO text converted) and their classes, or GiveUp."""
    classes = set(map(type, values)) - _NONE_OR_ABSENT
    if not _KIND_CLASSES[kind].issuperset(classes):
        raise GiveUp
    if classes - {str, int, bool, date}:  # floats, datetimes, lists: one by one
        values = [checked_value(value, kind) for value in values]
        classes = set(map(type, values)) - _NONE_OR_ABSENT
    elif str in classes and kind != "text":  # ISO text for a date or datetime field
        values = [converted_text(value, kind) for value in values]
        classes = set(map(type, values)) - _NONE_OR_ABSENT
    return values, classes


def value_codes(
    log: InteractionLog, name: str, values: list[Any], classes: set[type]
) -> list[int]:
    """The value codes of one field's values, new values added to its dictionary."""
    dictionary = log.dictionary(name)
    lookup = dictionary.codes
    keys: Sequence[Any] | None = None
    if classes <= {str}:
        keys = values  # text is its own key (store.value_key)
    elif len(classes) == 1 and classes <= {int, bool, date}:
        (kind_class,) = classes
        keys = [
            value if value is ABSENT_KEY or value is None else (kind_class, value)
            for value in values
        ]
    if keys is None:
        return [0 if value is ABSENT_KEY else dictionary.code(value) for value in values]
    new_keys = set(keys).difference(lookup)
    # Text is checked as it enters the dictionary, before any of it does: a
    # text found there has passed.
    if classes <= {str}:
        if surrogate_problem("".join(filter(None, new_keys))):
            raise GiveUp
        dictionary.add_text(new_keys)  # text (and None) is its own key
    else:
        for key in new_keys:
            dictionary.code(key if key.__class__ is not tuple else key[1])
    return list(map(lookup.__getitem__, keys))


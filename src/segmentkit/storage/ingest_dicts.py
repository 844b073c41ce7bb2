"""The fast write path for a batch of plain dicts: each check is one C-level
pass over a column of the batch, not a Python loop over its records.

Like the rest of ``ingest``, it either vouches for the whole batch or gives
up (``GiveUp``) and lets the plain path decide.
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from datetime import date, datetime, timedelta
from itertools import repeat
from operator import attrgetter, floordiv, itemgetter, sub
from typing import Any

from pydantic import AwareDatetime, TypeAdapter, ValidationError

from segmentkit.models.text import surrogate_problem
from segmentkit.models.values import unambiguous
from segmentkit.storage.encoding import ABSENT_KEY
from segmentkit.storage.interaction_log import InteractionLog
from segmentkit.storage.type_columns import (
    EMPTY_PROPERTIES,
    EPOCH,
    FIXED_ZONES,
    RECORD_KEYS,
    GiveUp,
    TypeColumns,
    checked_value,
    converted_text,
)
from segmentkit.storage.validation import TypeSchema

__all__ = ["columns_from_dicts"]


_KIND_CLASSES: dict[str, frozenset[type]] = {
    "text": frozenset({str}),
    "number": frozenset({int, float}),
    "boolean": frozenset({bool}),
    "date": frozenset({date, str}),
    "datetime": frozenset({datetime, str}),
    "list": frozenset({list}),
}
_NONE_OR_ABSENT = frozenset({type(None), type(ABSENT_KEY)})
_ONE_MICROSECOND = timedelta(microseconds=1)
_STAMPS: TypeAdapter[list[AwareDatetime]] = TypeAdapter(list[AwareDatetime])


def _take(column: list[Any], indices: list[int]) -> list[Any]:
    if len(indices) == len(column):
        return column
    return list(itemgetter(*indices)(column)) if len(indices) > 1 else [column[indices[0]]]


def columns_from_dicts(
    items: Sequence[dict[Any, Any]],
    schemas: Mapping[str, TypeSchema],
    logs: Mapping[str, InteractionLog],
    positions: Mapping[str, int],
    known_ids: Container[str],
) -> dict[str, TypeColumns]:
    """``_columns`` for a batch of dicts: each check is one C-level pass per column."""
    if not items:
        return {}
    if not all(map(RECORD_KEYS.issuperset, items)):
        raise GiveUp
    ids = list(map(itemgetter("id"), items))
    if not {str}.issuperset(map(type, ids)) or not all(ids) or any(map(str.isspace, ids)):
        raise GiveUp
    # One string joined, one check: a lone surrogate in any id is in the join.
    # (Contact ids, type names and field names are only looked up: whatever
    # matches was checked when it was stored.)
    if surrogate_problem("".join(ids)) is not None:
        raise GiveUp
    distinct = set(ids)
    if len(distinct) != len(ids):
        raise GiveUp
    if isinstance(known_ids, (set, frozenset)):
        if not known_ids.isdisjoint(distinct):
            raise GiveUp
    elif any(map(known_ids.__contains__, ids)):
        raise GiveUp
    types = list(map(itemgetter("type"), items))
    contact_ids = list(map(itemgetter("contact_id"), items))
    if not {str}.issuperset(map(type, contact_ids)):
        raise GiveUp
    contacts = list(map(positions.get, contact_ids))
    if None in contacts:
        raise GiveUp
    stamps = list(map(itemgetter("timestamp"), items))
    stamp_classes = set(map(type, stamps))
    if not {datetime}.issuperset(stamp_classes):
        if not {datetime, str}.issuperset(stamp_classes):
            raise GiveUp
        # ISO text (records from JSON): parsed by pydantic's own datetime
        # validator in one call, so each becomes exactly what the model makes.
        try:
            stamps = _STAMPS.validate_python(stamps)
        except ValidationError:
            raise GiveUp from None
    zones = list(map(attrgetter("tzinfo"), stamps))
    if not all(isinstance(zone, FIXED_ZONES) for zone in set(zones)):
        stamps = [_aware(stamp) for stamp in stamps]
        zones = list(map(attrgetter("tzinfo"), stamps))
    # stamp - epoch, then // 1 µs: exact integers, each step a C call.
    micros = list(map(floordiv, map(sub, stamps, repeat(EPOCH)), repeat(_ONE_MICROSECOND)))
    get = dict.get
    properties = list(map(get, items, repeat("properties"), repeat(EMPTY_PROPERTIES)))
    if not {dict}.issuperset(map(type, properties)):
        raise GiveUp
    canceled = list(map(get, items, repeat("canceled"), repeat(False)))
    if not {bool}.issuperset(map(type, canceled)):
        raise GiveUp
    any_canceled = True in canceled
    distinct_zones = set(zones)
    single_zone = next(iter(distinct_zones)) if len(distinct_zones) == 1 else None
    by_type: dict[str, list[int]] = {}
    for index, type_name in enumerate(types):
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
        columns.ids = _take(ids, indices)
        columns.timestamps = _take(micros, indices)
        columns.contacts = _take(contacts, indices)
        if single_zone is not None:  # the usual case: one zone for the whole batch
            columns.zones = [log.zone_code(single_zone)] * len(indices)
        else:
            type_zones = _take(zones, indices)
            codes = {zone: log.zone_code(zone) for zone in set(type_zones)}
            columns.zones = list(map(codes.__getitem__, type_zones))
        if any_canceled:
            columns.canceled = _take(canceled, indices)
            columns.any_canceled = True in columns.canceled
        _encode_columns(columns, _take(properties, indices), positions)
    return result


def _aware(stamp: datetime) -> datetime:
    if stamp.tzinfo is None or stamp.utcoffset() is None:
        raise GiveUp
    return unambiguous(stamp)


def _encode_columns(
    columns: TypeColumns, properties: list[dict[Any, Any]], positions: Mapping[str, int]
) -> None:
    """Check one type's properties field by field and store their codes."""
    schema = columns.schema
    names = set().union(*properties)
    if not names <= schema.kinds.keys():
        raise GiveUp  # an undeclared (or non-text) key
    order = list(schema.kinds)
    for name in sorted(names, key=order.index):
        kind = schema.kinds[name]
        values = list(map(dict.get, properties, repeat(name), repeat(ABSENT_KEY)))
        classes = set(map(type, values)) - _NONE_OR_ABSENT
        if not _KIND_CLASSES[kind].issuperset(classes):
            raise GiveUp
        if classes - {str, int, bool, date}:  # floats, datetimes, lists: one by one
            values = [checked_value(value, kind) for value in values]
            classes = set(map(type, values)) - _NONE_OR_ABSENT
        elif str in classes and kind != "text":  # ISO text for a date or datetime field
            values = [converted_text(value, kind) for value in values]
            classes = set(map(type, values)) - _NONE_OR_ABSENT
        dictionary = columns.log.dictionary(name)
        lookup = dictionary.codes
        keys: list[Any] | None = None
        if classes <= {str}:
            keys = values  # text is its own key (store.value_key)
        elif len(classes) == 1 and classes <= {int, bool, date}:
            (kind_class,) = classes
            keys = [
                value if value is ABSENT_KEY or value is None else (kind_class, value)
                for value in values
            ]
        if keys is not None:
            new_keys = set(keys).difference(lookup)
            # Text is checked as it enters the dictionary, before any of it
            # does: a text found there has passed.
            if classes <= {str} and surrogate_problem("".join(filter(None, new_keys))):
                raise GiveUp
            for key in new_keys:
                dictionary.code(key if key.__class__ is not tuple else key[1])
            found = list(map(lookup.__getitem__, keys))
        else:
            found = [0 if value is ABSENT_KEY else dictionary.code(value) for value in values]
        columns.codes[name] = found
    for name in schema.references:
        values = list(map(dict.get, properties, repeat(name)))
        references = [-1 if value is None else positions.get(value) for value in values]
        if None in references:
            raise GiveUp
        columns.references.append(references)  # type: ignore[arg-type]



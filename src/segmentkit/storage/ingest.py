"""The fast write path for interactions: a batch of dicts (or models) straight into columns.

``add_interactions`` must refuse exactly what pydantic and the repository's
checks refuse, with the same messages. Building an ``Interaction`` model per
record costs more than everything else together, so this module checks each
record directly, accepting only what it can prove pydantic would accept
unchanged (exact ``str`` ids, an aware ``datetime``, a real ``dict`` of
properties whose values fit the schema, ...). Anything else - a record
it is unsure about, or any error at all - makes it give up and return None:
the caller then runs the plain path (pydantic for the whole batch, then
``validation.interaction_rows``), which accepts the same records and words
every refusal as before. So the fast path never changes what is accepted or
how a refusal reads; it only makes the common case cheap.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from itertools import repeat
from operator import attrgetter, floordiv, itemgetter, sub
from typing import Any

from pydantic import AwareDatetime, TypeAdapter, ValidationError
from pydantic_core import TzInfo

from segmentkit.models.records import Interaction
from segmentkit.models.values import unambiguous, validate_value
from segmentkit.storage.store import ABSENT_KEY, InteractionLog
from segmentkit.storage.validation import TypeSchema, convert_text

__all__ = ["TypeColumns", "fast_columns"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_RECORD_KEYS = frozenset({"id", "type", "contact_id", "timestamp", "properties", "canceled"})
# Zones that read every wall time one way: unambiguous() leaves them alone.
_FIXED_ZONES = (timezone, TzInfo)
_EMPTY: dict[str, Any] = {}


class _GiveUp(Exception):
    """The fast path cannot vouch for this batch; the plain path decides."""


@dataclass(slots=True)
class TypeColumns:
    """One type's share of a batch, as the columns ``InteractionLog.extend`` takes."""

    log: InteractionLog
    schema: TypeSchema
    ids: list[str] = field(default_factory=list)
    timestamps: list[int] = field(default_factory=list)
    contacts: list[int] = field(default_factory=list)
    zones: list[int] = field(default_factory=list)
    canceled: list[bool] = field(default_factory=list)
    any_canceled: bool = False
    references: list[list[int]] = field(default_factory=list)
    # field -> {index in this batch: value code} (absent: code 0), or the
    # whole column of codes.
    codes: dict[str, dict[int, int] | list[int]] = field(default_factory=dict)
    # Records given as models and stored unchanged: handed back as themselves.
    models: list[Interaction] = field(default_factory=list)

    def commit(self) -> None:
        count = len(self.ids)
        self.log.models.update((model.id, model) for model in self.models)
        self.log.extend(
            ids=self.ids,
            timestamps=self.timestamps,
            contacts=self.contacts,
            zones=self.zones,
            canceled=self.canceled if self.any_canceled else None,
            references=self.references,
            properties={
                name: array("I", found)
                if isinstance(found, list)
                else array("I", map(found.get, range(count), repeat(0)))
                for name, found in self.codes.items()
            },
        )


def fast_columns(
    items: Sequence[Any],
    *,
    schemas: Mapping[str, TypeSchema],
    logs: Mapping[str, InteractionLog],
    positions: Mapping[str, int],
    known_ids: Container[str],
) -> dict[str, TypeColumns] | None:
    """The batch as columns per type, or None when the plain path must decide.

    Value codes may be added to the logs' dictionaries even when the batch
    is then given up: a code no record uses is invisible.
    """
    try:
        if {dict}.issuperset(map(type, items)):
            return _columns_from_dicts(items, schemas, logs, positions, known_ids)
        return _columns(items, schemas, logs, positions, known_ids)
    except _GiveUp:
        return None
    except Exception:  # hostile objects (a __eq__ that raises...): let pydantic say it
        return None


def _columns(
    items: Sequence[Any],
    schemas: Mapping[str, TypeSchema],
    logs: Mapping[str, InteractionLog],
    positions: Mapping[str, int],
    known_ids: Container[str],
) -> dict[str, TypeColumns]:
    by_type: dict[str, TypeColumns] = {}
    seen: set[str] = set()
    add_seen = seen.add
    for item in items:
        if item.__class__ is dict:
            if not _RECORD_KEYS.issuperset(item):
                raise _GiveUp
            record_id = item.get("id")
            type_name = item.get("type")
            contact_id = item.get("contact_id")
            stamp = item.get("timestamp")
            properties = item.get("properties", _EMPTY)
            canceled = item.get("canceled", False)
            trusted = False
        elif isinstance(item, Interaction):
            record_id, type_name, contact_id = item.id, item.type, item.contact_id
            stamp, properties, canceled = item.timestamp, item.properties, item.canceled
            trusted = True
        else:
            raise _GiveUp
        if record_id.__class__ is not str or not record_id or record_id.isspace():
            raise _GiveUp
        if record_id in seen or record_id in known_ids:
            raise _GiveUp
        add_seen(record_id)
        columns = by_type.get(type_name) if type_name.__class__ is str else None
        if columns is None:
            schema = schemas.get(type_name) if type_name.__class__ is str else None
            if schema is None:
                raise _GiveUp
            columns = by_type[schema.name] = TypeColumns(logs[schema.name], schema)
            columns.references = [[] for _ in schema.references]
        contact = positions.get(contact_id) if contact_id.__class__ is str else None
        if contact is None:
            raise _GiveUp
        if stamp.__class__ is not datetime:
            raise _GiveUp
        zone = stamp.tzinfo
        if zone is None:
            raise _GiveUp
        if not isinstance(zone, _FIXED_ZONES):
            if stamp.utcoffset() is None:
                raise _GiveUp
            stamp = unambiguous(stamp)
            zone = stamp.tzinfo
        if canceled is not False and canceled is not True:
            raise _GiveUp
        index = len(columns.ids)
        if properties.__class__ is not dict:
            raise _GiveUp
        if properties:
            unchanged = _encode(columns, index, properties, trusted, positions)
        else:
            unchanged = True
            for column in columns.references:
                column.append(-1)
        if trusted and unchanged:
            columns.models.append(item)
        delta = stamp - _EPOCH
        columns.ids.append(record_id)
        columns.timestamps.append(
            (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        )
        columns.contacts.append(contact)
        columns.zones.append(columns.log.zone_code(zone))  # type: ignore[arg-type]
        columns.canceled.append(canceled)
        if canceled:
            columns.any_canceled = True
    return by_type


def _encode(
    columns: TypeColumns,
    index: int,
    properties: dict[Any, Any],
    trusted: bool,
    positions: Mapping[str, int],
) -> bool:
    """Check one record's properties against the schema and store their codes.

    True when every value is stored as given (no ISO text converted).
    """
    unchanged = True
    schema = columns.schema
    kinds = schema.kinds
    log = columns.log
    codes = columns.codes
    for key, value in properties.items():
        kind = kinds.get(key)
        if kind is None:  # an undeclared field (or a non-text key)
            raise _GiveUp
        value_class = value.__class__
        if value_class is str:
            if kind != "text":
                if kind not in ("date", "datetime"):
                    raise _GiveUp
                try:
                    value = convert_text(kind, value)
                except ValueError:
                    raise _GiveUp from None
                unchanged = False
        elif value is None:
            pass
        elif value_class is int:
            if kind != "number":
                raise _GiveUp
        elif value_class is bool:
            if kind != "boolean":
                raise _GiveUp
        elif value_class is float:
            if kind != "number" or not math.isfinite(value):
                raise _GiveUp
        elif value_class is date:
            if kind != "date":
                raise _GiveUp
        elif value_class is datetime or value_class is list:
            if kind != ("datetime" if value_class is datetime else "list"):
                raise _GiveUp
            if not trusted:
                try:
                    value = validate_value(value)
                except ValueError:
                    raise _GiveUp from None
        else:
            raise _GiveUp
        found = codes.get(key)
        if not isinstance(found, dict):  # this path only ever stores dicts
            found = codes[key] = {}
        found[index] = log.dictionary(key).code(value)
    for column, name in zip(columns.references, schema.references, strict=True):
        value = properties.get(name)
        if value is None:
            column.append(-1)
            continue
        position = positions.get(value)
        if position is None:
            raise _GiveUp
        column.append(position)
    return unchanged


# --- a batch of plain dicts, checked column by column ---------------------------------

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


def _columns_from_dicts(
    items: Sequence[dict[Any, Any]],
    schemas: Mapping[str, TypeSchema],
    logs: Mapping[str, InteractionLog],
    positions: Mapping[str, int],
    known_ids: Container[str],
) -> dict[str, TypeColumns]:
    """``_columns`` for a batch of dicts: each check is one C-level pass per column."""
    if not items:
        return {}
    if not all(map(_RECORD_KEYS.issuperset, items)):
        raise _GiveUp
    ids = list(map(itemgetter("id"), items))
    if not {str}.issuperset(map(type, ids)) or not all(ids) or any(map(str.isspace, ids)):
        raise _GiveUp
    distinct = set(ids)
    if len(distinct) != len(ids):
        raise _GiveUp
    if isinstance(known_ids, (set, frozenset)):
        if not known_ids.isdisjoint(distinct):
            raise _GiveUp
    elif any(map(known_ids.__contains__, ids)):
        raise _GiveUp
    types = list(map(itemgetter("type"), items))
    contact_ids = list(map(itemgetter("contact_id"), items))
    if not {str}.issuperset(map(type, contact_ids)):
        raise _GiveUp
    contacts = list(map(positions.get, contact_ids))
    if None in contacts:
        raise _GiveUp
    stamps = list(map(itemgetter("timestamp"), items))
    stamp_classes = set(map(type, stamps))
    if not {datetime}.issuperset(stamp_classes):
        if not {datetime, str}.issuperset(stamp_classes):
            raise _GiveUp
        # ISO text (records from JSON): parsed by pydantic's own datetime
        # validator in one call, so each becomes exactly what the model makes.
        try:
            stamps = _STAMPS.validate_python(stamps)
        except ValidationError:
            raise _GiveUp from None
    zones = list(map(attrgetter("tzinfo"), stamps))
    if not all(isinstance(zone, _FIXED_ZONES) for zone in set(zones)):
        stamps = [_aware(stamp) for stamp in stamps]
        zones = list(map(attrgetter("tzinfo"), stamps))
    # stamp - epoch, then // 1 µs: exact integers, each step a C call.
    micros = list(map(floordiv, map(sub, stamps, repeat(_EPOCH)), repeat(_ONE_MICROSECOND)))
    get = dict.get
    properties = list(map(get, items, repeat("properties"), repeat(_EMPTY)))
    if not {dict}.issuperset(map(type, properties)):
        raise _GiveUp
    canceled = list(map(get, items, repeat("canceled"), repeat(False)))
    if not {bool}.issuperset(map(type, canceled)):
        raise _GiveUp
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
            raise _GiveUp
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
        raise _GiveUp
    return unambiguous(stamp)


def _encode_columns(
    columns: TypeColumns, properties: list[dict[Any, Any]], positions: Mapping[str, int]
) -> None:
    """Check one type's properties field by field and store their codes."""
    schema = columns.schema
    names = set().union(*properties)
    if not names <= schema.kinds.keys():
        raise _GiveUp  # an undeclared (or non-text) key
    order = list(schema.kinds)
    for name in sorted(names, key=order.index):
        kind = schema.kinds[name]
        values = list(map(dict.get, properties, repeat(name), repeat(ABSENT_KEY)))
        classes = set(map(type, values)) - _NONE_OR_ABSENT
        if not _KIND_CLASSES[kind].issuperset(classes):
            raise _GiveUp
        if classes - {str, int, bool, date}:  # floats, datetimes, lists: one by one
            values = [_checked(value, kind) for value in values]
            classes = set(map(type, values)) - _NONE_OR_ABSENT
        elif str in classes and kind != "text":  # ISO text for a date or datetime field
            values = [_converted(value, kind) for value in values]
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
            for key in set(keys).difference(lookup):
                dictionary.code(key if key.__class__ is not tuple else key[1])
            found = list(map(lookup.__getitem__, keys))
        else:
            found = [0 if value is ABSENT_KEY else dictionary.code(value) for value in values]
        columns.codes[name] = found
    for name in schema.references:
        values = list(map(dict.get, properties, repeat(name)))
        references = [-1 if value is None else positions.get(value) for value in values]
        if None in references:
            raise _GiveUp
        columns.references.append(references)  # type: ignore[arg-type]


def _checked(value: Any, kind: str) -> Any:
    """A float (finite), datetime (aware, unambiguous) or list value, as stored."""
    if value is ABSENT_KEY or value is None:
        return value
    if value.__class__ is float:
        if not math.isfinite(value):
            raise _GiveUp
        return value
    if value.__class__ is str:
        return _converted(value, kind)
    try:
        return validate_value(value)
    except ValueError:
        raise _GiveUp from None


def _converted(value: Any, kind: str) -> Any:
    if value.__class__ is not str or kind == "text":
        return value
    try:
        return convert_text(kind, value)
    except ValueError:
        raise _GiveUp from None

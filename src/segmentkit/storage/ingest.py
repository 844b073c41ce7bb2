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

Ids and text values holding a lone surrogate (``models.text``) make it give
up too: pydantic then refuses them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from segmentkit.models.records import Interaction
from segmentkit.models.text import surrogate_problem
from segmentkit.models.values import unambiguous, validate_value
from segmentkit.storage.arrow_tables import ArrowRecords
from segmentkit.storage.ingest_arrow import columns_from_arrow
from segmentkit.storage.ingest_dicts import columns_from_dicts
from segmentkit.storage.interaction_log import InteractionLog
from segmentkit.storage.type_columns import (
    EMPTY_PROPERTIES,
    EPOCH,
    FIXED_ZONES,
    RECORD_KEYS,
    GiveUp,
    TypeColumns,
)
from segmentkit.storage.validation import TypeSchema, convert_text

__all__ = ["TypeColumns", "fast_columns", "fast_table_columns"]


def fast_columns(
    items: Sequence[Any],
    *,
    schemas: Mapping[str, TypeSchema],
    logs: Mapping[str, InteractionLog],
    positions: Mapping[str, int],
) -> dict[str, TypeColumns] | None:
    """The batch as columns per type, or None when the plain path must decide.

    Ids are checked as text here; whether they are new and distinct is
    left to the caller, which claims them all in one step as it commits
    (``InteractionStore``).

    Value codes may be added to the logs' dictionaries even when the batch
    is then given up: a code no record uses is invisible.
    """
    try:
        if {dict}.issuperset(map(type, items)):
            return columns_from_dicts(items, schemas, logs, positions)
        return _columns(items, schemas, logs, positions)
    except GiveUp:
        return None
    except Exception:  # hostile objects (a __eq__ that raises...): let pydantic say it
        return None


def fast_table_columns(
    records: ArrowRecords,
    *,
    schemas: Mapping[str, TypeSchema],
    logs: Mapping[str, InteractionLog],
    positions: Mapping[str, int],
    contact_ids: Callable[[], Any],
) -> dict[str, TypeColumns] | None:
    """``fast_columns`` for an Arrow table's converted columns (``arrow_tables``);
    ``contact_ids`` as ``columns_from_arrow`` takes them."""
    try:
        return columns_from_arrow(records, schemas, logs, positions, contact_ids)
    except GiveUp:
        return None
    except Exception:  # an Arrow type a compute function does not take: read the rows
        return None


def _columns(
    items: Sequence[Any],
    schemas: Mapping[str, TypeSchema],
    logs: Mapping[str, InteractionLog],
    positions: Mapping[str, int],
) -> dict[str, TypeColumns]:
    by_type: dict[str, TypeColumns] = {}
    for item in items:
        if item.__class__ is dict:
            if not RECORD_KEYS.issuperset(item):
                raise GiveUp
            record_id = item.get("id")
            type_name = item.get("type")
            contact_id = item.get("contact_id")
            stamp = item.get("timestamp")
            properties = item.get("properties", EMPTY_PROPERTIES)
            canceled = item.get("canceled", False)
            trusted = False
        elif isinstance(item, Interaction):
            record_id, type_name, contact_id = item.id, item.type, item.contact_id
            stamp, properties, canceled = item.timestamp, item.properties, item.canceled
            trusted = True
        else:
            raise GiveUp
        if record_id.__class__ is not str or not record_id or record_id.isspace():
            raise GiveUp
        if not trusted and surrogate_problem(record_id) is not None:
            raise GiveUp
        columns = by_type.get(type_name) if type_name.__class__ is str else None
        if columns is None:
            schema = schemas.get(type_name) if type_name.__class__ is str else None
            if schema is None:
                raise GiveUp
            columns = by_type[schema.name] = TypeColumns(logs[schema.name], schema)
            columns.references = [[] for _ in schema.references]
        contact = positions.get(contact_id) if contact_id.__class__ is str else None
        if contact is None:
            raise GiveUp
        if stamp.__class__ is not datetime:
            raise GiveUp
        zone = stamp.tzinfo
        if zone is None:
            raise GiveUp
        if not isinstance(zone, FIXED_ZONES):
            if stamp.utcoffset() is None:
                raise GiveUp
            stamp = unambiguous(stamp)
            zone = stamp.tzinfo
        if canceled is not False and canceled is not True:
            raise GiveUp
        index = len(columns.ids)
        if properties.__class__ is not dict:
            raise GiveUp
        if properties:
            unchanged = _encode(columns, index, properties, trusted, positions)
        else:
            unchanged = True
            for column in columns.references:
                column.append(-1)
        if trusted and unchanged:
            columns.models.append(item)
        delta = stamp - EPOCH
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
            raise GiveUp
        value_class = value.__class__
        if value_class is str:
            if not trusted and surrogate_problem(value) is not None:
                raise GiveUp
            if kind != "text":
                if kind not in ("date", "datetime"):
                    raise GiveUp
                try:
                    value = convert_text(kind, value)
                except ValueError:
                    raise GiveUp from None
                unchanged = False
        elif value is None:
            pass
        elif value_class is int:
            if kind != "number":
                raise GiveUp
        elif value_class is bool:
            if kind != "boolean":
                raise GiveUp
        elif value_class is float:
            if kind != "number" or not math.isfinite(value):
                raise GiveUp
        elif value_class is date:
            if kind != "date":
                raise GiveUp
        elif value_class is datetime or value_class is list:
            if kind != ("datetime" if value_class is datetime else "list"):
                raise GiveUp
            if not trusted:
                try:
                    value = validate_value(value)
                except ValueError:
                    raise GiveUp from None
        else:
            raise GiveUp
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
            raise GiveUp
        column.append(position)
    return unchanged



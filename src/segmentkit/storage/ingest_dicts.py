"""The fast write path for a batch of plain dicts: each check is one C-level
pass over a column of the batch, not a Python loop over its records.

Like the rest of ``ingest``, it either vouches for the whole batch or gives
up (``GiveUp``) and lets the plain path decide.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from itertools import repeat
from operator import attrgetter, floordiv, itemgetter, sub
from typing import Any

from pydantic import AwareDatetime, TypeAdapter, ValidationError

from segmentkit.models.values import unambiguous
from segmentkit.storage.encoding import ABSENT_KEY
from segmentkit.storage.ingest_columns import BatchColumns, take, typed_columns
from segmentkit.storage.interaction_log import InteractionLog
from segmentkit.storage.type_columns import (
    EMPTY_PROPERTIES,
    EPOCH,
    FIXED_ZONES,
    RECORD_KEYS,
    GiveUp,
    TypeColumns,
)
from segmentkit.storage.validation import TypeSchema

__all__ = ["columns_from_dicts"]


_ONE_MICROSECOND = timedelta(microseconds=1)
_STAMPS: TypeAdapter[list[AwareDatetime]] = TypeAdapter(list[AwareDatetime])


def columns_from_dicts(
    items: Sequence[dict[Any, Any]],
    schemas: Mapping[str, TypeSchema],
    logs: Mapping[str, InteractionLog],
    positions: Mapping[str, int],
) -> dict[str, TypeColumns]:
    """``_columns`` for a batch of dicts: each check is one C-level pass per column."""
    if not items:
        return {}
    if not all(map(RECORD_KEYS.issuperset, items)):
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
    batch = BatchColumns(
        ids=list(map(itemgetter("id"), items)),
        types=list(map(itemgetter("type"), items)),
        contact_ids=list(map(itemgetter("contact_id"), items)),
        micros=micros,
        zones=zones,
        canceled=canceled,
    )

    def field_values(schema: TypeSchema, indices: list[int]) -> dict[str, list[Any]]:
        rows = take(properties, indices)
        return {
            name: list(map(get, rows, repeat(name), repeat(ABSENT_KEY)))
            for name in set().union(*rows)
        }

    return typed_columns(batch, field_values, schemas, logs, positions)


def _aware(stamp: datetime) -> datetime:
    if stamp.tzinfo is None or stamp.utcoffset() is None:
        raise GiveUp
    return unambiguous(stamp)

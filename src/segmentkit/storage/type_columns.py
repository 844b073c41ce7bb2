"""One type's share of a batch as columns (``TypeColumns``), and what both fast
write paths share: the signal to give up, and the checks of a single value."""

from __future__ import annotations

import math
from array import array
from collections.abc import MutableSequence, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timezone
from itertools import repeat
from typing import Any

from pydantic_core import TzInfo

from segmentkit.models.records import Interaction
from segmentkit.models.values import validate_value
from segmentkit.storage.encoding import ABSENT_KEY
from segmentkit.storage.interaction_log import InteractionLog
from segmentkit.storage.validation import TypeSchema, convert_text

__all__ = [
    "EMPTY_PROPERTIES",
    "EPOCH",
    "FIXED_ZONES",
    "RECORD_KEYS",
    "GiveUp",
    "TypeColumns",
    "checked_value",
    "converted_text",
]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
RECORD_KEYS = frozenset({"id", "type", "contact_id", "timestamp", "properties", "canceled"})
# Zones that read every wall time one way: unambiguous() leaves them alone.
FIXED_ZONES = (timezone, TzInfo)
EMPTY_PROPERTIES: dict[str, Any] = {}


class GiveUp(Exception):
    """The fast path cannot vouch for this batch; the plain path decides."""


@dataclass(slots=True)
class TypeColumns:
    """One type's share of a batch, as the columns ``InteractionLog.extend`` takes."""

    log: InteractionLog
    schema: TypeSchema
    ids: list[str] = field(default_factory=list)
    # Lists filled record by record, or typed arrays an Arrow column gave.
    timestamps: MutableSequence[int] = field(default_factory=list)
    contacts: MutableSequence[int] = field(default_factory=list)
    zones: MutableSequence[int] = field(default_factory=list)
    canceled: list[bool] = field(default_factory=list)
    any_canceled: bool = False
    references: list[MutableSequence[int]] = field(default_factory=list)
    # field -> {index in this batch: value code} (absent: code 0), or the
    # whole column of codes.
    codes: dict[str, dict[int, int] | Sequence[int]] = field(default_factory=dict)
    # Records given as models and stored unchanged: handed back as themselves.
    models: list[Interaction] = field(default_factory=list)
    # Whether the timestamps are known to never go down (the log need not look).
    ascending: bool = False

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
                name: array("I", map(found.get, range(count), repeat(0)))
                if isinstance(found, dict)
                else found  # a list, or a typed array read from Arrow: extend copies it
                for name, found in self.codes.items()
            },
            ascending=self.ascending,
        )


def checked_value(value: Any, kind: str) -> Any:
    """A float (finite), datetime (aware, unambiguous) or list value, as stored."""
    if value is ABSENT_KEY or value is None:
        return value
    if value.__class__ is float:
        if not math.isfinite(value):
            raise GiveUp
        return value
    if value.__class__ is str:
        return converted_text(value, kind)
    try:
        return validate_value(value)
    except ValueError:
        raise GiveUp from None


def converted_text(value: Any, kind: str) -> Any:
    if value.__class__ is not str or kind == "text":
        return value
    try:
        return convert_text(kind, value)
    except ValueError:
        raise GiveUp from None


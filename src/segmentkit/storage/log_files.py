"""One interaction type's log as an Arrow table and a little JSON, and back
(the snapshot files of ``InMemoryRepository.save`` / ``open``).

The table holds the log's own columns as they are: ``id``, ``timestamp``
(epoch microseconds), ``contact`` (the contact's position), ``zone`` (a
code in the zone table), ``canceled`` (0 or 1), ``reference.<field>`` and
``property.<field>`` (value codes). The JSON holds what gives the codes a
meaning: the zone table and each field's value dictionary, values encoded
as in JSON Lines (``{"$date": ...}``). Reading it back copies the columns
into typed arrays without looking at a record.
"""

from __future__ import annotations

from array import array
from datetime import UTC, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from pydantic_core import TzInfo

from segmentkit.models.values import from_json_data, json_data
from segmentkit.storage.arrow_tables import typed_array
from segmentkit.storage.encoding import ValueDictionary, from_microseconds, value_key
from segmentkit.storage.interaction_log import InteractionLog
from segmentkit.storage.log_view import LogView

__all__ = ["load_log", "log_table"]

_REFERENCE = "reference."
_PROPERTY = "property."


def log_table(view: LogView) -> tuple[Any, dict[str, Any]]:
    """The view's records as an Arrow table and the JSON data that explains its codes."""
    import pyarrow

    length = view.length
    zones, zone_table = _fixed_zones(view)
    columns: dict[str, Any] = {
        "id": pyarrow.array(view.ids[:length], pyarrow.string()),
        "timestamp": _column(view.timestamps, length, pyarrow.int64()),
        "contact": _column(view.contacts, length, pyarrow.int32()),
        "zone": _column(zones, length, pyarrow.uint32()),
        "canceled": _column(view.canceled, length, pyarrow.uint8()),
    }
    for name, references in view.references.items():
        columns[_REFERENCE + name] = _column(references, length, pyarrow.int32())
    for name, codes in view.properties.items():
        columns[_PROPERTY + name] = _column(codes, length, pyarrow.uint32())
    meta = {
        "zones": [_zone_data(zone) for zone in zone_table],
        "dictionaries": {
            name: [json_data(value) for value in list(view.dictionaries[name])]
            for name in view.properties
        },
    }
    return pyarrow.table(columns), meta


def load_log(log: InteractionLog, table: Any, meta: dict[str, Any]) -> list[str]:
    """Fill the empty ``log`` with a table and JSON data from ``log_table``; its ids."""
    ids: list[str] = table.column("id").to_pylist()
    names = table.column_names
    dictionaries = {}
    for name, values in meta["dictionaries"].items():
        dictionary = ValueDictionary()
        # Code 0 stands for "absent"; its placeholder value is not a value.
        dictionary.values = [None, *map(from_json_data, values[1:])]
        dictionary.codes.update(
            (value_key(value), code) for code, value in enumerate(dictionary.values) if code
        )
        dictionaries[name] = dictionary
    log.load(
        ids=ids,
        timestamps=typed_array("q", table.column("timestamp")),
        contacts=typed_array("i", table.column("contact")),
        zones=typed_array("I", table.column("zone")),
        canceled=bytearray(typed_array("B", table.column("canceled"))),
        references={
            name[len(_REFERENCE):]: typed_array("i", table.column(name))
            for name in names
            if name.startswith(_REFERENCE)
        },
        properties={
            name[len(_PROPERTY):]: typed_array("I", table.column(name))
            for name in names
            if name.startswith(_PROPERTY)
        },
        dictionaries=dictionaries,
        zone_table=[_zone(data) for data in meta["zones"]],
    )
    return ids


def _column(values: Any, length: int, arrow_type: Any) -> Any:
    import pyarrow

    part = values[:length]
    width = part.itemsize if isinstance(part, array) else 1 if isinstance(part, bytearray) else 0
    if width == arrow_type.byte_width:
        # The column's own bytes, not a Python int per record.
        return pyarrow.Array.from_buffers(arrow_type, length, [None, pyarrow.py_buffer(part)])
    return pyarrow.array(list(part), arrow_type)


def _fixed_zones(view: LogView) -> tuple[Any, list[tzinfo]]:
    """The zone column and table, a zone that cannot be saved by name or
    offset (another library's tzinfo) replaced by each record's fixed offset."""
    table = list(view.zone_table)
    unsavable = {code for code, zone in enumerate(table) if _zone_data(zone) is None}
    if not unsavable:
        return view.zones, table
    codes = {zone: code for code, zone in enumerate(table)}
    zones = array("I", view.zones[: view.length])
    for index, code in enumerate(zones):
        if code in unsavable:
            offset = from_microseconds(view.timestamps[index], table[code]).utcoffset()
            fixed = timezone(offset or timedelta(0))
            if fixed not in codes:
                codes[fixed] = len(table)
                table.append(fixed)
            zones[index] = codes[fixed]
    return zones, table


def _zone_data(zone: tzinfo) -> Any:
    """A zone as JSON data: its IANA name, or its fixed offset in seconds; None otherwise."""
    if zone is UTC:
        return "UTC"
    if isinstance(zone, ZoneInfo) and zone.key:
        return {"name": zone.key}
    if isinstance(zone, (timezone, TzInfo)):
        offset = zone.utcoffset(None)
        return None if offset is None else {"offset": offset.total_seconds()}
    return None


def _zone(data: Any) -> tzinfo:
    if data == "UTC":
        return UTC
    if "name" in data:
        return ZoneInfo(data["name"])
    return timezone(timedelta(seconds=data["offset"]))

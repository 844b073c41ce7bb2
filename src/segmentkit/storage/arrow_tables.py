"""Arrow tables and record batches read as batches of records (the ``arrow`` extra).

A table means exactly the records ``ArrowRecords.rows()`` makes of it, one
dict a row, which the plain write path checks as it checks any dicts; the
fast path (``ingest_arrow``) reads the same columns with Arrow's own
compute functions instead. So both accept the same records and word every
refusal alike.

The layout (docs/data.md):

- an interaction table has the columns ``id``, ``type``, ``contact_id``,
  ``timestamp`` and optionally ``canceled``; its properties are the fields
  of one struct column ``properties`` and every other column;
- a contact table has ``id`` and optionally the other ``Contact`` fields;
  its attributes are the fields of one struct column ``attributes`` and
  every other column;
- a null means "not given": the record does not have that field, property
  or attribute (so a null ``canceled`` is false, a null contact ``type`` is
  ``person``);
- an Arrow timestamp must carry a time zone, as a datetime must: a column
  without one is refused as a whole. Values are kept to the microsecond.

A table whose layout is wrong (a missing or repeated column, a timestamp
without a zone) is a RecordError without a record position, checked before
anything else. pyarrow is imported only when a caller hands over an Arrow
object, so importing segmentkit never imports it.
"""

from __future__ import annotations

import sys
from array import array
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from segmentkit.errors import DataFileError, RecordError
from segmentkit.models.records import Contact
from segmentkit.storage.encoding import from_microseconds, to_microseconds

__all__ = [
    "ArrowRecords",
    "arrow_table",
    "microseconds",
    "parquet_module",
    "python_values",
    "read_contacts",
    "read_interactions",
    "typed_array",
]

_INTERACTION_COLUMNS = ("id", "type", "contact_id", "timestamp", "canceled")
# A contact's fields, in the model's order; its attributes come apart.
_CONTACT_COLUMNS = tuple(name for name in Contact.model_fields if name != "attributes")
_MICROS_PER_UNIT = {"s": 1_000_000, "ms": 1_000, "us": 1}
# Instants this far inside the years 1..9999 are datetimes in every zone;
# nearer the edges each value is tried (an offset can push its wall time out).
_SAFE_LOW = to_microseconds(datetime(1, 1, 2, tzinfo=UTC))
_SAFE_HIGH = to_microseconds(datetime(9999, 12, 30, tzinfo=UTC))


@dataclass(frozen=True, slots=True)
class ArrowRecords:
    """A table whose layout was checked: ``fixed`` the record's own columns
    (``id``, ``timestamp``, ...), ``nested`` the properties or attributes,
    which a row holds under ``nest``; ``zones`` the tzinfo of every timestamp
    column, by its name (``timestamp``, ``properties.sentAt``)."""

    table: Any
    fixed: dict[str, Any]
    nested: dict[str, Any]
    nest: str
    zones: dict[str, tzinfo]

    @property
    def length(self) -> int:
        return int(self.table.num_rows)

    def nested_zone(self, name: str) -> tzinfo | None:
        """The zone of a property's or attribute's timestamp column (None for another)."""
        return self.zones.get(f"{self.nest}.{name}")

    def rows(self) -> list[dict[str, Any]]:
        """The records as dicts, one a row, a null left out: what the table means."""
        fixed = [
            (name, _readable(name, column, self.zones.get(name)))
            for name, column in self.fixed.items()
        ]
        nested = [
            (name, _readable(f"{self.nest}.{name}", column, self.nested_zone(name)))
            for name, column in self.nested.items()
        ]
        rows = []
        for index in range(self.length):
            row = {name: values[index] for name, values in fixed if values[index] is not None}
            inner = {name: values[index] for name, values in nested if values[index] is not None}
            if inner:
                row[self.nest] = inner
            rows.append(row)
        return rows


def _readable(name: str, column: Any, zone: tzinfo | None) -> list[Any]:
    try:
        return python_values(column, zone)
    except Exception as error:  # an Arrow type with no Python value (an extension...)
        raise RecordError(
            f"column {name!r} ({column.type}) cannot be read as Python values: {error}"
        ) from None


def arrow_table(records: object) -> Any | None:
    """``records`` as a ``pyarrow.Table`` when it is Arrow data, else None.

    Arrow data is a ``pyarrow.Table`` or ``RecordBatch``, or any object that
    exports an Arrow stream (``__arrow_c_stream__``: pandas and polars
    DataFrames do). Only then is pyarrow imported.
    """
    loaded: Any = sys.modules.get("pyarrow")
    if loaded is not None and isinstance(records, loaded.Table):
        return records
    if loaded is not None and isinstance(records, loaded.RecordBatch):
        return loaded.Table.from_batches([records])
    if not hasattr(type(records), "__arrow_c_stream__"):
        return None
    try:
        import pyarrow
    except ImportError:
        raise RecordError(
            f"reading a {type(records).__name__} needs pyarrow: "
            "pip install 'segmentkit[arrow]'"
        ) from None
    try:
        return pyarrow.table(records)
    except Exception as error:  # the exporter's own failure: say whose
        raise RecordError(
            f"could not read the {type(records).__name__} as an Arrow table: {error}"
        ) from None


def parquet_module(path: str, purpose: str) -> Any:
    """``pyarrow.parquet``, imported for ``purpose`` ("reading Parquet"), or a
    DataFileError about ``path`` saying which extra to install."""
    try:
        import pyarrow.dataset
        import pyarrow.parquet
    except ImportError:
        problem = f"{purpose} needs pyarrow: pip install 'segmentkit[arrow]'"
        raise DataFileError(path, problem) from None
    return pyarrow.parquet


def read_interactions(table: Any) -> ArrowRecords:
    """An interaction table, its layout checked (see above)."""
    return _read(table, "interaction", _INTERACTION_COLUMNS[:4], _INTERACTION_COLUMNS, "properties")


def read_contacts(table: Any) -> ArrowRecords:
    """A contact table, its layout checked (see above)."""
    return _read(table, "contact", ("id",), _CONTACT_COLUMNS, "attributes")


def python_values(column: Any, zone: tzinfo | None) -> list[Any]:
    """An Arrow column's Python values, None for null; a timestamp column's
    (``zone`` given) as datetimes in that zone."""
    if zone is None:
        return list(column.to_pylist())
    return [
        None if micros is None else from_microseconds(micros, zone)
        for micros in microseconds(column).to_pylist()
    ]


def microseconds(column: Any) -> Any:
    """A timestamp column as int64 epoch microseconds (an Arrow ChunkedArray)."""
    import pyarrow
    import pyarrow.compute

    raw = column.cast(pyarrow.int64())
    unit = column.type.unit
    if unit == "ns":
        return pyarrow.compute.divide(raw, 1000)
    scale = _MICROS_PER_UNIT[unit]
    return raw if scale == 1 else pyarrow.compute.multiply(raw, scale)


def typed_array(typecode: str, column: Any) -> array[int]:
    """An Arrow integer column without nulls (an Array or a ChunkedArray) as a
    typed array of the same width: its data buffer, copied once, no Python
    int made a value."""
    chunk = column.combine_chunks() if hasattr(column, "combine_chunks") else column
    if chunk.null_count:
        raise ValueError(f"column {column!r} holds nulls")
    width = chunk.type.byte_width
    found = array(typecode)
    if len(chunk):
        start = chunk.offset * width
        found.frombytes(memoryview(chunk.buffers()[1])[start : start + len(chunk) * width])
    return found


def _read(
    table: Any, noun: str, required: tuple[str, ...], fields: tuple[str, ...], nest: str
) -> ArrowRecords:
    import pyarrow

    table = table.combine_chunks() if table.num_rows else table
    names = list(table.column_names)
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise RecordError(f"the {noun} table has more than one column named {repeated[0]!r}")
    missing = [name for name in required if name not in names]
    if missing:
        raise RecordError(
            f"the {noun} table has no column {missing[0]!r} "
            f"(its columns: {', '.join(map(repr, names)) or 'none'})"
        )
    fixed = {name: table.column(name) for name in names if name in fields}
    nested = {name: table.column(name) for name in names if name not in fields and name != nest}
    if nest in names:
        struct = table.column(nest)
        if not pyarrow.types.is_struct(struct.type):
            raise RecordError(
                f"the {noun} table's column {nest!r} must be a struct (one field "
                f"for each of its {nest}), not {struct.type}"
            )
        for index, child in enumerate(struct.type.fields):
            if child.name in nested:
                raise RecordError(
                    f"the {noun} table gives {child.name!r} twice: as a column and in {nest!r}"
                )
            # flatten() folds a null struct into its fields: nothing given.
            nested[child.name] = pyarrow.chunked_array(
                [chunk.flatten()[index] for chunk in struct.chunks], type=child.type
            )
    ids = fixed["id"]
    zones = {
        label: _checked_times(column, label, ids)
        for label, column in [*fixed.items(), *((f"{nest}.{n}", c) for n, c in nested.items())]
        if pyarrow.types.is_timestamp(column.type)
    }
    return ArrowRecords(table, fixed, nested, nest, zones)


def _checked_times(column: Any, name: str, ids: Any) -> tzinfo:
    """The zone of a timestamp column whose every value is a datetime to the microsecond."""
    import pyarrow
    import pyarrow.compute as compute

    kind = column.type
    if kind.tz is None:
        raise RecordError(
            f"column {name!r} holds times without a time zone ({kind}); "
            "give it one (e.g. pyarrow.timestamp('us', tz='UTC')): "
            "as with datetimes, segmentkit does not guess the zone"
        )
    zone = _zone(kind.tz, name)
    micros = microseconds(column)
    if kind.unit == "ns":
        fractions = compute.not_equal(compute.multiply(micros, 1000), column.cast(pyarrow.int64()))
        if compute.any(fractions).as_py():
            position = compute.index(fractions, True).as_py()
            raise RecordError(
                f"{name} has a part of a microsecond; segmentkit keeps times to the "
                "microsecond (round the column first)",
                position=position,
                record_id=_id(ids, position),
            )
    bounds = compute.min_max(micros).as_py()
    low, high = bounds["min"], bounds["max"]
    if low is not None and (low < _SAFE_LOW or high > _SAFE_HIGH):
        for position, value in enumerate(micros.to_pylist()):
            if value is None or _SAFE_LOW <= value <= _SAFE_HIGH:
                continue
            try:
                from_microseconds(value, zone)
            except (OverflowError, ValueError):
                raise RecordError(
                    f"{name} is outside the years 1 to 9999",
                    position=position,
                    record_id=_id(ids, position),
                ) from None
    return zone


def _zone(name: str, column: str) -> tzinfo:
    """The tzinfo of an Arrow time zone: UTC, a fixed ``±HH:MM`` offset, or an IANA name."""
    if name in ("UTC", "+00:00"):
        return UTC
    if name[:1] in ("+", "-") and len(name) == 6 and name[3] == ":":
        hours, minutes = name[1:3], name[4:6]
        if hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60:
            offset = timedelta(hours=int(hours), minutes=int(minutes))
            return timezone(-offset if name[0] == "-" else offset)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RecordError(f"column {column!r} has an unknown time zone {name!r}") from None


def _id(ids: Any, position: int) -> str | None:
    found = ids[position].as_py() if 0 <= position < len(ids) else None
    return found if isinstance(found, str) else None

"""The fast write path for an Arrow table of interactions (``arrow_tables``).

Most of the work stays in Arrow. Ids are checked there, and contacts found
there, before any row is reordered. The rows are then put in order by type
and time with one stable sort, so each type's share is one slice of every
column. Each property column is dictionary-encoded, so only its distinct
values meet Python: they are checked and coded as a dict batch's values
are (``ingest_columns``), and the rows take their codes by one Arrow
``take``. Timestamps of a fixed zone (UTC, ``+01:00``) stay integers from
Arrow to the log. Like the rest of ``ingest``, it either vouches for the
whole batch or gives up (``GiveUp``): the caller then hands the table's
rows to the plain path. Whether the ids are new is the caller's to check
(``InteractionStore`` claims them as it stores the batch).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from segmentkit.models.values import unambiguous
from segmentkit.storage.arrow_tables import (
    ArrowRecords,
    microseconds,
    python_values,
    typed_array,
)
from segmentkit.storage.encoding import ABSENT_KEY
from segmentkit.storage.ingest_columns import checked_values, value_codes
from segmentkit.storage.interaction_log import InteractionLog
from segmentkit.storage.type_columns import FIXED_ZONES, GiveUp, TypeColumns
from segmentkit.storage.validation import TypeSchema

__all__ = ["ContactArray", "columns_from_arrow"]


def columns_from_arrow(
    records: ArrowRecords,
    schemas: Mapping[str, TypeSchema],
    logs: Mapping[str, InteractionLog],
    positions: Mapping[str, int],
    contact_ids: Callable[[], Any],
) -> dict[str, TypeColumns]:
    """The table's records as columns per type, every check passed but whether
    the ids are new and distinct (``fast_columns``), or GiveUp.

    ``contact_ids()`` gives the ids of ``positions`` in position order as an
    Arrow array (``ContactArray``), asked for only when it pays.
    """
    if not records.length:
        return {}
    batch = _ordered(records, positions, contact_ids)
    result: dict[str, TypeColumns] = {}
    start = 0
    for code, (type_name, count) in enumerate(zip(batch.type_names, batch.counts, strict=True)):
        if not count:
            continue  # a name only in an encoded column's dictionary
        schema = schemas.get(type_name) if type_name.__class__ is str else None
        if schema is None:
            raise GiveUp
        columns = result[type_name] = TypeColumns(logs[type_name], schema)
        _fill(columns, batch, code, start, count, positions)
        start += count
    return result


@dataclass(frozen=True, slots=True)
class _Batch:
    """A table's rows checked and put in order by type, then time: the rows of
    the type coded ``c`` (``type_names[c]``) are the next ``counts[c]``."""

    records: ArrowRecords
    type_names: list[Any]
    counts: list[int]
    order: Any  # the rows' indices in the table, in this order; None: as they came
    ids: list[str]
    contacts: array[int]
    micros: array[int]
    zones: tzinfo | list[tzinfo]
    canceled: list[bool] | None  # None when no row is canceled
    typed: dict[str, set[int]]  # property -> the codes of the types with a value in it


def _ordered(
    records: ArrowRecords, positions: Mapping[str, int], contact_ids: Callable[[], Any]
) -> _Batch:
    import pyarrow
    import pyarrow.compute as compute

    fixed, nested = dict(records.fixed), records.nested
    if "timestamp" not in records.zones or fixed["timestamp"].null_count:
        raise GiveUp  # text or nulls: the dicts' paths read them
    types = fixed.pop("type")
    if types.null_count:
        raise GiveUp  # a record without a type: the plain path names it
    if pyarrow.types.is_dictionary(types.type):  # its dictionary may repeat a name
        types = types.cast(types.type.value_type)
    encoded = types.combine_chunks().dictionary_encode()
    type_names = encoded.dictionary.to_pylist()
    counts = [records.length]
    stamps = microseconds(fixed["timestamp"])
    # Checked and looked up before the rows are reordered: an id check and
    # contact positions need no order, and integers are cheaper to reorder
    # than text.
    _check_ids(fixed["id"])
    contacts = _contact_positions(fixed.pop("contact_id"), positions, contact_ids)
    in_time_order = _ascending(stamps)
    order = None
    if len(type_names) > 1 or not in_time_order:
        order = _type_and_time_order(encoded.indices, stamps, in_time_order)
        fixed = {name: column.take(order) for name, column in fixed.items()}
        stamps = stamps.take(order)
        contacts = contacts.take(order)
    if len(type_names) > 1:
        found = compute.value_counts(encoded.indices).to_pylist()
        by_code = {entry["values"]: entry["counts"] for entry in found}
        counts = [by_code.get(code, 0) for code in range(len(type_names))]
    flags: list[bool] | None = None
    canceled = fixed.get("canceled")
    if canceled is not None:
        if not pyarrow.types.is_boolean(canceled.type):
            raise GiveUp
        canceled = canceled.fill_null(False)  # a null is "not given": not canceled
        flags = canceled.to_pylist() if compute.any(canceled).as_py() else None
    return _Batch(
        records=records,
        type_names=type_names,
        counts=counts,
        order=order,
        ids=fixed["id"].to_pylist(),
        contacts=typed_array("i", contacts),
        micros=typed_array("q", stamps),
        zones=_zones(records, fixed["timestamp"]),
        canceled=flags,
        # A property column is reordered only for the types with a value in
        # it (most columns belong to one type or a few).
        typed={name: _types_with_values(c, encoded.indices) for name, c in nested.items()},
    )


def _fill(
    columns: TypeColumns,
    batch: _Batch,
    code: int,
    start: int,
    count: int,
    positions: Mapping[str, int],
) -> None:
    """Fill ``columns`` with the rows of the type coded ``code``: the batch's
    rows ``start`` to ``start + count``."""
    end = start + count
    columns.ids = batch.ids[start:end]
    columns.contacts = batch.contacts[start:end]
    columns.timestamps = batch.micros[start:end]
    columns.ascending = True  # each type's rows are in time order (_ordered)
    columns.zones = _zone_codes(columns.log, batch.zones, start, end)
    if batch.canceled is not None:
        columns.canceled = batch.canceled[start:end]
        columns.any_canceled = True in columns.canceled
    rows = None if batch.order is None else batch.order.slice(start, count)
    given = {
        name: column.slice(start, count) if rows is None else column.take(rows)
        for name, column in batch.records.nested.items()
        if code in batch.typed[name]
    }
    schema = columns.schema
    if not given.keys() <= schema.kinds.keys():
        raise GiveUp  # an undeclared field
    order_of = list(schema.kinds)
    for name in sorted(given, key=order_of.index):
        zone = batch.records.nested_zone(name)
        columns.codes[name] = _field_codes(columns, name, given[name], zone)
    for name in schema.references:
        columns.references.append(_reference_positions(given.get(name), count, positions))


def _type_and_time_order(type_codes: Any, stamps: Any, in_time_order: bool) -> Any:
    """The rows' order by type, then by time, stable: each type's rows become one
    zero-copy slice of every column, and reach its log as one run in time order,
    which the log's own stable sort merges (records of one instant keep their
    order, so it gives what it gave the batch as it came).

    Rows already in time order (an export sorted by time) need only the stable
    sort by type, a counting sort of small integers: about 0.3 ms for 100,000
    rows against 10 ms for both keys.
    """
    import pyarrow
    import pyarrow.compute as compute

    if in_time_order:
        return compute.sort_indices(type_codes)
    keys = pyarrow.table({"type": type_codes, "time": stamps})
    return compute.sort_indices(keys, sort_keys=[("type", "ascending"), ("time", "ascending")])


def _types_with_values(column: Any, type_codes: Any) -> set[int]:
    """The codes of the types that have a value (not null) in ``column``."""
    import pyarrow.compute as compute

    if column.null_count:
        given = compute.is_valid(column)
        if hasattr(given, "combine_chunks"):
            given = given.combine_chunks()
        type_codes = type_codes.filter(given)
    return set(compute.unique(type_codes).to_pylist())


def _ascending(stamps: Any) -> bool:
    """Whether an Arrow column of integers never goes down (a batch of one
    type in time order, as exports often are, needs no sort)."""
    import pyarrow.compute as compute

    count = len(stamps)
    if count < 2:
        return True
    rising = compute.greater_equal(stamps.slice(1), stamps.slice(0, count - 1))
    return bool(compute.all(rising).as_py())


# Every character str.isspace() calls whitespace (a test holds this to
# Python's own): a blank id is empty once these are trimmed off its start.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)


def _check_ids(column: Any) -> None:
    """GiveUp unless every id is text, valid UTF-8 (so no lone surrogate can
    come out of it) and not blank: the checks ``check_id_texts`` makes of a
    dict batch's ids, made by Arrow before any id becomes a Python string."""
    import pyarrow
    import pyarrow.compute as compute

    column = _text(column)
    if column.null_count:
        raise GiveUp
    try:
        column.validate(full=True)
    except pyarrow.ArrowInvalid:
        raise GiveUp from None
    # An exact set of characters, not Arrow's idea of whitespace (utf8proc's),
    # which may differ from Python's.
    if compute.min(compute.binary_length(compute.utf8_ltrim(column, WHITESPACE))).as_py() == 0:
        raise GiveUp


def _zones(records: ArrowRecords, stamps: Any) -> tzinfo | list[tzinfo]:
    """The timestamps' zone, or each one's where a named zone reads some wall
    times two ways (pinned to their offsets, as a datetime in a dict is)."""
    zone = records.zones["timestamp"]
    if isinstance(zone, FIXED_ZONES):
        return zone
    return [unambiguous(stamp).tzinfo for stamp in python_values(stamps, zone)]  # type: ignore[misc]


def _zone_codes(
    log: InteractionLog, zones: tzinfo | list[tzinfo], start: int, end: int
) -> array[int]:
    if isinstance(zones, tzinfo):
        return array("I", (log.zone_code(zones),)) * (end - start)
    codes = {zone: log.zone_code(zone) for zone in set(zones[start:end])}
    return array("I", map(codes.__getitem__, zones[start:end]))


def _field_codes(columns: TypeColumns, name: str, column: Any, zone: tzinfo | None) -> Any:
    """One property's value codes for the type's rows (0 where absent)."""
    import pyarrow
    import pyarrow.compute as compute

    kind = columns.schema.kinds[name]
    plain = column.type
    if pyarrow.types.is_nested(plain) or pyarrow.types.is_dictionary(plain):
        # Lists and already-encoded columns: value by value, as in a dict batch.
        values = [
            ABSENT_KEY if value is None else value
            for value in python_values(column, zone)
        ]
        checked, classes = checked_values(values, kind)
        return value_codes(columns.log, name, checked, classes)
    encoded = column.combine_chunks().dictionary_encode()
    distinct, classes = checked_values(python_values(encoded.dictionary, zone), kind)
    codes = value_codes(columns.log, name, distinct, classes)
    taken = compute.take(pyarrow.array(codes, pyarrow.uint32()), encoded.indices).fill_null(0)
    return typed_array("I", taken)  # no nulls are left


class ContactArray:
    """A repository's contact ids in position order as one Arrow array, for
    ``index_in``; made again only for another tuple of ids.

    ``ContactTable.frozen`` hands out the same tuple while the contacts are
    unchanged (and a rollback hands back the earlier one), so a bulk load
    builds the array once, and an array never outlives the ids it was made
    from: the tuple held here cannot be another's while it is held.
    """

    __slots__ = ("_array", "_ids")

    def __init__(self) -> None:
        self._ids: tuple[str, ...] | None = None
        self._array: Any = None

    def of(self, ids: tuple[str, ...]) -> Any:
        if ids is not self._ids:
            import pyarrow

            self._array = pyarrow.array(ids, pyarrow.string())
            self._ids = ids
        return self._array


# ``index_in`` finds contacts for batches of at least one row per this many
# contacts; smaller batches look their distinct ids up in the positions dict.
# Measured in loading processes, batches of 100,000 rows, ms a batch
# (index_in against the dict): 12.7 / 21 among 100,000 contacts, 42 / 40
# among 300,000, 149 / 55 among a million.
CONTACTS_PER_ROW = 2


def _text(column: Any) -> Any:
    """An Arrow column of text as one of the string types (a dictionary-encoded
    one decoded), or GiveUp: the plain path words the refusal."""
    import pyarrow

    if pyarrow.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if not (pyarrow.types.is_string(column.type) or pyarrow.types.is_large_string(column.type)):
        raise GiveUp
    return column


def _contact_positions(
    column: Any, positions: Mapping[str, int], contact_ids: Callable[[], Any]
) -> Any:
    """The position of every record's contact, as an Arrow int32 column (GiveUp
    for a null, a value that is not text, or an unknown contact).

    ``index_in`` hashes every contact on each call, then probes the batch in
    C; the dict costs a lookup per distinct id of the batch. So a batch as
    large as the contacts, or half as large, takes one ``index_in`` against
    the repository's ids (``contact_ids()``, an Arrow array), and a batch of
    1,000 rows among a million contacts takes the dict: about 1 ms against
    more than 100 (``CONTACTS_PER_ROW``).
    """
    import pyarrow.compute as compute

    column = _text(column)
    if len(positions) <= CONTACTS_PER_ROW * len(column):
        found = compute.index_in(column, value_set=contact_ids())
        if found.null_count:
            raise GiveUp  # a null or an unknown contact
        return found
    if column.null_count:
        raise GiveUp
    return _looked_up(column, positions)


def _looked_up(column: Any, positions: Mapping[str, int]) -> Any:
    """The positions of the contacts a text column names, each distinct id looked
    up once, as an Arrow int32 column (a null stays null; GiveUp for an
    unknown contact)."""
    import pyarrow
    import pyarrow.compute as compute

    encoded = column.combine_chunks().dictionary_encode()
    known = list(map(positions.get, encoded.dictionary.to_pylist()))
    if None in known:
        raise GiveUp
    return compute.take(pyarrow.array(known, pyarrow.int32()), encoded.indices)


def _reference_positions(column: Any, count: int, positions: Mapping[str, int]) -> array[int]:
    """The contact positions a contact-reference property names, -1 where absent."""
    if column is None:
        return array("i", (-1,)) * count
    return typed_array("i", _looked_up(_text(column), positions).fill_null(-1))


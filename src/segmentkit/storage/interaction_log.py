"""One interaction type's records as columns: ``InteractionLog`` (mutable,
owned by the repository) and the immutable ``LogView``s it hands out.

Records are not kept as pydantic models (a model and its dict cost about
1.7 kB each): every column is a typed ``array`` and every property is
dictionary-encoded per field (``ValueDictionary``: code -> value, code 0 =
absent), so a record costs its id plus a few machine words. An
``Interaction`` is rebuilt only when someone reads ``records``.

Columns are append-only and shared between views: a view knows its own
length and never looks past it, so appending in time order (the common case:
logs grow forward) costs no copy. A batch that goes back in time is appended
as it is and merged into fresh columns when the next view is taken, so a
bulk load of many batches sorts once.

``reuse`` is where evaluations leave what the next one can build on (see
``segmentkit.engine.reuse``). It lives as long as the records already stored
keep their indices and contents: appending in time order keeps it; anything
else (a merge that moves records, a cancel, a rollback, a load) starts a new
dict, so nothing computed over the old records is ever read again.
"""

from __future__ import annotations

from array import array
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, tzinfo
from typing import Any

from segmentkit.models.records import Interaction
from segmentkit.storage.encoding import ABSENT, ValueDictionary
from segmentkit.storage.log_view import LogView, attach_records
from segmentkit.storage.time_order import stays_in_order, time_order

__all__ = ["InteractionLog", "LogSavepoint"]


@dataclass(frozen=True, slots=True)
class LogSavepoint:
    """What ``InteractionLog.restore`` needs to put a log back as it was.

    The column objects themselves, not copies: columns only ever grow in
    place or are replaced by new objects (a sort, a cancel), so their first
    ``length`` entries still hold the log as it was at the savepoint.
    """

    length: int
    ids: list[str]
    timestamps: array[int]
    contacts: array[int]
    zones: array[int]
    canceled: bytearray
    canceled_count: int
    references: dict[str, array[int]]
    properties: dict[str, array[int]]
    dictionaries: dict[str, ValueDictionary]
    model_count: int
    indexes: dict[Any, Any]
    in_order: bool
    sorted_prefix: int


class InteractionLog:
    """The mutable columns behind one type's ``LogView``s (owned by the repository).

    ``contact_names`` turns contact positions back into ids when records are
    rebuilt: the repository passes its append-only id list; without one the
    log remembers the ids of the records given to ``add``.
    """

    __slots__ = (
        "_in_order",
        "_sorted_prefix",
        "canceled",
        "canceled_count",
        "contact_names",
        "contacts",
        "dictionaries",
        "field_order",
        "ids",
        "indexes",
        "models",
        "properties",
        "reference_fields",
        "references",
        "reuse",
        "timestamps",
        "type_name",
        "zone_codes",
        "zone_table",
        "zones",
    )

    def __init__(
        self,
        reference_fields: tuple[str, ...],
        *,
        type_name: str = "",
        contact_names: list[str] | None = None,
        field_order: tuple[str, ...] = (),
    ) -> None:
        self.reference_fields = reference_fields
        # Rebuilt records list their properties in this order (the type's
        # declared fields), whatever order each record was given in.
        self.field_order = {name: rank for rank, name in enumerate(field_order)}
        self.type_name = type_name
        self.contact_names: list[str] | dict[int, str] = (
            {} if contact_names is None else contact_names
        )
        self.ids: list[str] = []
        self.timestamps = array("q")
        self.contacts = array("i")
        self.canceled = bytearray()
        self.canceled_count = 0
        self.zones = array("I")
        self.zone_table: list[tzinfo] = []
        self.zone_codes: dict[tzinfo, int] = {}
        self.references = {name: array("i") for name in reference_fields}
        self.properties: dict[str, array[int]] = {}
        self.dictionaries: dict[str, ValueDictionary] = {}
        # Records that arrived as models, by id: handed back as the same
        # objects (while their canceled flag still matches).
        self.models: dict[str, Interaction] = {}
        # Lazily built lookups (posting lists) shared by the views of the
        # log as it is now; replaced, never cleared, when records are added.
        self.indexes: dict[Any, Any] = {}
        self.reuse: dict[Any, Any] = {}
        self._in_order = True
        # While out of order: how many leading records are still in time order.
        self._sorted_prefix = 0

    def __len__(self) -> int:
        return len(self.ids)

    def view(self) -> LogView:
        if not self._in_order:
            self._sort()
        view = LogView(
            len(self.ids),
            self.timestamps,
            self.contacts,
            (),  # replaced below: _Records needs the view itself
            self.canceled,
            dict(self.references),
            dict(
                sorted(
                    self.properties.items(),
                    key=lambda item: self.field_order.get(item[0], len(self.field_order)),
                )
            ),
            {name: dictionary.values for name, dictionary in self.dictionaries.items()},
            self.ids,
            self.zones,
            self.zone_table,
            self.contact_names,
            self.type_name,
            self.canceled_count,
            self.models,
            self.indexes,
            self.reuse,
        )
        return attach_records(view)

    # -- adding --------------------------------------------------------------------

    def zone_code(self, zone: tzinfo) -> int:
        """The code of a timestamp's tzinfo in ``zone_table``."""
        try:
            code = self.zone_codes.get(zone)
        except TypeError:  # an unhashable tzinfo class: compare by identity
            for code, known in enumerate(self.zone_table):
                if known is zone:
                    return code
            self.zone_table.append(zone)
            return len(self.zone_table) - 1
        if code is None:
            code = self.zone_codes[zone] = len(self.zone_table)
            self.zone_table.append(zone)
        return code

    def dictionary(self, name: str) -> ValueDictionary:
        """The value dictionary of a property field, its column created on first use."""
        dictionary = self.dictionaries.get(name)
        if dictionary is None:
            dictionary = self.dictionaries[name] = ValueDictionary()
            self.properties[name] = array("I", bytes(4 * len(self.ids)))
        return dictionary

    def add(
        self,
        rows: Iterable[tuple[int, int, Interaction, tuple[int, ...]]],
        *,
        keep: Container[int] | None = None,
    ) -> None:
        """Add ``(timestamp, contact position, record, reference positions)`` rows.

        Reference positions follow ``reference_fields``. The record gives the
        id, the properties, the canceled flag and the timestamp's zone.
        Records are kept as the model objects they are (handed back by
        ``records``) when ``keep`` is None or holds their ``id()``.
        """
        batch = list(rows)
        if not batch:
            return
        self.models.update(
            (row[2].id, row[2]) for row in batch if keep is None or id(row[2]) in keep
        )
        names = self.contact_names
        if isinstance(names, dict):
            names.update((row[1], row[2].contact_id) for row in batch)
        if not self.type_name:
            self.type_name = batch[0][2].type
        fields = list(dict.fromkeys(key for row in batch for key in row[2].properties))
        dictionaries = [self.dictionary(name) for name in fields]
        self.extend(
            ids=[row[2].id for row in batch],
            timestamps=[row[0] for row in batch],
            contacts=[row[1] for row in batch],
            zones=[self.zone_code(row[2].timestamp.tzinfo or UTC) for row in batch],
            canceled=[row[2].canceled for row in batch],
            references=[list(column) for column in zip(*(row[3] for row in batch), strict=True)]
            if self.reference_fields
            else [],
            properties={
                name: [
                    ABSENT if (value := row[2].properties.get(name, _MISSING)) is _MISSING
                    else dictionary.code(value)
                    for row in batch
                ]
                for name, dictionary in zip(fields, dictionaries, strict=True)
            },
        )

    def extend(
        self,
        *,
        ids: list[str],
        timestamps: Sequence[int],
        contacts: Iterable[int],
        zones: Iterable[int],
        canceled: Iterable[bool] | None,
        references: Sequence[Iterable[int]],
        properties: Mapping[str, Iterable[int]],
        ascending: bool = False,
    ) -> None:
        """Append a batch given as columns (property codes from ``dictionary``).

        Columns of fields the batch does not have are padded with "absent".
        ``ascending``: the caller knows the timestamps never go down (the
        Arrow path sorted them), so they are not compared again.
        """
        count = len(ids)
        if not count:
            return
        self.indexes = {}
        if self._in_order and not stays_in_order(self.timestamps, timestamps, ascending):
            # Sorted once, when the next view is taken: a bulk load of many
            # batches pays for one sort, not one merge per batch.
            self._in_order = False
            self._sorted_prefix = len(self.ids)
        self.ids.extend(ids)
        self.timestamps.extend(timestamps)
        self.contacts.extend(contacts)
        self.zones.extend(zones)
        if canceled is None:
            self.canceled.extend(bytes(count))
        else:
            flags = bytes(map(bool, canceled))
            self.canceled.extend(flags)
            self.canceled_count += flags.count(1)
        for name, column in zip(self.reference_fields, references, strict=True):
            self.references[name].extend(column)
        padding = bytes(4 * count)
        for name, codes in self.properties.items():
            given = properties.get(name)
            if given is None:
                codes.frombytes(padding)
            else:
                codes.extend(given)

    def load(
        self,
        *,
        ids: list[str],
        timestamps: array[int],
        contacts: array[int],
        zones: array[int],
        canceled: bytearray,
        references: dict[str, array[int]],
        properties: dict[str, array[int]],
        dictionaries: dict[str, ValueDictionary],
        zone_table: list[tzinfo],
    ) -> None:
        """Fill an empty log with saved columns, in time order, as they were saved
        (``InMemoryRepository.open``): nothing is checked or copied again."""
        self.ids = ids
        self.timestamps, self.contacts, self.zones = timestamps, contacts, zones
        self.canceled, self.canceled_count = canceled, canceled.count(1)
        self.references = {name: references[name] for name in self.reference_fields}
        self.properties, self.dictionaries = properties, dictionaries
        self.zone_table = zone_table
        self.zone_codes = {zone: code for code, zone in enumerate(zone_table)}
        self.indexes = {}
        self.reuse = {}

    def _sort(self) -> None:
        """Put every column in time order (stable) in fresh arrays (``time_order``)."""
        count = len(self.ids)
        self._in_order = True
        if count < 2:
            return
        reorder, kept = time_order(self.timestamps, self._sorted_prefix)
        if not kept:
            self.reuse = {}  # records moved: indices computed before mean nothing now
        self.ids = reorder(self.ids)
        self.timestamps = reorder(self.timestamps)
        self.contacts = reorder(self.contacts)
        # Columns of one repeated value (one zone, nothing canceled) stay as they are.
        if len(self.zone_table) > 1:
            self.zones = reorder(self.zones)
        if self.canceled_count:
            self.canceled = reorder(self.canceled)
        self.references = {name: reorder(c) for name, c in self.references.items()}
        self.properties = {name: reorder(c) for name, c in self.properties.items()}

    def savepoint(self) -> LogSavepoint:
        """A cheap mark of the log as it is now (no column is copied)."""
        return LogSavepoint(
            len(self.ids),
            self.ids,
            self.timestamps,
            self.contacts,
            self.zones,
            self.canceled,
            self.canceled_count,
            dict(self.references),
            dict(self.properties),
            dict(self.dictionaries),
            len(self.models),
            self.indexes,
            self._in_order,
            self._sorted_prefix,
        )

    def restore(self, savepoint: LogSavepoint) -> None:
        """Put the log back as it was at ``savepoint`` (a transaction rolled back).

        Fresh column objects are made from the saved ones, so a view taken
        after the savepoint never sees its columns shrink under it. A log
        that did not change is left alone.
        """
        length = savepoint.length
        unchanged = (
            self.ids is savepoint.ids
            and len(self.ids) == length
            and self.canceled is savepoint.canceled
            and self.properties.keys() == savepoint.properties.keys()
        )
        if unchanged:
            return
        self.ids = savepoint.ids[:length]
        self.timestamps = savepoint.timestamps[:length]
        self.contacts = savepoint.contacts[:length]
        self.zones = savepoint.zones[:length]
        self.canceled = savepoint.canceled[:length]
        self.canceled_count = savepoint.canceled_count
        self.references = {name: column[:length] for name, column in savepoint.references.items()}
        self.properties = {name: column[:length] for name, column in savepoint.properties.items()}
        self.dictionaries = dict(savepoint.dictionaries)
        # Records kept as models were added in order: the newest come last.
        while len(self.models) > savepoint.model_count:
            self.models.popitem()
        self.indexes = savepoint.indexes
        self.reuse = {}  # what was computed since may have read the records dropped
        self._in_order = savepoint.in_order
        self._sorted_prefix = savepoint.sorted_prefix

    def set_canceled(self, ids: frozenset[str]) -> int:
        """Mark the records with these ids canceled; returns how many changed.

        Copies the canceled column, so views taken before stay as they were.
        """
        if not self._in_order:
            self._sort()
        canceled = bytearray(self.canceled)
        changed = 0
        for index, record_id in enumerate(self.ids):
            if record_id in ids and not canceled[index]:
                canceled[index] = 1
                changed += 1
        if changed:
            self.canceled = canceled
            self.canceled_count += changed
            self.reuse = {}
        return changed


_MISSING: Any = object()


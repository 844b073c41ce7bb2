"""The interaction types of a repository and one ``InteractionLog`` per type.

Writes check first and store after (the fast path of ``ingest``, else
pydantic and ``validation``), so a refused batch stores nothing. The store
also remembers every interaction id, to refuse duplicates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter

from segmentkit.errors import RecordError
from segmentkit.models.records import Interaction, InteractionType
from segmentkit.storage.arrow_tables import ArrowRecords
from segmentkit.storage.contact_table import ContactTable
from segmentkit.storage.ingest import fast_columns, fast_table_columns
from segmentkit.storage.ingest_arrow import ContactArray
from segmentkit.storage.interaction_log import InteractionLog, LogSavepoint
from segmentkit.storage.log_files import load_log
from segmentkit.storage.log_view import LogView
from segmentkit.storage.type_columns import TypeColumns
from segmentkit.storage.validation import TypeSchema, interaction_rows, validate_items

__all__ = ["InteractionStore", "StoreSavepoint", "registration_changes"]

_INTERACTIONS: TypeAdapter[list[Interaction]] = TypeAdapter(list[Interaction])


@dataclass(frozen=True, slots=True)
class StoreSavepoint:
    types: Mapping[str, InteractionType]
    schemas: dict[str, TypeSchema]
    logs: dict[str, InteractionLog]
    log_points: dict[str, LogSavepoint]
    added: int


def registration_changes(old: InteractionType, new: InteractionType) -> bool:
    """Whether registering ``new`` over the registered ``old`` of the same name
    changes anything: the same fields and contact references again only
    update the description; other ones are a RecordError."""
    if old.fields != new.fields or old.contact_references != new.contact_references:
        raise RecordError(
            f"interaction type {new.name!r} is already registered with other "
            "fields or contact references; choose another name",
            record_id=new.name,
        )
    return old != new


class InteractionStore:
    """Types by name (a dict replaced on write, so a snapshot may hold it),
    their schemas and their logs."""

    __slots__ = (
        "_added",
        "_contact_array",
        "_contact_ids",
        "_recording",
        "ids",
        "logs",
        "schemas",
        "types",
    )

    def __init__(self, contact_ids: list[str]) -> None:
        self._contact_ids = contact_ids
        self.types: dict[str, InteractionType] = {}
        self.schemas: dict[str, TypeSchema] = {}
        self.logs: dict[str, InteractionLog] = {}
        # Every stored interaction id: finds duplicates. (A set, not an id ->
        # type dict: at millions of records the difference is ~30 bytes each;
        # cancel, which is rare, looks the ids up in the logs.)
        self.ids: set[str] = set()
        # While a transaction is open, the ids added, so a rollback can
        # forget them without comparing whole logs.
        self._added: list[str] = []
        self._recording = 0
        self._contact_array = ContactArray()

    def register(self, new: InteractionType) -> bool:
        """Register a type (validated); True when anything changed.

        The same fields and contact references again only update the
        description; another schema under a registered name is refused.
        """
        old = self.types.get(new.name)
        if old is not None:
            if not registration_changes(old, new):
                return False
            self.types = {**self.types, new.name: new}
            return True
        self.types = {**self.types, new.name: new}
        self.schemas[new.name] = schema = TypeSchema.of(new)
        self.logs[new.name] = InteractionLog(
            schema.references,
            type_name=new.name,
            contact_names=self._contact_ids,
            field_order=tuple(new.fields),
        )
        return True

    def add(self, items: list[Any], positions: Mapping[str, int]) -> int:
        """Add a batch of interactions (models or dicts); all or nothing."""
        columns = fast_columns(items, schemas=self.schemas, logs=self.logs, positions=positions)
        if columns is not None and self._claim(columns):
            self._commit(columns)
        else:
            # The plain path: pydantic for the whole batch, then the
            # repository's checks; it words every refusal.
            batch = validate_items(_INTERACTIONS, items, "interaction")
            rows = interaction_rows(
                batch, schemas=self.schemas, positions=positions, known_ids=self.ids
            )
            # Records given as models are handed back as the same objects.
            given = {id(item) for item in items if isinstance(item, Interaction)}
            for type_name, type_rows in rows.items():
                self.logs[type_name].add(type_rows, keep=given)
            self._remember([row.id for row in batch])
        return len(items)

    def add_table(self, records: ArrowRecords, contacts: ContactTable) -> int:
        """Add an Arrow table's records; all or nothing, as ``add`` with its rows."""
        positions = contacts.positions
        columns = fast_table_columns(
            records,
            schemas=self.schemas,
            logs=self.logs,
            positions=positions,
            # The same tuple while the contacts are unchanged: one array for a bulk load.
            contact_ids=lambda: self._contact_array.of(contacts.frozen()[1]),
        )
        if columns is None or not self._claim(columns):
            # The table means its rows: the dicts' paths decide and word any refusal.
            return self.add(records.rows(), positions)
        self._commit(columns)
        return records.length

    def load_log(self, type_name: str, table: Any, meta: dict[str, Any]) -> None:
        """Fill the registered, empty log of ``type_name`` with saved columns (``log_files``)."""
        self._remember(load_log(self.logs[type_name], table, meta))

    def _claim(self, columns: dict[str, TypeColumns]) -> bool:
        """Remember the ids of a checked batch when every one is new and none
        repeats; otherwise change nothing and say False (the plain path then
        words the refusal).

        One ``set.update`` per type both checks and remembers: the set grows
        by the batch's length exactly when no id was known or repeated.
        Checking first (a set of the batch, then ``isdisjoint``) cost as much
        again as remembering.
        """
        known = self.ids
        expected = len(known)
        for type_columns in columns.values():
            known.update(type_columns.ids)
            expected += len(type_columns.ids)
        if len(known) != expected:
            # Rare: put the set back. The batch's ids that were known before
            # are those some log holds; the others go, in one step, so that a
            # reader (get_interaction takes no lock) never misses a known id.
            batch = set().union(*(type_columns.ids for type_columns in columns.values()))
            held = {i for log in self.logs.values() for i in log.ids if i in batch}
            known.difference_update(batch - held)
            return False
        if self._recording:
            for type_columns in columns.values():
                self._added.extend(type_columns.ids)
        return True

    def _commit(self, columns: dict[str, TypeColumns]) -> None:
        """Store a batch whose ids ``_claim`` took."""
        for type_columns in columns.values():
            type_columns.commit()

    def _remember(self, ids: list[str]) -> None:
        self.ids.update(ids)
        if self._recording:
            self._added.extend(ids)

    def cancel(self, wanted: list[Any]) -> int:
        """Mark these interactions canceled; an unknown id refuses them all."""
        wanted_ids: set[str] = set()
        for position, interaction_id in enumerate(wanted):
            if not (isinstance(interaction_id, str) and interaction_id in self.ids):
                raise RecordError(f"no interaction with id {interaction_id!r}", position=position)
            wanted_ids.add(interaction_id)
        frozen = frozenset(wanted_ids)
        return sum(log.set_canceled(frozen) for log in self.logs.values())

    def views(self) -> dict[str, LogView]:
        return {name: log.view() for name, log in self.logs.items()}

    # -- transactions ------------------------------------------------------------------

    def savepoint(self) -> StoreSavepoint:
        self._recording += 1
        return StoreSavepoint(
            self.types,
            dict(self.schemas),
            dict(self.logs),
            {name: log.savepoint() for name, log in self.logs.items()},
            len(self._added),
        )

    def release(self) -> None:
        """A savepoint is done with (committed or restored)."""
        self._recording -= 1
        if not self._recording:
            self._added = []

    def restore(self, savepoint: StoreSavepoint) -> None:
        """Put types, logs and ids back as they were at ``savepoint``."""
        self.types = dict(savepoint.types)
        self.schemas = dict(savepoint.schemas)
        self.logs = dict(savepoint.logs)
        for name, log in self.logs.items():
            log.restore(savepoint.log_points[name])
        self.ids.difference_update(self._added[savepoint.added :])
        del self._added[savepoint.added :]

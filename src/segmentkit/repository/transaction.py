"""What a repository transaction keeps: its savepoints and the snapshot its owner reads.

A savepoint is cheap: the contact count, a mark per interaction log (no
column is copied, see ``InteractionLog.savepoint``) and the references to
the immutable segment catalog and extension states. Rolling back truncates
to the marks and puts the references back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from segmentkit.repository.segment_catalog import SegmentCatalog
from segmentkit.storage.interaction_store import StoreSavepoint
from segmentkit.storage.store import Snapshot

__all__ = ["Savepoint", "TransactionState"]


@dataclass(frozen=True, slots=True, eq=False)
class Savepoint:
    """The repository as it was when a (possibly nested) transaction began."""

    contacts: Any
    store: StoreSavepoint
    catalog: SegmentCatalog
    extensions: Mapping[str, BaseModel]
    attributes: Any


@dataclass(slots=True)
class TransactionState:
    """Who holds the open transaction, how deep, and what its owner reads.

    ``snapshot`` is the owner's view of its own writes (None: build it on
    the next read); ``dirty`` says whether anything was written, i.e.
    whether committing publishes a new snapshot.
    """

    owner: int | None = None
    snapshot: Snapshot | None = None
    dirty: bool = False
    # Per open savepoint, innermost last: the owner's view and the dirty
    # flag as they were when it was taken.
    _levels: list[tuple[Savepoint, Snapshot | None, bool]] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return bool(self._levels)

    def enter(self, owner: int, savepoint: Savepoint, published: Snapshot | None) -> None:
        if not self._levels:
            self.owner = owner
            self.snapshot = published
            self.dirty = False
        self._levels.append((savepoint, self.snapshot, self.dirty))

    def changed(self) -> None:
        self.snapshot = None
        self.dirty = True

    def restore(self, savepoint: Savepoint) -> None:
        """Back to what the owner saw at ``savepoint`` (its writes were undone)."""
        for level, snapshot, dirty in reversed(self._levels):
            if level is savepoint:
                self.snapshot = snapshot
                self.dirty = dirty
                return

    def leave(self) -> None:
        """The innermost savepoint is done; the last one closes the transaction."""
        self._levels.pop()
        if not self._levels:
            self.owner = None
            self.snapshot = None
            self.dirty = False

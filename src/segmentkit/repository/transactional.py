"""Snapshots and transactions, for a store whose writes take one lock.

``Transactional`` keeps the snapshot everyone reads, the snapshot the owner
of an open transaction reads, and the savepoints of nested transactions. A
subclass says what a savepoint holds (``_savepoint``, ``_restore``,
``_release``) and how to take a snapshot (``_take_snapshot``);
``InMemoryRepository`` is the one there is.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Self

from segmentkit.repository.transaction import Savepoint, TransactionState
from segmentkit.storage.store import Snapshot

__all__ = ["Transactional"]


class Transactional(ABC):
    """Writes under one lock, reads from snapshots, several writes as one."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        # The snapshot everyone sees; inside a transaction its owner sees
        # its own (self._tx.snapshot) and everyone else still this one.
        self._snapshot: Snapshot | None = None
        self._tx = TransactionState()

    @abstractmethod
    def _savepoint(self) -> Savepoint:
        """A mark of the state as it is (cheap: no copy of the records)."""

    @abstractmethod
    def _restore(self, savepoint: Savepoint) -> None:
        """Put the state back as it was at ``savepoint``."""

    @abstractmethod
    def _release(self) -> None:
        """A savepoint is done with (committed or restored)."""

    @abstractmethod
    def _take_snapshot(self) -> Snapshot:
        """A new immutable view of the state as it is."""

    @contextmanager
    def transaction(self) -> Iterator[Self]:
        """Apply every write inside the ``with`` block as one, or none of them.

        ::

            with repo.transaction():
                repo.add_contacts([...])
                repo.add_interactions([...])   # raises: the contacts go too

        An exception leaving the block undoes every write made in it and is
        raised again. Transactions nest: an inner one that fails undoes only
        its own writes. Other threads wait to write until the outermost one
        ends, and read what was there before it until it commits.
        """
        with self._lock:
            outermost = not self._tx.open
            if outermost:
                # What other threads keep reading until the commit.
                self._snapshot = self.snapshot()
            savepoint = self._savepoint()
            self._tx.enter(threading.get_ident(), savepoint, self._snapshot)
            try:
                yield self
            except BaseException:
                self._restore(savepoint)
                self._tx.restore(savepoint)
                raise
            finally:
                self._release()
                if outermost and self._tx.dirty:
                    # Published before the owner is cleared: no reader sees
                    # the transaction closed and the old snapshot current.
                    self._snapshot = self._tx.snapshot
                self._tx.leave()

    def _changed(self) -> None:
        """Forget the cached snapshot after a write (under the lock)."""
        if self._tx.open:
            self._tx.changed()
        else:
            self._snapshot = None

    def _foreign_transaction(self) -> Snapshot | None:
        """The snapshot to read when another thread's transaction is open, else None."""
        owner = self._tx.owner
        if owner is None or owner == threading.get_ident():
            return None
        return self._snapshot

    def snapshot(self) -> Snapshot:
        """An immutable view of everything committed so far, for the evaluator.

        Cached until the next write, so repeated evaluations cost nothing.
        Reading the cache takes no lock: during a long write a reader gets the
        snapshot from before it. Inside a transaction, the thread that opened
        it sees its own writes; other threads see what was committed.
        """
        if self._tx.owner == threading.get_ident():
            own = self._tx.snapshot
            if own is None:
                own = self._tx.snapshot = self._take_snapshot()
            return own
        cached = self._snapshot
        if cached is not None:
            return cached
        with self._lock:
            if self._snapshot is None:
                self._snapshot = self._take_snapshot()
            return self._snapshot

"""Pausing Python's cyclic garbage collector while a bulk load builds objects.

Loading a million records makes millions of containers (lists, tuples,
dicts) that are all kept. Each few hundred allocations make the collector
walk the young objects, and the older generations again and again as they
fill, looking for cycles that are not there: more than half of what opening
a snapshot of 1M interactions took, and as much of checking a batch of
contacts as the checks themselves. Paused, it runs once when the load is
done, if it is due. Nothing such a load makes holds a cycle, so nothing
waits longer to be freed.

The pause nests and is shared between threads: the first to enter records
whether collection was enabled, the last to leave puts that back, so a
program that keeps the collector disabled finds it so afterwards.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collection_paused"]

_LOCK = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def collection_paused() -> Iterator[None]:
    """Within this block the cyclic collector does not run (reference
    counting frees objects as always)."""
    global _depth, _was_enabled
    with _LOCK:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _LOCK:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()

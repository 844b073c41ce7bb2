"""``InMemoryRepository``: the write side (all-or-nothing batches, saved segments)
over ``storage`` and the read side through ``engine``."""

from segmentkit.repository.in_memory import InMemoryRepository

__all__ = ["InMemoryRepository"]

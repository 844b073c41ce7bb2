"""The id -> position map a snapshot sees: the live dict, limited to its contacts."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["CommittedPositions"]


class CommittedPositions(Mapping[str, int]):
    """The live id -> position dict, limited to the contacts a snapshot holds.

    Contacts are only ever appended, so a snapshot can share the growing dict
    instead of copying it: positions at or past ``len(ids)`` belong to later
    writes and are hidden. Iteration goes through the snapshot's own id tuple,
    never the dict another thread may be growing.
    """

    __slots__ = ("_ids", "_live")

    def __init__(self, live: dict[str, int], ids: tuple[str, ...]) -> None:
        self._live = live
        self._ids = ids

    def get(self, key: Any, default: Any = None) -> Any:
        position = self._live.get(key) if isinstance(key, str) else None
        return default if position is None or position >= len(self._ids) else position

    def __getitem__(self, key: str) -> int:
        position = self.get(key)
        if position is None:
            raise KeyError(key)
        return int(position)

    def __contains__(self, key: object) -> bool:
        return self.get(key) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

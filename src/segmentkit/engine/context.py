"""What one evaluation offers the modules that compute conditions.

``evaluate._Evaluation`` is the one implementation; the condition modules
(``conditions``, ``recency``, ``sequence``) see it through this protocol, so
they depend on what an evaluation gives, not on how it is built.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from typing import Any, Protocol

from segmentkit.language.ast import Node, Restriction, Window
from segmentkit.storage.store import Snapshot

__all__ = ["Evaluation", "RecordTest"]

RecordTest = Callable[[Mapping[str, Any]], bool | None]


class Evaluation(Protocol):
    """A snapshot, the instant and the time zone of one evaluation, with its memos."""

    snapshot: Snapshot
    now: datetime
    tz: tzinfo

    def restriction(self, restriction: Restriction) -> RecordTest:
        """The compiled restriction (memoised for the evaluation)."""

    def bounds(self, window: Window | None, node: Node) -> tuple[int | None, int]:
        """``[start, end)`` of a (non-periodic) window in epoch microseconds;
        errors are placed at ``node``'s position in the query text."""

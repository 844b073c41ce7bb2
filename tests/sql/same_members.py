"""The check every differential test of the SQL engines makes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from hypothesis import event

from segmentkit import SegmentKitError, evaluate
from segmentkit.language.ast import Query


def same_members(
    query: Query, memory: Any, database: Any, *, now: datetime, tz: str
) -> frozenset[str] | None:
    """The members in memory, after checking that the database gives the same
    ones; or None when memory refuses the query and the database refuses it
    with the same kind of error."""
    try:
        expected = evaluate(query, memory, now=now, tz=tz)
    except SegmentKitError as error:
        with pytest.raises(type(error)):
            evaluate(query, database, now=now, tz=tz)
        event("refused query")
        return None
    event("members compared" + (" (some)" if expected else " (none)"))
    assert evaluate(query, database, now=now, tz=tz) == expected
    return expected

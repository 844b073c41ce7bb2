"""segmentkit: say *who* in plain text.

Parse a segment query, check it against a repository of contacts and their
interactions, and evaluate it as of an instant::

    from datetime import datetime, timezone
    from segmentkit import InMemoryRepository, evaluate

    repo = InMemoryRepository()
    members = evaluate("EmailOpened at least 3 times in last 14 days", repo,
                       now=datetime(2026, 11, 22, tzinfo=timezone.utc))
"""

from segmentkit.engine.evaluate import evaluate
from segmentkit.errors import (
    InvalidArgumentError,
    QuerySyntaxError,
    QueryValidationError,
    RecordError,
    SegmentCycleError,
    SegmentKitError,
)
from segmentkit.language.ast import Query
from segmentkit.language.format import format
from segmentkit.language.parse import parse
from segmentkit.models.records import Contact, Interaction, InteractionType, Segment
from segmentkit.models.values import FieldKind, Value
from segmentkit.repository import InMemoryRepository

__all__ = [
    "Contact",
    "FieldKind",
    "InMemoryRepository",
    "Interaction",
    "InteractionType",
    "InvalidArgumentError",
    "Query",
    "QuerySyntaxError",
    "QueryValidationError",
    "RecordError",
    "Segment",
    "SegmentCycleError",
    "SegmentKitError",
    "Value",
    "evaluate",
    "format",
    "parse",
]

__version__ = "0.1.0"

"""segmentkit: say *who* in plain text.

Parse a segment query, check it against a repository of contacts and their
interactions, and evaluate it as of an instant::

    from datetime import datetime, timezone
    from segmentkit import InMemoryRepository, evaluate

    repo = InMemoryRepository()
    members = evaluate("EmailOpened at least 3 times in last 14 days", repo,
                       now=datetime(2026, 11, 22, tzinfo=timezone.utc))
"""

from segmentkit.analysis.explain import explain
from segmentkit.analysis.explanation import Explanation
from segmentkit.analysis.history import MembershipChange, changes, next_change, sizes
from segmentkit.engine.evaluate import evaluate
from segmentkit.errors import (
    DataFileError,
    DuplicateRecordError,
    InvalidArgumentError,
    MarketingError,
    NumberSeriesError,
    QuerySyntaxError,
    QueryValidationError,
    RecordError,
    SegmentCycleError,
    SegmentKitError,
    SegmentStatusError,
    SnapshotError,
    UnknownRecordError,
)
from segmentkit.language.ast import Query
from segmentkit.language.format import format
from segmentkit.language.parse import parse
from segmentkit.models.records import (
    Contact,
    Interaction,
    InteractionType,
    Segment,
    SegmentStatus,
)
from segmentkit.models.values import FieldKind, Value
from segmentkit.repository import InMemoryRepository

__all__ = [
    "Contact",
    "DataFileError",
    "DuplicateRecordError",
    "Explanation",
    "FieldKind",
    "InMemoryRepository",
    "Interaction",
    "InteractionType",
    "InvalidArgumentError",
    "MarketingError",
    "MembershipChange",
    "NumberSeriesError",
    "Query",
    "QuerySyntaxError",
    "QueryValidationError",
    "RecordError",
    "Segment",
    "SegmentCycleError",
    "SegmentKitError",
    "SegmentStatus",
    "SegmentStatusError",
    "SnapshotError",
    "UnknownRecordError",
    "Value",
    "changes",
    "evaluate",
    "explain",
    "format",
    "next_change",
    "parse",
    "sizes",
]

__version__ = "0.1.0"

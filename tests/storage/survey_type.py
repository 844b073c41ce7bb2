"""The record shapes the storage tests share: a type with a field of every
kind (and a contact reference), its contacts, and the instants they use."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from segmentkit.models.records import InteractionType

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
CONTACTS = ("c0", "c1", "c2", "c3")
SURVEY = InteractionType(
    name="Survey",
    fields={
        "who": "text",
        "answer": "text",
        "score": "number",
        "ok": "boolean",
        "day": "date",
        "at": "datetime",
        "tags": "list",
    },
    contact_references=frozenset({"who"}),
)

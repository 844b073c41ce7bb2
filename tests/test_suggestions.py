"""close_names: the one "did you mean" rule, for queries and records."""

from __future__ import annotations

import pytest

from segmentkit import InMemoryRepository, RecordError
from segmentkit.suggestions import close_names, nearest_names

TYPES = ["EmailOpened", "EmailClicked", "EmailSent", "FormSubmitted"]


def test_a_name_wrong_only_in_case_is_the_one_suggestion() -> None:
    assert close_names("emailopened", TYPES) == ["EmailOpened"]


def test_only_names_near_the_best_match_are_suggested() -> None:
    assert close_names("EmailOpend", TYPES) == ["EmailOpened"]


def test_nothing_close_suggests_nothing() -> None:
    assert close_names("Zebra", TYPES) == []


def test_the_nearest_names_are_offered_however_far() -> None:
    assert nearest_names("EmailOpend", TYPES, most=2) == ["EmailOpened", "EmailSent"]
    assert len(nearest_names("Zebra", TYPES)) == 3
    assert nearest_names("Zebra", []) == []


def test_record_errors_use_the_same_rule_as_queries() -> None:
    repo = InMemoryRepository()
    repo.add_contacts([{"id": "c1"}])
    with pytest.raises(RecordError, match="did you mean 'messageId'"):
        repo.add_interactions([{
            "id": "i1", "type": "EmailOpened", "contact_id": "c1",
            "timestamp": "2026-01-01T00:00:00Z", "properties": {"messageid": "m"},
        }])

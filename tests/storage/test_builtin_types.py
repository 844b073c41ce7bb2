"""The built-in Dynamics 365 Marketing interaction types."""

from __future__ import annotations

import pytest

from segmentkit.models.records import InteractionType
from segmentkit.repository import InMemoryRepository
from segmentkit.storage.builtin_types import BUILTIN_TYPE_NAMES, BUILTIN_TYPES

REQUIRED = [
    "EmailSent",
    "EmailDelivered",
    "EmailOpened",
    "EmailClicked",
    "EmailHardBounced",
    "EmailSoftBounced",
    "EventRegistration",
    "EventRegistrationCanceled",
    "EventCheckIn",
    "FormVisited",
    "FormSubmitted",
    "WebsiteVisited",
    "SegmentSubscribed",
    "SegmentUnsubscribed",
]
BY_NAME = {t.name: t for t in BUILTIN_TYPES}


def test_every_required_type_is_built_in() -> None:
    assert set(REQUIRED) <= BUILTIN_TYPE_NAMES


def test_names_are_unique() -> None:
    assert len(BY_NAME) == len(BUILTIN_TYPES)
    assert frozenset(BY_NAME) == BUILTIN_TYPE_NAMES


def test_all_are_valid_models() -> None:
    for interaction_type in BUILTIN_TYPES:
        assert InteractionType.model_validate(interaction_type.model_dump()) == interaction_type
        assert interaction_type.description


@pytest.mark.parametrize(
    ("type_name", "field"),
    [
        ("EmailSent", "messageId"),
        ("EmailOpened", "messageId"),
        ("EmailClicked", "linkUrl"),
        ("EmailClicked", "journeyId"),
        ("EmailHardBounced", "reason"),
        ("EmailSoftBounced", "reason"),
        ("EventRegistration", "eventId"),
        ("EventCheckIn", "eventId"),
        ("FormSubmitted", "formId"),
        ("FormVisited", "formId"),
        ("WebsiteVisited", "websiteId"),
        ("SegmentSubscribed", "segmentId"),
        ("SegmentUnsubscribed", "segmentId"),
    ],
)
def test_record_id_fields_are_text(type_name: str, field: str) -> None:
    assert BY_NAME[type_name].fields[field] == "text"


def test_one_journey_field_name_throughout() -> None:
    # "journeyId" everywhere; no type mixes in a differently spelled synonym.
    for interaction_type in BUILTIN_TYPES:
        assert "customerJourneyId" not in interaction_type.fields
    assert all("journeyId" in BY_NAME[name].fields for name in REQUIRED[:6])


def test_field_names_are_camel_case() -> None:
    for interaction_type in BUILTIN_TYPES:
        for field in interaction_type.fields:
            assert field[0].islower() and "_" not in field, (interaction_type.name, field)


def test_event_registration_has_two_contact_references() -> None:
    registration = BY_NAME["EventRegistration"]
    assert registration.contact_references == {"attendeeId", "registrantId"}
    assert BY_NAME["EventRegistrationCanceled"].contact_references == {
        "attendeeId",
        "registrantId",
    }


def test_several_field_kinds_are_used() -> None:
    kinds = {kind for t in BUILTIN_TYPES for kind in t.fields.values()}
    assert {"text", "date", "datetime", "number", "boolean"} <= kinds


def test_a_new_repository_registers_them_all() -> None:
    repo = InMemoryRepository()
    assert dict(repo.types()) == BY_NAME

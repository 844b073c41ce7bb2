"""models/text.py: the lone-surrogate check, every text field of the records, one wording."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

from hostile_text import LONE, assert_refused, savable_texts, text_fields, unsavable_texts
from segmentkit.models.records import Contact, Interaction, InteractionType, Segment
from segmentkit.models.text import describe_problem, savable_text, surrogate_problem

AWARE = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
BASES: dict[type[BaseModel], dict[str, Any]] = {
    Contact: {"id": "c1"},
    Interaction: {"id": "i1", "type": "EmailOpened", "contact_id": "c1", "timestamp": AWARE},
    InteractionType: {"name": "Call"},
    Segment: {"name": "S", "query": "all"},
}
# (model, field, value): a lone surrogate wherever each text field holds text.
CASES: list[tuple[type[BaseModel], str, Any]] = [
    (Contact, "id", LONE),
    (Contact, "name", LONE),
    (Contact, "email", LONE),
    (Contact, "company_id", LONE),
    (Contact, "salesperson_code", LONE),
    (Contact, "attributes", {LONE: 1}),
    (Contact, "attributes", {"note": LONE}),
    (Contact, "attributes", {"tags": ["a", LONE]}),
    (Interaction, "id", LONE),
    (Interaction, "type", LONE),
    (Interaction, "contact_id", LONE),
    (Interaction, "properties", {LONE: 1}),
    (Interaction, "properties", {"messageId": LONE}),
    (Interaction, "properties", {"tags": [LONE]}),
    (InteractionType, "name", LONE),
    (InteractionType, "fields", {LONE: "text"}),
    (InteractionType, "contact_references", [LONE]),
    (InteractionType, "description", LONE),
    (Segment, "name", LONE),
    (Segment, "query", LONE),
    (Segment, "description", LONE),
]


@pytest.mark.parametrize(
    ("model", "field", "value"), CASES, ids=lambda case: getattr(case, "__name__", None)
)
def test_a_lone_surrogate_is_refused_in_every_text_field(
    model: type[BaseModel], field: str, value: Any
) -> None:
    assert_refused(model, {**BASES[model], field: value}, field)


def test_a_static_segments_members_refuse_a_lone_surrogate() -> None:
    assert_refused(Segment, {"name": "S", "members": ["c1", LONE]}, "members")


def test_every_text_field_of_the_records_is_covered() -> None:
    covered = {(model, field) for model, field, _ in CASES} | {(Segment, "members")}
    assert covered == {(model, field) for model in BASES for field in text_fields(model)}


def test_the_check_finds_each_end_of_the_surrogate_range() -> None:
    for code in (0xD800, 0xDBFF, 0xDC00, 0xDFFF):
        problem = surrogate_problem(f"ok{chr(code)}")
        assert problem is not None and f"U+{code:04X}" in problem
    # A pair as two code points is two lone surrogates in a str: UTF-8 cannot encode it.
    assert surrogate_problem("\ud83d\ude00") is not None


@pytest.mark.parametrize(
    "text", ["", "plain", "Søren", "\x00", "\u2028", "\U0001f600", "\ud7ff\ue000", "\U0010ffff"]
)
def test_text_without_a_surrogate_passes(text: str) -> None:
    assert surrogate_problem(text) is None
    assert savable_text(text) is text


@given(savable_texts)
def test_savable_text_can_be_encoded_as_utf8(text: str) -> None:
    assert surrogate_problem(text) is None
    text.encode("utf-8")


@given(unsavable_texts)
def test_unsavable_text_is_refused_by_the_check(text: str) -> None:
    assert surrogate_problem(text) is not None
    with pytest.raises(PydanticCustomError):
        savable_text(text)


def test_describe_problem_words_pydantics_own_refusal_like_ours() -> None:
    # An id is a constrained text: pydantic refuses it (string_unicode) before our check runs.
    with pytest.raises(ValidationError) as caught:
        Contact(id=LONE)
    (problem,) = caught.value.errors()
    assert problem["type"] == "string_unicode"
    with pytest.raises(ValidationError) as ours:
        Contact(id="c1", name=LONE)
    (own,) = ours.value.errors()
    assert describe_problem(problem) == describe_problem(own).replace("name:", "id:")


def test_describe_problem_keeps_other_messages_and_takes_another_path() -> None:
    with pytest.raises(ValidationError) as caught:
        Contact.model_validate({"id": ""})
    (problem,) = caught.value.errors()
    assert describe_problem(problem) == f"id: {problem['msg']}"
    assert describe_problem(problem, ()) == problem["msg"]
    assert describe_problem(problem, (3, "id")) == f"3.id: {problem['msg']}"

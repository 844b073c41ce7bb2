"""The published JSON Schemas accept what segmentkit writes and refuse what it refuses."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ast_strategies import queries
from segmentkit import InvalidArgumentError, Query, parse
from segmentkit.io.json_schema import SCHEMA_NAMES, json_schema
from segmentkit.models.records import Contact, Interaction, Segment
from segmentkit.strategies import contacts, interactions, segments

VALIDATORS = {
    name: jsonschema.Draft202012Validator(
        json_schema(name), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    for name in SCHEMA_NAMES
}


def _errors(name: str, document: Any) -> list[str]:
    return [error.message for error in VALIDATORS[name].iter_errors(document)]


def test_the_four_schemas_are_valid_draft_2020_12_schemas() -> None:
    assert SCHEMA_NAMES == ("contact", "interaction", "segment", "query")
    for name in SCHEMA_NAMES:
        schema = json_schema(name)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        jsonschema.Draft202012Validator.check_schema(schema)


def test_an_unknown_name_is_our_error_with_the_names() -> None:
    with pytest.raises(InvalidArgumentError, match="did you mean contact") as caught:
        json_schema("contacts")
    assert "contact, interaction, segment, query" in str(caught.value)


@given(contacts())
def test_generated_contacts_validate(contact: Contact) -> None:
    assert _errors("contact", contact.model_dump(mode="json")) == []


@given(st.data())
def test_generated_interactions_validate(data: st.DataObject) -> None:
    interaction: Interaction = data.draw(interactions(["c1", "c2"]))
    assert _errors("interaction", interaction.model_dump(mode="json")) == []


@given(segments())
def test_generated_segments_validate(segment: Segment) -> None:
    assert _errors("segment", segment.model_dump(mode="json")) == []


@given(queries)
def test_generated_query_asts_validate(query: Query) -> None:
    assert _errors("query", query.model_dump(mode="json")) == []


def test_a_parsed_query_validates_and_its_kind_is_required() -> None:
    document = parse(
        'EmailClicked where linkUrl like "%x%" then FormSubmitted within 2 days in last 30 days'
        ' or Purchase having sum(amount) >= 100 and contact.createdAt >= 30 days ago'
    ).model_dump(mode="json")
    assert _errors("query", document) == []
    del document["kind"]
    assert _errors("query", document) != []


@pytest.mark.parametrize(
    ("name", "document"),
    [
        pytest.param("contact", {"name": "Ann"}, id="contact-without-id"),
        pytest.param("contact", {"id": ""}, id="contact-empty-id"),
        pytest.param("contact", {"id": "c1", "age": 3}, id="contact-unknown-key"),
        pytest.param("contact", {"id": "c1", "attributes": {"a": {"b": 1}}}, id="object-value"),
        pytest.param("contact", {"id": "c1", "attributes": {"a": [[1]]}}, id="nested-list"),
        pytest.param(
            "contact", {"id": "c1", "attributes": {"a": {"$date": "1 May"}}}, id="bad-date"
        ),
        pytest.param(
            "contact", {"id": "c1", "attributes": {"a": {"$datetime": "2026-01-01T09:00"}}},
            id="datetime-without-offset",
        ),
        pytest.param(
            "interaction", {"id": "i1", "type": "Email Opened", "contact_id": "c1",
                            "timestamp": "2026-01-01T09:00:00Z"}, id="type-not-identifier",
        ),
        pytest.param(
            "interaction", {"id": "i1", "type": "EmailOpened", "contact_id": "c1"},
            id="interaction-without-timestamp",
        ),
        pytest.param("segment", {"name": "A", "query": "all", "members": ["c1"]}, id="both"),
        pytest.param("segment", {"name": "A"}, id="neither"),
        pytest.param("segment", {"name": "A", "members": ["c1"], "status": "paused"}, id="status"),
        pytest.param("query", {"kind": "everyone"}, id="unknown-kind"),
        pytest.param("query", {"kind": "and", "operands": [{"kind": "all"}]}, id="and-of-one"),
        pytest.param(
            "query", {"kind": "segment", "name": "A", "extra": 1}, id="query-unknown-key"
        ),
    ],
)
def test_what_the_models_refuse_the_schema_refuses(name: str, document: Any) -> None:
    model: Any = {"contact": Contact, "interaction": Interaction, "segment": Segment,
                  "query": Query}[name]
    with pytest.raises(ValueError):
        model.model_validate(document)
    assert _errors(name, document) != []

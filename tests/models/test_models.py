"""models.py and types.py: validation errors and exact JSON round trips."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from segmentkit.models.records import (
    Contact,
    Interaction,
    InteractionType,
    Segment,
    saved_contact,
)
from segmentkit.models.values import is_identifier, validate_value, value_kind
from segmentkit.strategies import contacts

AWARE = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def round_trip(model: BaseModel) -> BaseModel:
    return type(model).model_validate_json(model.model_dump_json())


# --- validation -------------------------------------------------------------------


@pytest.mark.parametrize("bad_id", ["", " ", "\t\n"])
def test_contact_id_must_not_be_empty_or_blank(bad_id: str) -> None:
    with pytest.raises(ValidationError, match="id"):
        Contact(id=bad_id)


@pytest.mark.parametrize("field", ["id", "contact_id"])
def test_interaction_ids_must_not_be_empty(field: str) -> None:
    data: dict[str, Any] = {"id": "i1", "type": "EmailOpened", "contact_id": "c1"}
    data[field] = ""
    with pytest.raises(ValidationError, match=field):
        Interaction(**data, timestamp=AWARE)


def test_interaction_timestamp_must_be_aware() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        Interaction(id="i", type="EmailOpened", contact_id="c", timestamp=datetime(2026, 1, 1))


def test_interaction_timestamp_text_without_offset_is_refused() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        Interaction.model_validate(
            {"id": "i", "type": "T", "contact_id": "c", "timestamp": "2026-01-01T09:00:00"}
        )


def test_naive_datetime_value_is_refused_in_attributes_and_properties() -> None:
    with pytest.raises(ValidationError, match="naive"):
        Contact(id="c", attributes={"seen": datetime(2026, 1, 1)})
    with pytest.raises(ValidationError, match="naive"):
        Interaction(
            id="i",
            type="T",
            contact_id="c",
            timestamp=AWARE,
            properties={"at": datetime(2026, 1, 1)},
        )


@pytest.mark.parametrize(
    "value", [float("nan"), float("inf"), {"a": 1}, object(), [[1]], {"$date": "2026-02-30"}]
)
def test_unsupported_values_are_refused(value: Any) -> None:
    with pytest.raises(ValidationError):
        Contact(id="c", attributes={"x": value})


def test_empty_attribute_key_is_refused() -> None:
    with pytest.raises(ValidationError):
        Contact(id="c", attributes={"": 1})


def test_interaction_type_name_must_be_identifier() -> None:
    with pytest.raises(ValidationError):
        Interaction(id="i", type="Email Opened", contact_id="c", timestamp=AWARE)


@pytest.mark.parametrize("name", ["New Leads", "", " Leads", "Leads "])
def test_segment_name_with_spaces_explains_how_to_name_it(name: str) -> None:
    with pytest.raises(ValidationError, match="cannot be empty or contain spaces"):
        Segment(name=name, query="all")


@pytest.mark.parametrize("name", ["new-leads", "1st", "Leads!", "Lead\n", "Léads"])
def test_segment_name_with_special_characters_is_refused(name: str) -> None:
    with pytest.raises(ValidationError):
        Segment(name=name, query="all")


def test_segment_needs_query_or_members_not_both() -> None:
    with pytest.raises(ValidationError, match="exactly one"):
        Segment(name="S", query="all", members=["c1"])
    with pytest.raises(ValidationError, match="exactly one"):
        Segment(name="S")


def test_segment_kinds() -> None:
    assert Segment(name="S", members=[]).is_static
    assert not Segment(name="S", query="all").is_static


def test_static_segment_member_ids_must_not_be_empty() -> None:
    with pytest.raises(ValidationError):
        Segment(name="S", members=["c1", ""])


def test_contact_references_must_be_declared_text_fields() -> None:
    with pytest.raises(ValidationError, match="not a declared field"):
        InteractionType(name="T", fields={"a": "text"}, contact_references={"b"})
    with pytest.raises(ValidationError, match="must be a text field"):
        InteractionType(name="T", fields={"a": "number"}, contact_references={"a"})


def test_field_kinds_are_checked() -> None:
    with pytest.raises(ValidationError):
        InteractionType.model_validate({"name": "T", "fields": {"a": "string"}})
    with pytest.raises(ValidationError):
        InteractionType(name="T", fields={"not an identifier": "text"})


def test_models_are_frozen_and_forbid_extra_keys() -> None:
    contact = Contact(id="c")
    with pytest.raises(ValidationError):
        contact.id = "d"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="Extra inputs"):
        Contact.model_validate({"id": "c", "nickname": "x"})


# --- JSON round trips ---------------------------------------------------------------


def test_value_kinds_survive_json() -> None:
    attributes = {
        "a_date": date(2026, 1, 1),
        "a_date_text": "2026-01-01",
        "a_datetime": datetime(2026, 1, 1, 9, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2))),
        "a_datetime_text": "2026-01-01T09:00:00+02:00",
        "an_int": 1,
        "a_float": 1.0,
        "a_bool": True,
        "a_zero": 0,
        "a_false": False,
        "a_null": None,
        "a_list": [1, 1.5, "x", True, None, date(2026, 1, 2)],
        "an_empty_list": [],
        "a_big_int": 10**30,
    }
    contact = Contact(id="c", attributes=attributes)
    back = round_trip(contact)
    assert back == contact
    assert isinstance(back, Contact)
    for key, value in attributes.items():
        assert type(back.attributes[key]) is type(value), key
    for original, restored in zip(attributes["a_list"], back.attributes["a_list"], strict=True):  # type: ignore[call-overload]
        assert type(restored) is type(original)


def test_date_and_datetime_are_tagged_in_json() -> None:
    text = Contact(
        id="c", attributes={"d": date(2026, 1, 1), "s": "2026-01-01", "t": AWARE}
    ).model_dump_json()
    assert '"d":{"$date":"2026-01-01"}' in text
    assert '"s":"2026-01-01"' in text
    assert '"t":{"$datetime":"2026-03-01T09:30:00+00:00"}' in text


def test_a_datetime_keeps_its_offset_through_json() -> None:
    local = datetime(2026, 7, 1, 12, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))
    back = round_trip(Contact(id="c", attributes={"t": local}))
    assert isinstance(back, Contact)
    value = back.attributes["t"]
    assert value == local
    assert isinstance(value, datetime) and value.utcoffset() == timedelta(hours=2)


def test_interaction_round_trips() -> None:
    interaction = Interaction(
        id="i1",
        type="EmailClicked",
        contact_id="c1",
        timestamp=datetime(2026, 1, 1, 9, tzinfo=timezone(timedelta(hours=-5))),
        properties={"linkUrl": "https://x", "when": date(2026, 1, 1), "n": 2.5},
        canceled=True,
    )
    assert round_trip(interaction) == interaction


def test_interaction_type_and_segment_round_trip() -> None:
    interaction_type = InteractionType(
        name="EventRegistration",
        fields={"attendeeId": "text", "registrantId": "text", "eventDate": "date"},
        contact_references={"attendeeId", "registrantId"},
    )
    assert round_trip(interaction_type) == interaction_type
    static = Segment(name="Vip", members=["c1", "c2"], description="hand picked")
    dynamic = Segment(name="Engaged", query="EmailOpened in last 30 days")
    assert round_trip(static) == static
    assert round_trip(dynamic) == dynamic


def test_a_type_is_the_same_json_whatever_order_its_references_were_given_in() -> None:
    # Two equal sets built in different orders can iterate differently (their
    # order follows string hashes and collisions), so a type read back from a
    # database once dumped its references in another order than the original.
    names = [f"ref{n}" for n in range(26)]
    fields: dict[str, Any] = dict.fromkeys(names, "text")
    forward = InteractionType(name="T", fields=fields, contact_references=frozenset(names))
    backward = InteractionType(name="T", fields=fields,
                               contact_references=frozenset(reversed(names)))
    assert forward == backward
    assert forward.model_dump_json() == backward.model_dump_json()
    assert json.loads(forward.model_dump_json())["contact_references"] == sorted(names)
    assert round_trip(backward) == forward


def test_model_validate_from_plain_json_data() -> None:
    contact = Contact.model_validate(
        {"id": "c", "attributes": {"born": {"$date": "1990-05-17"}, "code": "1990-05-17"}}
    )
    assert contact.attributes == {"born": date(1990, 5, 17), "code": "1990-05-17"}


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | st.dates()
    | st.datetimes(timezones=st.timezones())
)


def _aware(value: Any) -> bool:
    # Hypothesis may pick a wall time that does not exist in the zone; it is
    # still aware, but utcoffset is what decides.
    return not isinstance(value, datetime) or value.utcoffset() is not None


@given(
    st.dictionaries(
        st.text(min_size=1),
        json_scalars | st.lists(json_scalars, max_size=4),
        max_size=6,
    )
)
def test_any_attributes_round_trip_exactly(attributes: dict[str, Any]) -> None:
    values = [
        v for value in attributes.values() for v in (value if isinstance(value, list) else [value])
    ]
    if not all(_aware(v) for v in values):
        return
    contact = Contact(id="c", attributes=attributes)
    back = round_trip(contact)
    assert back == contact
    assert isinstance(back, Contact)
    for key, value in contact.attributes.items():
        restored = back.attributes[key]
        assert type(restored) is type(value)
        if isinstance(value, list):
            assert [type(v) for v in value] == [type(v) for v in restored]  # type: ignore[union-attr]


# --- types.py helpers --------------------------------------------------------------------------


def test_value_kind() -> None:
    assert value_kind(True) == "boolean"
    assert value_kind(1) == "number"
    assert value_kind(1.5) == "number"
    assert value_kind("x") == "text"
    assert value_kind(date(2026, 1, 1)) == "date"
    assert value_kind(AWARE) == "datetime"
    assert value_kind([1]) == "list"
    assert value_kind(None) is None


def test_validate_value_turns_tuples_into_lists() -> None:
    assert validate_value((1, "a")) == [1, "a"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("EmailOpened", True),
        ("_x1", True),
        ("1x", False),
        ("a-b", False),
        ("", False),
        ("é", False),
    ],
)
def test_is_identifier(name: str, expected: bool) -> None:
    assert is_identifier(name) is expected


@pytest.mark.parametrize(
    "wall",
    [
        datetime(2026, 10, 25, 2, 30),  # Copenhagen falls back: 02:30 happens twice
        datetime(2026, 10, 25, 2, 30, fold=1),
        datetime(2026, 3, 29, 2, 30),  # Copenhagen springs forward: 02:30 never happens
    ],
)
def test_times_in_a_dst_fold_or_gap_round_trip_equal(wall: datetime) -> None:
    instant = wall.replace(tzinfo=ZoneInfo("Europe/Copenhagen"))
    interaction = Interaction(
        id="i", type="T", contact_id="c", timestamp=instant, properties={"at": instant}
    )
    assert round_trip(interaction) == interaction
    # The instant is kept; only the zone is replaced by its offset at that instant.
    assert interaction.timestamp.utcoffset() == instant.utcoffset()
    assert interaction.timestamp.timestamp() == instant.timestamp()
    assert interaction.properties["at"] == interaction.timestamp


def test_unambiguous_times_keep_their_zone() -> None:
    instant = datetime(2026, 7, 1, 12, tzinfo=ZoneInfo("Europe/Copenhagen"))
    contact = Contact(id="c", attributes={"t": instant})
    assert contact.attributes["t"].tzinfo is instant.tzinfo  # type: ignore[union-attr]


@given(contacts())
def test_a_saved_contact_is_what_model_construct_builds(contact: Contact) -> None:
    fields = {name: getattr(contact, name) for name in Contact.model_fields}
    rebuilt = saved_contact(dict(fields))
    constructed = Contact.model_construct(**fields)
    assert rebuilt == constructed == contact
    assert rebuilt.__dict__ == constructed.__dict__
    assert list(rebuilt.__dict__) == list(Contact.model_fields)
    assert rebuilt.__pydantic_extra__ == constructed.__pydantic_extra__
    assert rebuilt.__pydantic_private__ == constructed.__pydantic_private__
    assert rebuilt.model_dump_json() == contact.model_dump_json()
    assert rebuilt.model_dump(exclude_unset=True) == contact.model_dump(exclude_defaults=True)
    assert hash(rebuilt.id) and rebuilt.model_copy(update={"name": "x"}).name == "x"

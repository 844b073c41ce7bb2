"""The domain records: contacts, interactions, interaction types, segments.

All frozen Pydantic v2 models that validate on construction and round-trip
through JSON exactly (see ``segmentkit.models.values`` for how date values are
written). The marketing-workflow records (templates, send lists, number
series, ...) live in ``segmentkit.marketing``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_serializer,
    field_validator,
    model_validator,
)

from segmentkit.models.text import SavableStr
from segmentkit.models.values import FieldKind, Identifier, NonEmptyStr, ValueField, unambiguous

__all__ = [
    "CONTACT_FIELDS",
    "Contact",
    "Interaction",
    "InteractionType",
    "Segment",
    "SegmentStatus",
    "saved_contact",
]

AttributeKey = Annotated[str, StringConstraints(min_length=1)]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Contact(_Record):
    """A person or company that segments select."""

    id: NonEmptyStr
    name: SavableStr | None = None
    email: SavableStr | None = None
    type: Literal["person", "company"] = "person"
    company_id: SavableStr | None = None
    salesperson_code: SavableStr | None = None
    attributes: dict[AttributeKey, ValueField] = Field(default_factory=dict)


# The scalar fields of the Contact model a profile PATH can name; anything
# else is a key of ``attributes`` (``attributes`` itself is a dict, not a value).
CONTACT_FIELDS: frozenset[str] = frozenset(Contact.model_fields) - {"attributes"}
_new_contact = Contact.__new__
_set = object.__setattr__


def saved_contact(fields: dict[str, Any]) -> Contact:
    """A contact that was validated when it was stored, rebuilt from all its
    fields without validating again (opening a snapshot).

    ``model_construct`` with every field given, minus its per-field default
    handling, which costs five times this at 100,000 contacts: the four slots
    set here are the ones BaseModel declares and model_construct sets.
    ``tests/models/test_models.py`` holds the result equal to model_construct's.
    """
    contact = _new_contact(Contact)
    _set(contact, "__dict__", fields)
    _set(contact, "__pydantic_fields_set__", {
        name for name, value in fields.items()
        if value is not None and value != {} and not (name == "type" and value == "person")
    })
    _set(contact, "__pydantic_extra__", None)
    _set(contact, "__pydantic_private__", None)
    return contact


class Interaction(_Record):
    """One entry of the interaction log: something a contact did or was sent."""

    id: NonEmptyStr
    type: Identifier
    contact_id: NonEmptyStr
    # unambiguous: a time in a DST fold or gap must still round-trip equal.
    timestamp: Annotated[AwareDatetime, AfterValidator(unambiguous)]
    properties: dict[AttributeKey, ValueField] = Field(default_factory=dict)
    canceled: bool = False


class InteractionType(_Record):
    """The schema of one kind of interaction record.

    ``fields`` declares each property and its kind; ``contact_references``
    names the text fields that hold a contact id and so may follow ``via``.
    """

    name: Identifier
    fields: dict[Identifier, FieldKind] = Field(default_factory=dict)
    contact_references: frozenset[Identifier] = frozenset()
    description: SavableStr | None = None

    # A set's order follows the process's string hashes, and can differ
    # between two equal sets built in different orders: sorted, a saved or
    # compared type is the same text in every run.
    @field_serializer("contact_references", when_used="json")
    def _sorted_references(self, references: frozenset[str]) -> list[str]:
        return sorted(references)

    @model_validator(mode="after")
    def _references_are_text_fields(self) -> Self:
        for ref in sorted(self.contact_references):
            kind = self.fields.get(ref)
            if kind is None:
                raise ValueError(f"contact reference {ref!r} is not a declared field")
            if kind != "text":
                raise ValueError(f"contact reference {ref!r} must be a text field, not {kind}")
        return self


# Dynamics 365 Marketing's lifecycle: a draft is being designed, a live
# segment has members, a stopped one has none until it goes live again.
SegmentStatus = Literal["draft", "live", "stopped"]


class Segment(_Record):
    """A saved segment: dynamic (a ``query``) or static (a ``members`` list).

    Names follow Dynamics 365 Marketing: no spaces or special characters, so
    that ``segment NAME`` can refer to them. Only a ``live`` segment has
    members (``repo.go_live`` / ``repo.stop`` move it through its lifecycle).
    """

    # The JSON Schema says what _exactly_one_definition checks, so that a
    # service validating against it is refused what the model refuses.
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": ["query"], "properties": {"members": {"type": "null"}}},
                {"required": ["members"], "properties": {"query": {"type": "null"}}},
            ]
        }
    )

    name: Identifier
    # A draft's query is not parsed (and so not checked) until it goes live.
    query: SavableStr | None = None
    members: list[NonEmptyStr] | None = None
    description: SavableStr | None = None
    status: SegmentStatus = "live"

    @field_validator("name", mode="before")
    @classmethod
    def _explain_name(cls, name: object) -> object:
        if isinstance(name, str) and (" " in name or not name):
            raise ValueError(
                "a segment name cannot be empty or contain spaces; "
                "use CamelCase or underscores, e.g. 'NewLeads' or 'new_leads'"
            )
        return name

    @model_validator(mode="after")
    def _exactly_one_definition(self) -> Self:
        if (self.query is None) == (self.members is None):
            raise ValueError(
                "a segment needs exactly one of 'query' (dynamic) or 'members' (static)"
            )
        return self

    @property
    def is_static(self) -> bool:
        return self.members is not None

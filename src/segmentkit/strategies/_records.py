"""Strategies for the records: contacts, interaction types, interactions, segments.

Every record drawn here is valid for a repository that holds the contacts
and types it names. Optional parts (attributes, properties, names) are
optional keys or ``None``-first choices, so a failing record shrinks toward
a bare id.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any, NamedTuple

from hypothesis import strategies as st

from segmentkit.errors import InvalidArgumentError
from segmentkit.models.records import Contact, Interaction, InteractionType, Segment
from segmentkit.models.values import FieldKind, Value
from segmentkit.storage.builtin_types import BUILTIN_TYPES
from segmentkit.strategies import _values as v

# Attribute keys with the kind most contacts give them. A few contacts give
# another kind (or null), so that comparisons meet values of the wrong kind.
# `last` is a keyword: a query must write it in backticks.
ATTRIBUTE_KINDS: dict[str, FieldKind] = {
    "country": "text",
    "age": "number",
    "vip": "boolean",
    "birthday": "date",
    "lastSeen": "datetime",
    "tags": "list",
    "last": "text",
}
# The fields of the custom types: every kind, and two contact references.
CUSTOM_FIELDS: dict[str, FieldKind] = {
    "sku": "text",
    "amount": "number",
    "paid": "boolean",
    "orderDate": "date",
    "shippedAt": "datetime",
    "tags": "list",
    "buyerId": "text",
    "giftFor": "text",
}
CUSTOM_REFERENCES = ("buyerId", "giftFor")
# Not built-in names (a repository refuses another schema under those);
# `day` is a keyword, so queries must quote it.
CUSTOM_TYPE_NAMES = ("Purchase", "Review", "day")
# Built-in types whose fields cover the kinds, first the simplest.
FAVOURITE_TYPES = (
    "EmailOpened",
    "EmailClicked",
    "EventRegistration",  # two contact references
    "EventCheckIn",  # a date and a datetime field
    "WebsiteVisited",  # a number field
    "FormSubmitted",  # a boolean field
)
# `segment` is a keyword: a reference must write segment `segment`.
SEGMENT_NAMES = ("Engaged", "NewLeads", "segment", "Lapsed", "VIP")

_BUILTIN_BY_NAME = {t.name: t for t in BUILTIN_TYPES}


# A null, or a value of some kind an attribute seldom has: one choice, not a
# tree of them, since every choice makes shrinking a repository slower.
_ODD_VALUES: st.SearchStrategy[Value] = st.sampled_from(
    (None, "1", 1, True, date(2026, 3, 1), ["a", 1], [])
)


def _attribute_values(kind: FieldKind) -> st.SearchStrategy[Value]:
    return st.one_of(v.values_of_kind(kind), _ODD_VALUES)


attributes: st.SearchStrategy[dict[str, Value]] = st.fixed_dictionaries(
    {}, optional={key: _attribute_values(kind) for key, kind in ATTRIBUTE_KINDS.items()}
)


def contacts() -> st.SearchStrategy[Contact]:
    """Valid contacts, ids from a small pool (``c1``, ``C1``, ``straße``, ``STRASSE``, ...).

    Draw several for one repository with
    ``st.lists(contacts(), unique_by=lambda c: c.id)``.
    """
    return _NAMED_CONTACTS


_CONTACTS = st.builds(
    Contact,
    id=v.contact_ids,
    name=st.none() | v.texts,
    email=st.none() | st.sampled_from(v.EMAILS),
    type=st.sampled_from(("person", "company")),
    company_id=st.none() | st.sampled_from(v.CONTACT_IDS),
    salesperson_code=st.none() | st.sampled_from(("SP1", "sp1", "SP2")),
    attributes=attributes,
)
_NAMED_CONTACTS = v.short_repr(_CONTACTS, "contacts")


@st.composite
def _custom_types(draw: st.DrawFn) -> InteractionType:
    name = draw(st.sampled_from(CUSTOM_TYPE_NAMES))
    fields = draw(
        st.fixed_dictionaries(
            {}, optional={field: st.just(kind) for field, kind in CUSTOM_FIELDS.items()}
        )
    )
    present = [field for field in CUSTOM_REFERENCES if field in fields]
    references = draw(st.sets(st.sampled_from(present), max_size=2)) if present else set()
    return InteractionType(
        name=name,
        fields=fields,
        contact_references=frozenset(references),
        description=draw(st.none() | v.texts),
    )


CUSTOM_TYPES = _custom_types()


def interaction_types() -> st.SearchStrategy[InteractionType]:
    """A built-in type, or a custom one (every field kind, maybe contact references).

    Custom types are named from a small pool; two drawn types with one name
    may differ, and a repository refuses the second: draw them with
    ``st.lists(..., unique_by=lambda t: t.name)``.
    """
    return st.one_of(st.sampled_from(BUILTIN_TYPES), CUSTOM_TYPES)


# A type as a hashable key: strategies are cached per key, since building
# them anew for every draw costs Hypothesis far more than drawing from them.
FieldsKey = tuple[tuple[str, FieldKind], ...]
TypeKey = tuple[str, FieldsKey, tuple[str, ...]]


def type_key(interaction_type: InteractionType) -> TypeKey:
    return (
        interaction_type.name,
        tuple(interaction_type.fields.items()),
        tuple(sorted(interaction_type.contact_references)),
    )


# Records name contacts by slot: slot n is contact ids[n % len(ids)]. The
# strategies then do not depend on the ids (and are built once), and a
# shrunk record names the first contact.
_SLOTS = st.integers(min_value=0, max_value=7)


class _Template(NamedTuple):
    """An interaction whose contact and contact-reference values are slots."""

    type: str
    contact: int
    timestamp: datetime
    properties: dict[str, Any]
    references: tuple[str, ...]
    canceled: bool


@lru_cache(maxsize=256)
def _templates_of_type(
    key: TypeKey, timestamps: st.SearchStrategy[datetime]
) -> st.SearchStrategy[_Template]:
    name, fields, references = key
    properties = st.fixed_dictionaries(
        {},
        optional={
            field: st.one_of(_SLOTS if field in references else v.values_of_kind(kind), st.none())
            for field, kind in fields
        },
    )
    return st.builds(
        _Template,
        type=st.just(name),
        contact=_SLOTS,
        timestamp=timestamps,
        properties=properties,
        references=st.just(references),
        # Mostly live records; a canceled one must never count.
        canceled=st.sampled_from((False, False, True)),
    )


@lru_cache(maxsize=256)
def templates(
    keys: tuple[TypeKey, ...], timestamps: st.SearchStrategy[datetime]
) -> st.SearchStrategy[_Template]:
    """Interaction templates of these types; ``to_interaction`` makes them records."""
    # Named: Hypothesis formats the repr of a one_of while shrinking.
    return v.short_repr(
        st.one_of(*(_templates_of_type(key, timestamps) for key in keys)), "interactions"
    )


def to_interaction(template: _Template, contact_ids: Sequence[str], record_id: str) -> Interaction:
    """The record a template stands for, its slots resolved to ``contact_ids``."""
    count = len(contact_ids)
    properties = {
        field: contact_ids[value % count]
        if field in template.references and value is not None
        else value
        for field, value in template.properties.items()
    }
    return Interaction(
        id=record_id,
        type=template.type,
        contact_id=contact_ids[template.contact % count],
        timestamp=template.timestamp,
        properties=properties,
        canceled=template.canceled,
    )


def interactions(
    contact_ids: Sequence[str], types: Sequence[InteractionType] | None = None
) -> st.SearchStrategy[Interaction]:
    """Interactions of ``contact_ids`` (and, through contact-reference fields, of them too).

    ``types`` defaults to the built-in types. Ids are ``i<number>``; when
    adding several to one repository draw them with
    ``st.lists(..., unique_by=lambda i: i.id)``.
    """
    if isinstance(contact_ids, str):
        raise InvalidArgumentError(
            "contact_ids must be a sequence of ids, not one string", argument="contact_ids"
        )
    ids = tuple(dict.fromkeys(contact_ids))
    if not ids:
        raise InvalidArgumentError(
            "interactions() needs at least one contact id", argument="contact_ids"
        )
    chosen = tuple(type_key(t) for t in (BUILTIN_TYPES if types is None else types))
    if not chosen:
        raise InvalidArgumentError("interactions() needs at least one type", argument="types")
    return st.builds(
        lambda number, template: to_interaction(template, ids, f"i{number}"),
        st.integers(min_value=0, max_value=10**6),
        templates(chosen, v.instants),
    )


def segments() -> st.SearchStrategy[Segment]:
    """Segment models: static (members from the contact-id pool) or dynamic.

    The query of a dynamic one is a canonical query over the built-in types
    naming no other segment, so it can be saved in any repository that has
    its types; static members must exist in the repository it is saved in.
    """
    from segmentkit.language.format import format as format_query
    from segmentkit.repository import InMemoryRepository
    from segmentkit.strategies._queries import queries

    # A repository with only the built-in types, made on first draw.
    dynamic = st.deferred(lambda: queries(InMemoryRepository(), max_depth=2)).map(format_query)
    names = st.sampled_from(SEGMENT_NAMES)
    return st.one_of(
        st.builds(
            Segment,
            name=names,
            members=st.lists(st.sampled_from(v.CONTACT_IDS), unique=True, max_size=4),
        ),
        st.builds(Segment, name=names, query=dynamic),
        st.builds(Segment, name=names, query=dynamic, description=v.texts),
    )


def types_for_records(custom: Sequence[InteractionType]) -> list[InteractionType]:
    """The types a generated repository records interactions of: few, so they collide."""
    return [*(_BUILTIN_BY_NAME[name] for name in FAVOURITE_TYPES), *custom]

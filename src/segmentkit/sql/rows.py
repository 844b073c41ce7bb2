"""Records as table rows and back: the JSON the models write, and the keys
(``sql.keys``) that queries compare."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from segmentkit.models.records import CONTACT_FIELDS, Contact, Interaction
from segmentkit.sql.keys import scalar_key, value_key
from segmentkit.sql.schema import CONTACT_COLUMNS

__all__ = [
    "ContactRows",
    "InteractionRows",
    "contact_from_row",
    "contact_table_rows",
    "dumps",
    "holds_nul",
    "interaction_from_row",
    "interaction_table_rows",
]

ListRow = tuple[str, str, str | None]
ContactRows = tuple[list[tuple[Any, ...]], list[ListRow]]
InteractionRows = tuple[list[tuple[Any, ...]], list[ListRow]]


def holds_nul(value: Any) -> bool:
    """Whether a text anywhere in ``value`` (keys of dicts included) holds NUL."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(holds_nul(key) or holds_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(holds_nul(item) for item in value)
    return False


# Text as it is (no \\u escapes), so the JSON is the text a reader expects.
# One encoder for every call: json.dumps with arguments builds a new one each time.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dumps(value: Any) -> str:
    return _ENCODER.encode(value)


def _keys(owner: str, values: Mapping[str, Any], lists: list[ListRow]) -> str:
    """The keys JSON of a record's values; list elements go to ``lists``."""
    found: dict[str, str | None] = {}
    for name, value in values.items():
        found[name] = value_key(value)
        if isinstance(value, list):
            lists.extend((owner, name, scalar_key(element)) for element in value)
    return dumps(found)


def contact_table_rows(contacts: Iterable[Contact]) -> ContactRows:
    rows: list[tuple[Any, ...]] = []
    lists: list[ListRow] = []
    for contact in contacts:
        # The profile a query reads: attributes, then the contact's own
        # fields, which win over an attribute of the same name (profile_value).
        profile = dict(contact.attributes)
        profile.update((name, getattr(contact, name)) for name in CONTACT_FIELDS)
        attributes = contact.model_dump(mode="json", include={"attributes"})["attributes"]
        rows.append(
            (
                contact.id,
                *(getattr(contact, name) for name in CONTACT_COLUMNS),
                dumps(attributes),
                _keys(contact.id, profile, lists),
            )
        )
    return rows, lists


def interaction_table_rows(records: Iterable[Interaction]) -> InteractionRows:
    rows: list[tuple[Any, ...]] = []
    lists: list[ListRow] = []
    for record in records:
        properties = record.model_dump(mode="json", include={"properties"})["properties"]
        rows.append(
            (
                record.id,
                record.type,
                record.contact_id,
                record.timestamp,
                record.canceled,
                dumps(properties),
                _keys(record.id, record.properties, lists),
            )
        )
    return rows, lists


def _json_value(value: Any) -> Any:
    """A JSON column as Python: engines return text (DuckDB) or parsed (psycopg)."""
    return json.loads(value) if isinstance(value, str) else value


def contact_from_row(row: tuple[Any, ...]) -> Contact:
    contact_id, *fields, attributes = row
    given = zip(CONTACT_COLUMNS, fields, strict=True)
    return Contact.model_validate(
        {
            "id": contact_id,
            **{name: value for name, value in given if value is not None},
            "attributes": _json_value(attributes),
        }
    )


def interaction_from_row(row: tuple[Any, ...]) -> Interaction:
    record_id, type_name, contact_id, timestamp, canceled, properties = row
    return Interaction.model_validate(
        {
            "id": record_id,
            "type": type_name,
            "contact_id": contact_id,
            "timestamp": timestamp,
            "canceled": canceled,
            "properties": _json_value(properties),
        }
    )

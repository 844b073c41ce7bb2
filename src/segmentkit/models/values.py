"""Reusable constrained types, shared by the models and the AST.

``Value`` is what a contact attribute or an interaction property may hold.
JSON has no date type, so inside JSON a ``date`` is written
``{"$date": "2026-01-01"}`` and a ``datetime`` ``{"$datetime": "2026-01-01T09:00:00+00:00"}``;
a plain JSON string always stays a string. That keeps value kinds exact
through ``model_dump_json`` / ``model_validate_json``.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timezone
from typing import Annotated, Any, Literal

from pydantic import PlainSerializer, PlainValidator, StringConstraints, WithJsonSchema
from pydantic_core import TzInfo

from segmentkit.models.text import savable_text

__all__ = [
    "FIELD_KINDS",
    "VALUE_JSON_SCHEMA",
    "FieldKind",
    "Identifier",
    "NonEmptyStr",
    "Scalar",
    "Value",
    "ValueField",
    "from_json_data",
    "is_identifier",
    "json_data",
    "unambiguous",
    "validate_value",
    "value_kind",
]

IDENTIFIER_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"

Identifier = Annotated[str, StringConstraints(pattern=IDENTIFIER_PATTERN)]
# An id: at least one character that is not white space. (Pydantic reads a
# constrained text as UTF-8, which refuses a lone surrogate: models.text.)
NonEmptyStr = Annotated[str, StringConstraints(min_length=1, pattern=r"\S")]

FieldKind = Literal["text", "number", "boolean", "datetime", "date", "list"]
FIELD_KINDS: tuple[FieldKind, ...] = ("text", "number", "boolean", "datetime", "date", "list")

Scalar = str | int | float | bool | date | datetime | None
Value = Scalar | list[Scalar]

_DATE_TAG = "$date"
_DATETIME_TAG = "$datetime"


def is_identifier(name: str) -> bool:
    """True for names the query language can write without quoting problems."""
    if not name or not (name[0].isascii() and (name[0].isalpha() or name[0] == "_")):
        return False
    return all(ch.isascii() and (ch.isalnum() or ch == "_") for ch in name)


def unambiguous(instant: datetime) -> datetime:
    """``instant`` itself, or with a fixed offset when its zone reads it two ways.

    Python never finds a datetime in a DST gap or fold (whose offset depends
    on ``fold``) equal to one in another zone (PEP 495), so such a value
    would not equal itself after a JSON round trip, which keeps only the
    offset. The fixed offset keeps the instant and makes it comparable.
    """
    offset = instant.utcoffset()
    # Fixed offsets (pydantic gives TzInfo for parsed text) are never ambiguous.
    if offset is None or isinstance(instant.tzinfo, (timezone, TzInfo)):
        return instant
    if instant.replace(fold=1 - instant.fold).utcoffset() == offset:
        return instant
    return instant.replace(tzinfo=timezone(offset), fold=0)


def _validate_scalar(value: Any) -> Scalar:
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, str):
        # isascii() first: most values are ASCII, and a call per value shows.
        return value if value.isascii() else savable_text(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("numbers must be finite (no NaN or infinity)")
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("datetime values must carry a timezone (naive datetime given)")
        return unambiguous(value)
    if isinstance(value, date):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((tag, text),) = value.items()
        if tag == _DATE_TAG and isinstance(text, str):
            return date.fromisoformat(text)
        if tag == _DATETIME_TAG and isinstance(text, str):
            return _validate_scalar(datetime.fromisoformat(text))
    raise ValueError(
        f"unsupported value {value!r}: use text, a number, true/false, a date, "
        "a timezone-aware datetime, null, or a list of those"
    )


def validate_value(value: Any) -> Value:
    """Check one attribute/property value; raises ValueError when it is not a Value."""
    if isinstance(value, (list, tuple)):
        items = []
        for item in value:
            if isinstance(item, (list, tuple)):
                raise ValueError("lists cannot contain lists")
            items.append(_validate_scalar(item))
        return items
    return _validate_scalar(value)


def _serialize_scalar(value: Scalar) -> Any:
    if isinstance(value, datetime):
        return {_DATETIME_TAG: value.isoformat()}
    if isinstance(value, date):
        return {_DATE_TAG: value.isoformat()}
    return value


def _serialize_value(value: Value) -> Any:
    if isinstance(value, list):
        return [_serialize_scalar(item) for item in value]
    return _serialize_scalar(value)


def _tagged_text(tag: str, pattern: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {tag: {"type": "string", "pattern": pattern}},
        "required": [tag],
        "additionalProperties": False,
    }


_DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# An offset is required (values are aware); Python writes seconds in an
# offset when the zone has them (+00:50:20, Copenhagen before 1894).
_DATETIME_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)$"
)
_SCALAR_JSON_SCHEMA: list[dict[str, Any]] = [
    {"type": "string"},
    {"type": "number"},
    {"type": "boolean"},
    {"type": "null"},
    _tagged_text(_DATE_TAG, _DATE_PATTERN),
    _tagged_text(_DATETIME_TAG, _DATETIME_PATTERN),
]
# What a Value looks like in JSON, for the published JSON Schemas
# (segmentkit.io.json_schema): a scalar, or a list of scalars.
VALUE_JSON_SCHEMA: dict[str, Any] = {
    "anyOf": [*_SCALAR_JSON_SCHEMA, {"type": "array", "items": {"anyOf": _SCALAR_JSON_SCHEMA}}]
}


def json_data(value: Value) -> Any:
    """``value`` as JSON data, dates and datetimes tagged (``from_json_data`` reads it back)."""
    return _serialize_value(value)


def from_json_data(data: Any) -> Value:
    """A value that ``json_data`` wrote, read back without checking it again:
    only tagged dates (alone or in a list) need decoding; the rest is itself."""
    if data.__class__ is dict:
        text = data.get(_DATE_TAG)
        if text.__class__ is str and len(data) == 1:  # the most common tag, directly
            return date.fromisoformat(text)
        return validate_value(data)
    if data.__class__ is list and dict in map(type, data):
        return validate_value(data)
    return data  # type: ignore[no-any-return]


# A Value as a model field: validated by validate_value, written to JSON with
# the $date/$datetime tags.
ValueField = Annotated[
    Value,
    PlainValidator(validate_value),
    PlainSerializer(_serialize_value, when_used="json"),
    WithJsonSchema(VALUE_JSON_SCHEMA),
]


def value_kind(value: Any) -> FieldKind | None:
    """The FieldKind of a Python value (None for null)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, date):
        return "date"
    if isinstance(value, (list, tuple)):
        return "list"
    return None

"""Checking incoming records: whole batches through pydantic, properties against a type's schema.

The repository's write path is built for throughput: a batch is validated
by ONE ``TypeAdapter`` call (pydantic-core loops in Rust; model instances
pass through untouched), then ``interaction_rows`` checks each record
against the repository (type, id, contacts) and its properties against a
``TypeSchema`` whose lookups are plain dicts computed once per type. No
record is validated by pydantic twice. Every refusal is a ``RecordError``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from segmentkit.errors import RecordError
from segmentkit.models.records import Interaction, InteractionType
from segmentkit.models.text import describe_problem
from segmentkit.models.values import FieldKind, value_kind
from segmentkit.storage.store import to_microseconds
from segmentkit.suggestions import close_names

__all__ = [
    "Row",
    "TypeSchema",
    "batch_items",
    "convert_text",
    "did_you_mean",
    "interaction_rows",
    "validate_batch",
    "validate_items",
    "validate_one",
]

ModelT = TypeVar("ModelT", bound=BaseModel)
# One InteractionLog row: (epoch microseconds, contact position, record,
# positions named by the type's contact-reference fields, -1 when absent).
Row = tuple[int, int, Interaction, tuple[int, ...]]

# The kind of a value by its exact class: one dict lookup instead of an
# isinstance chain (bool before int matters there; here it cannot go wrong).
_KIND_BY_CLASS: dict[type, FieldKind] = {
    str: "text",
    int: "number",
    float: "number",
    bool: "boolean",
    date: "date",
    datetime: "datetime",
    list: "list",
}
_KIND_WORDS: dict[str, str] = {
    "text": "text",
    "number": "a number",
    "boolean": "true or false",
    "date": "a date",
    "datetime": "a date and time with an offset",
    "list": "a list",
}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DETAIL_LIMIT = 80


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """``"; did you mean 'X'?"`` for the closest known names, or ``""``."""
    names = close_names(word, known)
    return f"; did you mean {' or '.join(repr(n) for n in names)}?" if names else ""


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _DETAIL_LIMIT else text[: _DETAIL_LIMIT - 3] + "..."


def _describe(error: ValidationError, items: Sequence[Any], *, batch: bool) -> RecordError:
    """One RecordError from pydantic's errors: the first problem, its record, its field."""
    problems = error.errors(include_url=False)
    first = problems[0]
    loc = list(first["loc"])
    position: int | None = None
    item: Any = items[0] if not batch and items else None
    head = loc[0] if batch and loc else None
    if isinstance(head, int):
        position = head
        del loc[0]
        item = items[head] if 0 <= head < len(items) else None
    record_id = _id_of(item)
    reason = describe_problem(first, loc)
    if loc and not isinstance(first.get("input"), (dict, list)):
        reason += f" (got {_short(first.get('input'))})"
    more = len(problems) - 1
    if more:
        reason += f" (and {more} more problem{'s' if more > 1 else ''} in this batch)"
    return RecordError(reason, position=position, record_id=record_id)


def _id_of(item: Any) -> str | None:
    try:
        if isinstance(item, Mapping):
            found = item.get("id", item.get("name"))
        else:
            found = getattr(item, "id", getattr(item, "name", None))
    except Exception:  # a hostile mapping: the id is only decoration for the message
        return None
    return found if isinstance(found, str) else None


def batch_items(records: object, noun: str) -> list[Any]:
    """The records of a batch as a list (anything but an iterable is refused).

    ``noun`` names the records in messages ("contact", "interaction").
    """
    if records is None or isinstance(records, (str, bytes, bytearray, Mapping, BaseModel)):
        raise RecordError(
            f"expected a list (or other iterable) of {noun}s, got {type(records).__name__}; "
            f"wrap a single {noun} in a list"
        )
    try:
        items: list[Any] = list(records)  # type: ignore[call-overload]
        return items
    except Exception as error:  # not iterable, or an iterator that fails half way
        raise RecordError(
            f"expected a list (or other iterable) of {noun}s; "
            f"reading it failed: {type(error).__name__}: {error}"
        ) from None


def validate_items(adapter: TypeAdapter[list[ModelT]], items: list[Any], noun: str) -> list[ModelT]:
    """Validate a batch already read into a list, in one pydantic call."""
    try:
        return adapter.validate_python(items)
    except ValidationError as error:
        raise _describe(error, items, batch=True) from None
    except RecursionError:
        raise RecordError(f"a {noun} is nested too deeply to read") from None
    except Exception as error:
        # Pydantic raises only ValidationError itself; anything else came from
        # the caller's own objects (a Mapping whose __getitem__ fails, ...).
        raise RecordError(f"a {noun} could not be read: {type(error).__name__}: {error}") from None


def validate_batch(adapter: TypeAdapter[list[ModelT]], records: object, noun: str) -> list[ModelT]:
    """Validate a batch of models or dicts in one pydantic call.

    ``noun`` names the records in messages ("contact", "interaction").
    """
    return validate_items(adapter, batch_items(records, noun), noun)


def validate_one(model: type[ModelT], record: object, noun: str) -> ModelT:
    """Validate one model or dict (register_type, save_segment)."""
    if isinstance(record, model):
        return record
    if not isinstance(record, Mapping):
        raise RecordError(f"expected a {model.__name__} or a dict, got {type(record).__name__}")
    try:
        return model.model_validate(record)
    except ValidationError as error:
        raise _describe(error, [record], batch=False) from None
    except RecursionError:
        raise RecordError(f"the {noun} is nested too deeply to read") from None
    except Exception as error:  # from the caller's own Mapping, as in validate_batch
        raise RecordError(
            f"the {noun} could not be read: {type(error).__name__}: {error}"
        ) from None


def _to_date(text: str) -> date:
    if not _ISO_DATE.fullmatch(text):
        raise ValueError("expected YYYY-MM-DD")
    return date.fromisoformat(text)


def _to_datetime(text: str) -> datetime:
    instant = datetime.fromisoformat(text)
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("the time has no offset; add Z or +HH:MM")
    return instant


_CONVERTERS: dict[str, Callable[[str], date | datetime]] = {
    "date": _to_date,
    "datetime": _to_datetime,
}


def convert_text(kind: str, text: str) -> date | datetime:
    """ISO text for a date or datetime field, converted; ValueError when it is not one."""
    return _CONVERTERS[kind](text)


@dataclass(frozen=True, slots=True)
class TypeSchema:
    """An interaction type's schema, prepared for checking many records fast."""

    name: str
    kinds: Mapping[str, FieldKind]
    # Sorted, as the InteractionLog's reference columns are.
    references: tuple[str, ...]
    # What messages call a key: a type's "field", a contact's "attribute".
    noun: str = "field"

    @classmethod
    def of(cls, interaction_type: InteractionType) -> TypeSchema:
        return cls(
            interaction_type.name,
            dict(interaction_type.fields),
            tuple(sorted(interaction_type.contact_references)),
        )

    def fit(self, properties: Mapping[str, Any]) -> dict[str, Any] | None:
        """Check ``properties`` against the schema.

        Returns None when they fit as they are, or a new dict with ISO text
        converted for date/datetime fields. Raises RecordError (without a
        position) naming the property. A None value is allowed for any
        declared field: it reads as missing (null) in queries.
        """
        try:
            return self._fit(properties, properties.items())
        except RecordError:
            # Name the first problem by key, not by the dict's order, so that
            # a store that reorders keys (PostgreSQL's JSONB) refuses in the
            # same words. Only a refusal pays for the sort.
            self._fit(properties, sorted(properties.items()))
            raise

    def _fit(
        self, properties: Mapping[str, Any], items: Iterable[tuple[str, Any]]
    ) -> dict[str, Any] | None:
        kinds = self.kinds
        converted: dict[str, Any] | None = None
        for key, value in items:
            kind = kinds.get(key)
            if kind is None:
                raise RecordError(
                    f"{self.name} has no {self.noun} {key!r}{did_you_mean(key, kinds)} "
                    f"(its {self.noun}s: {', '.join(sorted(kinds)) or 'none'})"
                )
            actual = _KIND_BY_CLASS.get(type(value)) or value_kind(value)
            if actual == kind or value is None:
                continue
            if actual == "text" and kind in _CONVERTERS:
                try:
                    new_value = _CONVERTERS[kind](value)
                except ValueError as error:
                    raise RecordError(
                        f"{key!r} of {self.name} must be {_KIND_WORDS[kind]}; "
                        f"{_short(value)} is not one ({error})"
                    ) from None
                if converted is None:
                    converted = dict(properties)
                converted[key] = new_value
                continue
            got = _KIND_WORDS.get(actual, actual) if actual else type(value).__name__
            raise RecordError(
                f"{key!r} of {self.name} must be {_KIND_WORDS[kind]}, not {got}: {_short(value)}"
            )
        return converted


def interaction_rows(
    batch: Sequence[Interaction],
    *,
    schemas: Mapping[str, TypeSchema],
    positions: Mapping[str, int],
    known_ids: Container[str],
) -> dict[str, list[Row]]:
    """The ``InteractionLog`` rows of a validated batch, by type name.

    Checks each record against the repository (``schemas`` by type name,
    contact ``positions``, ids already stored) and raises RecordError, with
    the record's position, for the first that does not fit.
    """
    batch_ids: dict[str, int] = {}
    rows: dict[str, list[Row]] = {}
    for position, record in enumerate(batch):
        schema = schemas.get(record.type)
        if schema is None:
            raise RecordError(
                f"unknown interaction type {record.type!r}"
                + did_you_mean(record.type, schemas)
                + " (new types are registered with register_type)",
                position=position,
                record_id=record.id,
            )
        earlier = batch_ids.setdefault(record.id, position)
        if earlier != position or record.id in known_ids:
            where = f"record {earlier} of the batch" if earlier != position else "the repository"
            raise RecordError(
                f"an interaction with this id is already in {where}",
                position=position,
                record_id=record.id,
            )
        contact = positions.get(record.contact_id)
        if contact is None:
            raise RecordError(
                f"contact {record.contact_id!r} does not exist; add it first",
                position=position,
                record_id=record.id,
            )
        properties = record.properties
        references: tuple[int, ...] = ()
        if properties:
            try:
                converted = schema.fit(properties)
                if converted is not None:
                    record = record.model_copy(update={"properties": converted})
                    properties = converted
                if schema.references:
                    references = _reference_positions(schema, properties, positions)
            except RecordError as error:
                raise RecordError(error.reason, position=position, record_id=record.id) from None
        elif schema.references:
            references = (-1,) * len(schema.references)
        rows.setdefault(schema.name, []).append(
            (to_microseconds(record.timestamp), contact, record, references)
        )
    return rows


def _reference_positions(
    schema: TypeSchema, properties: Mapping[str, Any], positions: Mapping[str, int]
) -> tuple[int, ...]:
    """The contact positions named by the type's contact-reference fields (-1 when absent)."""
    found: list[int] = []
    for field in schema.references:
        value = properties.get(field)
        if value is None:
            found.append(-1)
            continue
        position = positions.get(value)
        if position is None:
            raise RecordError(f"{field} names contact {value!r}, which does not exist")
        found.append(position)
    return tuple(found)

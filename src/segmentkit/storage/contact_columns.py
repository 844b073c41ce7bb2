"""Contacts kept in columns, and a Contact model built only when one is read.

A pydantic model a contact costs about a kilobyte; in columns it costs a few
pointers (issue 11: at most 200 bytes beyond its id and its values):

- a field (name, email, type, ...) is a list of values by position, made
  only once some contact holds other than the field's default;
- attributes are a tuple of values a contact, read under a *shape*, the
  tuple of their keys, which contacts with the same keys in the same order
  share (a code a contact points to it).

The columns are only ever appended to in place. Anything else (attributes
converted by a declaration, a rollback) writes new lists, so a
``ContactsView`` taken earlier keeps reading the contacts it was taken with.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, overload

from segmentkit.models.records import Contact, saved_contact

__all__ = ["CONTACT_DEFAULTS", "ContactColumns", "ContactsView"]

# Every field of the model but its id and attributes, with its default: in
# the model's order, which is the order the built models keep them in.
CONTACT_DEFAULTS: dict[str, Any] = {
    name: info.default
    for name, info in Contact.model_fields.items()
    if name not in ("id", "attributes")
}
_EMPTY: tuple[Any, ...] = ()
# Fields of a few values (a Literal), kept as one string object each rather
# than one a contact.
_INTERNED = frozenset({"type"})


class ContactColumns:
    """The columns of every contact but its id (the id list is the table's)."""

    __slots__ = ("codes", "fields", "shape_of", "shapes", "values")

    def __init__(self) -> None:
        self.fields: dict[str, list[Any]] = {}
        self.shapes: list[tuple[str, ...]] = [_EMPTY]
        self.shape_of: dict[tuple[str, ...], int] = {_EMPTY: 0}
        self.codes = array("I")
        self.values: list[tuple[Any, ...]] = []

    def __len__(self) -> int:
        return len(self.values)

    def extend(self, contacts: Iterable[Contact]) -> None:
        """Append contacts (already checked) at the next positions."""
        for contact in contacts:
            self.append(contact.__dict__, contact.attributes)

    def append(self, fields: dict[str, Any], attributes: dict[str, Any]) -> None:
        """Append one contact: ``fields`` holds any of ``CONTACT_DEFAULTS``' keys."""
        position = len(self.values)
        columns = self.fields
        for name, default in CONTACT_DEFAULTS.items():
            value = fields.get(name, default)
            if name in _INTERNED:
                value = sys.intern(value)
            column = columns.get(name)
            if column is not None:
                column.append(value)
            elif value != default:
                columns[name] = [default] * position
                columns[name].append(value)
        shape, values = self._shaped(attributes)
        # The values last: a reader goes by their length.
        self.codes.append(shape)
        self.values.append(values)

    def extend_columns(
        self, fields: dict[str, list[Any]], attributes: list[dict[str, Any]]
    ) -> None:
        """Append contacts given as columns: ``fields`` maps some of
        ``CONTACT_DEFAULTS``' names to a value a contact (the rest take their
        default), ``attributes`` has a dict a contact."""
        position, added = len(self.values), len(attributes)
        for name, default in CONTACT_DEFAULTS.items():
            given = fields.get(name)
            column = self.fields.get(name)
            if given is None:
                given = [default] * added
            elif len(given) != added:
                raise ValueError(f"the column {name!r} has {len(given)} values, not {added}")
            if name in _INTERNED:
                given = [sys.intern(value) for value in given]
            if column is not None:
                column.extend(given)
            elif any(value != default for value in given):
                self.fields[name] = [default] * position + given
        shaped = [self._shaped(contact) for contact in attributes]
        self.codes.extend(shape for shape, _ in shaped)
        self.values.extend(values for _, values in shaped)

    def _shaped(self, attributes: dict[str, Any]) -> tuple[int, tuple[Any, ...]]:
        if not attributes:
            return 0, _EMPTY
        keys = tuple(attributes)
        shape = self.shape_of.get(keys)
        if shape is None:
            shape = self.shape_of[keys] = len(self.shapes)
            self.shapes.append(keys)
        return shape, tuple(attributes.values())

    def with_attributes(self, changed: dict[int, dict[str, Any]]) -> None:
        """New attributes for some positions, written to copies of the columns."""
        if not changed:
            return
        codes, values = array("I", self.codes), list(self.values)
        for position, attributes in changed.items():
            codes[position], values[position] = self._shaped(attributes)
        self.codes, self.values = codes, values

    def truncated(self, length: int) -> None:
        """Keep the first ``length`` contacts, in copies (a rollback)."""
        self.fields = {name: column[:length] for name, column in self.fields.items()}
        self.codes = self.codes[:length]
        self.values = self.values[:length]

    def state(self) -> tuple[Any, ...]:
        """What a rollback puts back: the column objects as they are now."""
        return dict(self.fields), self.codes, self.values, len(self.values)

    def restore(self, state: tuple[Any, ...]) -> None:
        fields, codes, values, length = state
        self.fields, self.codes, self.values = fields, codes, values
        self.truncated(length)

    def view(self, ids: Sequence[str]) -> ContactsView:
        """The contacts of ``ids`` (the first ``len(ids)``) as they are now."""
        return ContactsView(ids, dict(self.fields), self.shapes, self.codes, self.values)


class ContactsView(Sequence[Contact]):
    """A snapshot's contacts: position -> Contact, each model built when read.

    ``profile_values`` reads one field or attribute of every contact straight
    from the columns, without building any model.
    """

    __slots__ = ("_codes", "_fields", "_ids", "_shapes", "_values")

    def __init__(
        self,
        ids: Sequence[str],
        fields: dict[str, list[Any]],
        shapes: list[tuple[str, ...]],
        codes: array[int],
        values: list[tuple[Any, ...]],
    ) -> None:
        self._ids, self._fields, self._shapes = ids, fields, shapes
        self._codes, self._values = codes, values

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, index: int) -> Contact: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Contact]: ...

    def __getitem__(self, index: int | slice) -> Contact | Sequence[Contact]:
        if isinstance(index, slice):
            return [self._contact(p) for p in range(len(self))[index]]
        size = len(self._ids)
        if not -size <= index < size:
            raise IndexError("contact position out of range")
        return self._contact(index % size)

    def __iter__(self) -> Iterator[Contact]:
        return map(self._contact, range(len(self._ids)))

    def _contact(self, position: int) -> Contact:
        fields: dict[str, Any] = {"id": self._ids[position], **CONTACT_DEFAULTS}
        for name, column in self._fields.items():
            fields[name] = column[position]
        shape = self._shapes[self._codes[position]]
        fields["attributes"] = dict(zip(shape, self._values[position], strict=True))
        return saved_contact(fields)

    def attribute_dicts(self) -> Iterator[dict[str, Any]]:
        """Every contact's attributes, in position order."""
        shapes, size = self._shapes, len(self._ids)
        for code, values in zip(self._codes[:size], self._values[:size], strict=True):
            yield dict(zip(shapes[code], values, strict=True))

    def profile_values(self, path: str) -> list[Any]:
        """``contact.PATH`` of every contact: a field, else an attribute (missing: None)."""
        size = len(self._ids)
        if path == "id":
            return list(self._ids)
        if path in CONTACT_DEFAULTS:
            column = self._fields.get(path)
            return column[:size] if column is not None else [CONTACT_DEFAULTS[path]] * size
        where = [shape.index(path) if path in shape else -1 for shape in self._shapes]
        if all(place < 0 for place in where):
            return [None] * size
        return [
            values[place] if (place := where[code]) >= 0 else None
            for code, values in zip(self._codes[:size], self._values[:size], strict=True)
        ]

"""Contacts kept in columns, and a Contact model built only when one is read.

A pydantic model a contact costs about a kilobyte; in columns it costs a few
pointers (issue 11: at most 200 bytes beyond its id and its values):

- a field (name, email, type, ...) is a list of values by position, made
  only once some contact holds other than the field's default;
- attributes are a tuple a contact: the code of its *shape* (the tuple of
  its keys, which contacts with the same keys in the same order share),
  then the values. One object holds both, so a reader never pairs a shape
  with another contact's values while a writer swaps the list.

The columns are only ever appended to in place. Anything else (attributes
converted by a declaration, a rollback) writes new lists, so a
``ContactsView`` taken earlier keeps reading the contacts it was taken with.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
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
_NO_ATTRIBUTES = (0,)  # shape 0 is the empty one
# Fields of a few values (a Literal), kept as one string object each rather
# than one a contact.
_INTERNED = frozenset({"type"})


class ContactColumns:
    """The columns of every contact but its id (the id list is the table's)."""

    __slots__ = ("fields", "rows", "shape_of", "shapes")

    def __init__(self) -> None:
        self.fields: dict[str, list[Any]] = {}
        self.shapes: list[tuple[str, ...]] = [_EMPTY]
        self.shape_of: dict[tuple[str, ...], int] = {_EMPTY: 0}
        self.rows: list[tuple[Any, ...]] = []  # (shape code, *values) a contact

    def __len__(self) -> int:
        return len(self.rows)

    def extend(self, contacts: Sequence[Contact]) -> None:
        """Append contacts (already checked) at the next positions."""
        self.extend_columns(
            {name: [getattr(c, name) for c in contacts] for name in CONTACT_DEFAULTS},
            [c.attributes for c in contacts],
        )

    def extend_columns(
        self, fields: dict[str, list[Any]], attributes: list[dict[str, Any]]
    ) -> None:
        """Append contacts given as columns: ``fields`` maps some of
        ``CONTACT_DEFAULTS``' names to a value a contact (the rest take their
        default), ``attributes`` has a dict a contact."""
        position, added = len(self.rows), len(attributes)
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
        self.rows.extend(map(self._row, attributes))

    def _row(self, attributes: dict[str, Any]) -> tuple[Any, ...]:
        if not attributes:
            return _NO_ATTRIBUTES
        keys = tuple(attributes)
        shape = self.shape_of.get(keys)
        if shape is None:
            shape = self.shape_of[keys] = len(self.shapes)
            self.shapes.append(keys)
        return (shape, *attributes.values())

    def with_attributes(self, changed: dict[int, dict[str, Any]]) -> None:
        """New attributes for some positions, written to copies of the columns."""
        if not changed:
            return
        rows = list(self.rows)
        for position, attributes in changed.items():
            rows[position] = self._row(attributes)
        self.rows = rows

    def state(self) -> tuple[Any, ...]:
        """What a rollback puts back: the column objects as they are now."""
        return dict(self.fields), self.rows, len(self.rows)

    def restore(self, state: tuple[Any, ...]) -> None:
        """Back to ``state``, in copies: the lists kept there may have grown
        since, in place, and a snapshot taken meanwhile still reads them."""
        fields, rows, length = state
        self.fields = {name: column[:length] for name, column in fields.items()}
        self.rows = rows[:length]

    def view(self, ids: Sequence[str]) -> ContactsView:
        """The contacts of ``ids`` (the first ``len(ids)``) as they are now."""
        return ContactsView(ids, dict(self.fields), self.shapes, self.rows)


class ContactsView(Sequence[Contact]):
    """A snapshot's contacts: position -> Contact, each model built when read.

    ``profile_values`` reads one field or attribute of every contact straight
    from the columns, without building any model.
    """

    __slots__ = ("_fields", "_ids", "_rows", "_shapes")

    def __init__(
        self,
        ids: Sequence[str],
        fields: dict[str, list[Any]],
        shapes: list[tuple[str, ...]],
        rows: list[tuple[Any, ...]],
    ) -> None:
        self._ids, self._fields, self._shapes, self._rows = ids, fields, shapes, rows

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
        fields["attributes"] = self._attributes(self._rows[position])
        return saved_contact(fields)

    def attribute_dicts(self) -> Iterator[dict[str, Any]]:
        """Every contact's attributes, in position order."""
        return map(self._attributes, self._rows[: len(self._ids)])

    def _attributes(self, row: tuple[Any, ...]) -> dict[str, Any]:
        shape = self._shapes[row[0]]
        return dict(zip(shape, row[1:], strict=True)) if shape else {}

    def profile_values(self, path: str) -> list[Any]:
        """``contact.PATH`` of every contact: a field, else an attribute (missing: None)."""
        size = len(self._ids)
        if path == "id":
            return list(self._ids)
        if path in CONTACT_DEFAULTS:
            column = self._fields.get(path)
            return column[:size] if column is not None else [CONTACT_DEFAULTS[path]] * size
        # Where in a row each shape keeps the attribute (0: it has none).
        where = [shape.index(path) + 1 if path in shape else 0 for shape in self._shapes]
        if not any(where):
            return [None] * size
        return [row[place] if (place := where[row[0]]) else None for row in self._rows[:size]]

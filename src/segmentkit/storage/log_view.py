"""``LogView``: one interaction type's committed records, as immutable columns."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any, overload

from segmentkit.models.records import Interaction
from segmentkit.storage.encoding import ABSENT, from_microseconds

__all__ = ["EMPTY_LOG", "LogView", "attach_records"]


class _Records(Sequence[Interaction]):
    """A view's records, rebuilt as ``Interaction`` models on demand."""

    __slots__ = ("_view",)

    def __init__(self, view: LogView) -> None:
        self._view = view

    def __len__(self) -> int:
        return self._view.length

    @overload
    def __getitem__(self, index: int) -> Interaction: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Interaction]: ...
    def __getitem__(self, index: int | slice) -> Interaction | Sequence[Interaction]:
        if isinstance(index, slice):
            return [self._view.record(i) for i in range(*index.indices(self._view.length))]
        if index < 0:
            index += self._view.length
        if not 0 <= index < self._view.length:
            raise IndexError("record index out of range")
        return self._view.record(index)

    def __iter__(self) -> Iterator[Interaction]:
        return map(self._view.record, range(self._view.length))


@dataclass(frozen=True, slots=True)
class LogView:
    """One interaction type's committed records, oldest first.

    All columns are indexed alike, ``0 <= i < length``:
    ``timestamps[i]`` (epoch microseconds), ``contacts[i]`` (contact
    position of ``contact_id``), ``canceled[i]`` (0 or 1),
    ``references[field][i]`` (contact position named by a contact-reference
    property, -1 when absent), ``properties[field][i]`` (the value's code in
    ``dictionaries[field]``, 0 when absent), ``ids[i]`` and ``zones[i]``
    (the code of the timestamp's tzinfo in ``zone_table``). ``records[i]``
    rebuilds the Interaction. ``indexes`` holds lazily built posting lists.
    """

    length: int
    timestamps: Sequence[int]
    contacts: Sequence[int]
    records: Sequence[Interaction]
    canceled: Sequence[int]
    references: Mapping[str, Sequence[int]]
    properties: Mapping[str, Sequence[int]] = field(default_factory=dict)
    dictionaries: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    ids: Sequence[str] = ()
    zones: Sequence[int] = ()
    zone_table: Sequence[tzinfo] = ()
    contact_names: Sequence[str] | Mapping[int, str] = ()
    type_name: str = ""
    canceled_count: int = 0
    models: Mapping[str, Interaction] = field(default_factory=dict)
    indexes: dict[Any, Any] = field(default_factory=dict, compare=False)
    # What evaluations leave for later views of the same records (the log's
    # ``reuse``): kept while records are only appended in time order.
    reuse: dict[Any, Any] = field(default_factory=dict, compare=False)

    def window(self, start: int | None, end: int | None) -> range:
        """Indices of records with ``start <= timestamp < end`` (None = unbounded)."""
        lo = 0 if start is None else bisect_left(self.timestamps, start, 0, self.length)
        hi = self.length if end is None else bisect_left(self.timestamps, end, lo, self.length)
        return range(lo, hi)

    def related(self, via: str | None) -> Sequence[int] | None:
        """The contact position each record relates to: its owner's, or the one
        its ``via`` field names (-1 where it has none); None when the type has
        no such field."""
        return self.contacts if via is None else self.references.get(via)

    def up_to(self, instant: int) -> int:
        """The index just past the last record with ``timestamp <= instant``."""
        return bisect_right(self.timestamps, instant, 0, self.length)

    def record(self, index: int) -> Interaction:
        """The Interaction at ``index``, rebuilt from the columns (already validated)."""
        model = self.models.get(self.ids[index]) if self.models else None
        if model is not None and model.canceled == bool(self.canceled[index]):
            return model
        properties = {}
        for name, codes in self.properties.items():
            code = codes[index]
            if code != ABSENT:
                properties[name] = self.dictionaries[name][code]
        return Interaction.model_construct(
            id=self.ids[index],
            type=self.type_name,
            contact_id=self.contact_names[self.contacts[index]],
            timestamp=from_microseconds(self.timestamps[index], self.zone_table[self.zones[index]]),
            properties=properties,
            canceled=bool(self.canceled[index]),
        )

    def __len__(self) -> int:
        return self.length

    def __iter__(self) -> Iterator[Interaction]:
        return iter(self.records[: self.length])


EMPTY_LOG = LogView(0, (), (), (), (), {})


def attach_records(view: LogView) -> LogView:
    # A frozen dataclass: the records sequence needs the finished view.
    object.__setattr__(view, "records", _Records(view))
    return view

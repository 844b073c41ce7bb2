"""Text equality answered from an index: ``field = "text"`` and ``field in
["a", "b"]``, the commonest restrictions of all.

A restriction is decided once per distinct value of its field (``scan``),
which for a field of thousands of message or event ids means thousands of
calls, to find the one or two values that pass. For these two shapes the
values that pass are known without asking each one: text equality is
equality of the casefolded forms (LANGUAGE.md "Comparisons"), a value of
any other kind is never TRUE (a number, a boolean or a date against text
is UNKNOWN, as are null and a list). So an index from each casefolded text
value to its codes gives them directly. It is kept in the log's ``reuse``,
like posting lists, and extended by the values new since: a dictionary
only grows, and a code keeps its value.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from segmentkit.language.ast import Comparison, ListLiteral, Restriction, StringLiteral
from segmentkit.storage.store import LogView

__all__ = ["equal_text_codes"]

_LOCK = threading.Lock()

# casefolded text -> its one code, or the codes of its several spellings
# ("DK" and "dk").
_Index = dict[str, int | tuple[int, ...]]


def equal_text_codes(log: LogView, field: str, restriction: Restriction) -> set[int] | None:
    """The codes of ``field`` whose value the restriction finds TRUE, when it is
    ``field = "text"`` or ``field in [texts]``; None for any other shape."""
    wanted = _wanted(restriction)
    if wanted is None:
        return None
    index = _grown_index(log, field)
    codes: set[int] = set()
    for text in wanted:
        found = index.get(text)
        if found is None:
            continue
        if isinstance(found, int):
            codes.add(found)
        else:
            codes.update(found)
    return codes


def _wanted(restriction: Restriction) -> list[str] | None:
    """The casefolded texts a value must equal, or None (another shape)."""
    if not isinstance(restriction, Comparison):
        return None
    if restriction.operator == "=" and isinstance(restriction.value, StringLiteral):
        return [restriction.value.value.casefold()]
    if restriction.operator == "in" and isinstance(restriction.value, ListLiteral):
        items = restriction.value.items
        if items and all(isinstance(item, StringLiteral) for item in items):
            return [item.value.casefold() for item in items]  # type: ignore[union-attr]
    return None


def _grown_index(log: LogView, field: str) -> _Index:
    values = log.dictionaries[field]
    key = ("text index", field)
    with _LOCK:
        index: _Index
        done, index = log.reuse.get(key, (1, {}))  # code 0 is "absent"
        if done < len(values):
            # Grown in place: a reader meanwhile may meet codes newer than its
            # records, which no record it reads holds.
            _add(index, enumerate(values[done:], start=done))
            log.reuse[key] = (len(values), index)
    return index


def _add(index: _Index, coded: Iterable[tuple[int, object]]) -> None:
    for code, value in coded:
        if not isinstance(value, str):
            continue  # never equal to text: not TRUE
        text = value.casefold()
        found = index.get(text)
        if found is None:
            index[text] = code
        elif isinstance(found, int):
            index[text] = (found, code)
        else:
            index[text] = (*found, code)

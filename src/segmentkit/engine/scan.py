"""Reading the columns fast: which records of a window count, and which contacts match.

The evaluator's inner loops, written so that the per-record work runs in C
(slices of ``array`` columns, ``map``, ``compress``, ``set``, ``Counter``)
and Python code runs once per *distinct value* instead of once per record:

- a ``where`` restriction is decided for each distinct combination of the
  codes of the fields it reads (properties are dictionary-encoded, see
  ``store``), then records are selected by looking their codes up;
- when the codes that pass are rare in the whole log (a selective
  equality), posting lists (code -> sorted record indices, built lazily
  per field and kept until the log changes) give the matching records of
  the window with two bisects per code, so the cost follows the matches;
- a profile condition is decided once per distinct value of the contact
  field, through a per-path index kept as long as the contacts do not change.

Everything here must return exactly what testing each record or contact
one by one would (tests/test_fast_paths.py holds it to that).
"""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_left
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from itertools import chain, compress, repeat
from operator import gt
from typing import Any

from segmentkit.engine.compare import profile_value
from segmentkit.engine.postings import grown_postings
from segmentkit.engine.text_index import equal_text_codes
from segmentkit.language.ast import Comparison, Restriction, WhereAnd, WhereNot, WhereOr
from segmentkit.models.records import Contact
from segmentkit.storage.contact_columns import ContactsView
from segmentkit.storage.store import LogView, Snapshot, bits_to_int, mask_from_positions, value_key

__all__ = [
    "profile_mask",
    "profile_values",
    "restriction_fields",
    "selected_contacts",
    "selected_indices",
]

RecordTest = Callable[[Mapping[str, Any]], bool | None]
ValueTest = Callable[[Any], bool | None]

# Posting lists pay off when the passing records are this much rarer than
# the window: below it, one pass over the window's codes is cheaper.
_POSTINGS_SHARE = 8


def restriction_fields(restriction: Restriction) -> list[str]:
    """The distinct fields a restriction reads, in order of appearance."""
    found: dict[str, None] = {}
    pending: list[Restriction] = [restriction]
    while pending:
        node = pending.pop()
        if isinstance(node, Comparison):
            found[node.field] = None
        elif isinstance(node, WhereNot):
            pending.append(node.operand)
        elif isinstance(node, (WhereAnd, WhereOr)):
            pending.extend(reversed(node.operands))
    return list(found)


def _not_canceled(log: LogView, lo: int, hi: int, selectors: Iterable[Any]) -> Iterable[Any]:
    """Selectors that are also false for canceled records (True > 1 is False)."""
    if not log.canceled_count or 1 not in log.canceled[lo:hi]:
        return selectors
    return map(gt, selectors, log.canceled[lo:hi])


def selected_contacts(
    log: LogView,
    lo: int,
    hi: int,
    related: Sequence[int],
    restriction: Restriction | None,
    holds: RecordTest | None,
    meaning: Hashable | None = None,
) -> Iterable[int]:
    """The contact positions (``related[i]``) of the records ``lo <= i < hi`` that count.

    A record counts when it is not canceled and ``holds`` (the compiled
    ``restriction``) is TRUE for its properties. -1 entries (a ``via`` field
    the record lacks) are passed through for the caller to drop. With
    ``meaning`` (what decides ``holds``: the restriction, the time zone, and
    ``now`` when it reads it), the codes that pass are kept in the log's
    ``reuse`` for later evaluations.
    """
    if hi <= lo:
        return ()
    indices, selectors = _selection(log, lo, hi, restriction, holds, meaning)
    if indices is not None:
        return _contacts_at(log, indices, related)
    if selectors is None:
        return related[lo:hi]
    return compress(related[lo:hi], selectors)


def selected_indices(
    log: LogView,
    lo: int,
    hi: int,
    restriction: Restriction | None,
    holds: RecordTest | None,
) -> Sequence[int]:
    """The indices of the records ``lo <= i < hi`` that count, ascending: a
    ``range`` when every one of them counts, so that a caller can slice the
    columns instead of reading them index by index."""
    if hi <= lo:
        return range(lo, lo)
    indices, selectors = _selection(log, lo, hi, restriction, holds)
    if indices is not None:
        if log.canceled_count:
            canceled = log.canceled
            indices = [i for i in indices if not canceled[i]]
        return sorted(indices)
    if selectors is None:
        return range(lo, hi)
    return list(compress(range(lo, hi), selectors))


def _selection(
    log: LogView,
    lo: int,
    hi: int,
    restriction: Restriction | None,
    holds: RecordTest | None,
    meaning: Hashable | None = None,
) -> tuple[list[int] | None, Iterable[Any] | None]:
    """Which records of ``[lo, hi)`` count, as (indices, None) from posting lists
    (canceled ones not yet dropped), as (None, selectors) with one truth per
    record, or as (None, None) when every record counts."""
    if restriction is None or holds is None:
        if not log.canceled_count or 1 not in log.canceled[lo:hi]:
            return None, None
        return None, _not_canceled(log, lo, hi, repeat(True, hi - lo))
    fields = restriction_fields(restriction)
    columns = [log.properties.get(name) for name in fields]
    present = [(name, column) for name, column in zip(fields, columns, strict=True) if column]
    if not present:  # no record has any of the fields: one answer for all
        if holds({}) is not True:
            return None, repeat(False, hi - lo)
        return _selection(log, lo, hi, None, None)
    if len(present) == 1:
        name, column = present[0]
        passing = _passing_codes(log, name, restriction, holds, meaning)
        indices = _from_postings(log, name, passing, lo, hi)
        if indices is not None:
            return indices, None
        selectors = _passing_flags(column, lo, hi, passing, len(log.dictionaries[name]))
        return None, _not_canceled(log, lo, hi, selectors)
    names = [name for name, _ in present]
    keys = list(zip(*(column[lo:hi] for _, column in present), strict=True))
    dictionaries = [log.dictionaries[name] for name in names]
    passing_keys = {
        key
        for key in set(keys)
        if holds(
            {
                name: dictionary[code]
                for name, dictionary, code in zip(names, dictionaries, key, strict=True)
                if code
            }
        )
        is True
    }
    selectors = map(passing_keys.__contains__, keys)
    return None, _not_canceled(log, lo, hi, selectors)


def _passing_flags(
    column: Sequence[int], lo: int, hi: int, passing: set[int], code_count: int
) -> Iterable[Any]:
    """Whether each record of ``[lo, hi)`` has a passing code, one truth per record.

    When every code fits in a byte (a field of at most 256 distinct values,
    as most enumerations are), the codes' low bytes are translated to 0 or 1
    in one pass in C, not looked up record by record.
    """
    if code_count <= 256 and isinstance(column, array):
        width = column.itemsize
        low = 0 if sys.byteorder == "little" else width - 1
        table = bytes(code in passing for code in range(256))
        return column[lo:hi].tobytes()[low::width].translate(table)
    return map(passing.__contains__, column[lo:hi])


def _passing_codes(
    log: LogView,
    name: str,
    restriction: Restriction,
    holds: RecordTest,
    meaning: Hashable | None,
) -> set[int]:
    """The codes of field ``name`` whose value ``holds`` (the compiled
    ``restriction``) finds TRUE (0: absent).

    Text equality is looked up in the field's index of text values
    (``text_index``). Otherwise each value is decided; with ``meaning``, the
    result is kept in the log's ``reuse`` and extended by the values new
    since: a dictionary only grows, and a code keeps its value.
    """
    indexed = equal_text_codes(log, name, restriction)
    if indexed is not None:
        return indexed
    values = log.dictionaries[name]
    key = ("passing", meaning, name)
    found = log.reuse.get(key) if meaning is not None else None
    codes: set[int]
    done, codes = found if found is not None else (0, set())
    if done < len(values):
        codes = codes | {
            code
            for code in range(done, len(values))
            if holds({} if code == 0 else {name: values[code]}) is True
        }
        if meaning is not None:
            log.reuse[key] = (len(values), codes)
    return codes


def _contacts_at(log: LogView, indices: list[int], related: Sequence[int]) -> Iterator[int]:
    if log.canceled_count:
        canceled = log.canceled
        indices = [i for i in indices if not canceled[i]]
    return map(related.__getitem__, indices)


def _from_postings(
    log: LogView, name: str, passing: set[int], lo: int, hi: int
) -> list[int] | None:
    """The window's records whose code passes, when posting lists make that cheap.

    None means "scan the window instead". Counts only decide how; the
    result is the same either way.
    """
    if not passing or len(passing) > 16:
        return None if passing else []
    # Shared with later views of the log (grown as it grows): the bisects
    # below keep to this view's records.
    postings = grown_postings(log, ("postings", name), log.properties[name])
    total = sum(map(postings.count, passing))
    if total * _POSTINGS_SHARE > hi - lo:
        return None
    result: list[int] = []
    for code in passing:
        entries = postings.get(code)
        if entries:
            result.extend(entries[bisect_left(entries, lo) : bisect_left(entries, hi)])
    return result


# --- profile conditions ---------------------------------------------------------------


def profile_values(contacts: Sequence[Contact], path: str) -> Iterable[Any]:
    """``profile_value`` of every contact, in order: from the columns when
    the contacts are a repository's (no model built), else model by model."""
    if isinstance(contacts, ContactsView):
        return contacts.profile_values(path)
    return (profile_value(contact, path) for contact in contacts)


def _profile_index(
    snapshot: Snapshot, path: str
) -> tuple[list[Any], array[int], dict[int, list[int]]]:
    """The distinct values of ``contact.PATH``, each contact's code, and code -> positions."""
    key = ("profile", path, snapshot.contact_count)
    found = snapshot.indexes.get(key)
    if found is None:
        values: list[Any] = []
        codes_by_key: dict[Any, int] = {}
        codes = array("i")
        members: dict[int, list[int]] = {}
        for position, value in enumerate(profile_values(snapshot.contacts, path)):
            value_id = value_key(value)
            code = codes_by_key.get(value_id)
            if code is None:
                code = codes_by_key[value_id] = len(values)
                values.append(value)
                members[code] = []
            codes.append(code)
            members[code].append(position)
        found = snapshot.indexes[key] = (values, codes, members)
    return found


def profile_mask(snapshot: Snapshot, path: str, test: ValueTest) -> int:
    """The bitset of contacts whose ``contact.PATH`` value ``test`` finds TRUE."""
    size = snapshot.contact_count
    if not size:
        return 0
    values, codes, members = _profile_index(snapshot, path)
    passing = [code for code, value in enumerate(values) if test(value) is True]
    if len(passing) * 4 < len(values):
        return mask_from_positions(chain.from_iterable(members[c] for c in passing), size)
    wanted = set(passing)
    return bits_to_int(bytes(map(wanted.__contains__, codes)))

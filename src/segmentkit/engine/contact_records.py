"""A contact's own records, and whether one record counts.

``first`` / ``last`` and sequences ask questions about each candidate
contact's records in time order. ``contact_postings`` gives, per contact,
the ascending indices of the log's records related to it (built once per
log and relation, and extended as the log grows in time order); ``record_test``
says whether one record counts (not canceled, restriction TRUE), deciding
the restriction once per distinct combination of the codes it reads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from segmentkit.engine.context import RecordTest
from segmentkit.engine.postings import BoundedPostings, grown_postings
from segmentkit.engine.scan import restriction_fields
from segmentkit.language.ast import Restriction
from segmentkit.storage.store import LogView

__all__ = ["contact_postings", "record_test"]



def contact_postings(log: LogView, relation: str | None) -> Mapping[int, Sequence[int]] | None:
    """Contact position -> ascending indices of the view's records related to it
    (by ``contact_id``, or by the ``via`` field ``relation``); None when the
    log has no such field."""
    related = log.related(relation)
    if related is None:
        return None
    # Records without the via field (-1) relate to no one.
    lists = grown_postings(log, ("contact postings", relation), related, skip=-1)
    return BoundedPostings(lists, log.length)


def record_test(
    log: LogView, restriction: Restriction | None, holds: RecordTest | None
) -> Callable[[int], bool]:
    """Whether the record at an index counts: not canceled, and ``holds`` (the
    compiled ``restriction``) TRUE for its properties."""
    canceled = log.canceled if log.canceled_count else None
    if restriction is None or holds is None:
        if canceled is None:
            return lambda index: True
        return lambda index: not canceled[index]
    fields = restriction_fields(restriction)
    present = [(name, log.properties[name]) for name in fields if name in log.properties]
    dictionaries = [log.dictionaries[name] for name, _ in present]
    decided: dict[tuple[int, ...], bool] = {}

    def counts(index: int) -> bool:
        if canceled is not None and canceled[index]:
            return False
        key = tuple(column[index] for _, column in present)
        verdict = decided.get(key)
        if verdict is None:
            properties: dict[str, Any] = {
                name: dictionary[code]
                for (name, _), dictionary, code in zip(present, dictionaries, key, strict=True)
                if code
            }
            verdict = decided[key] = holds(properties) is True
        return verdict

    return counts

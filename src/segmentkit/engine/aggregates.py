"""``having``: an aggregate of the records that count, compared with a value
(LANGUAGE.md "Aggregates").

The records that count are those the condition counts (type, relation,
``ts <= now``, window, not canceled, restriction TRUE). Their FIELD values,
missing and null ones skipped, make the aggregate; a contact is a member
when the count clause holds for the records **and** the comparison is TRUE.
Values are decoded once per distinct code of the field, not once per record.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import date, datetime, tzinfo
from itertools import compress, repeat
from operator import is_not
from typing import Any

from segmentkit.engine.compare import ORDER, compile_comparison
from segmentkit.engine.contact_records import contact_postings, record_test
from segmentkit.engine.context import Evaluation
from segmentkit.engine.counted import any_record_will_do, count_predicate
from segmentkit.engine.reuse import Reads
from segmentkit.engine.scan import selected_indices
from segmentkit.language.ast import (
    Comparison,
    Count,
    Having,
    InteractionCondition,
    NumberLiteral,
)
from segmentkit.storage.log_view import LogView
from segmentkit.storage.store import mask_from_positions, to_microseconds

__all__ = [
    "aggregate",
    "aggregate_records",
    "having_mask",
    "having_members",
    "having_reads",
    "having_test",
]


def _sum(values: Sequence[Any]) -> int | float:
    # "sum of integers is exact; with any float it is math.fsum" of them all.
    if float in map(type, values):
        return math.fsum(values)
    total: int = sum(values)
    return total


def _avg(values: Sequence[Any]) -> float | None:
    return _sum(values) / len(values) if values else None


def _order_key(value: Any) -> Any:
    """Text orders by its casefolded code points, datetimes as instants."""
    if isinstance(value, str):
        return value.casefold()
    if isinstance(value, datetime):
        return to_microseconds(value)
    return value


def _distinct_key(value: Any) -> Any:
    """Casefolded text once, numbers by value, datetimes as instants; dates
    and booleans by value (a field holds one kind, so 1 and True never meet)."""
    if isinstance(value, str):
        return value.casefold()
    if isinstance(value, datetime):
        return (datetime, to_microseconds(value))
    if isinstance(value, date):
        return (date, value)
    return value


_AGGREGATES: dict[str, Callable[[Sequence[Any]], Any]] = {
    "sum": _sum,
    "avg": _avg,
    "min": lambda values: min(values, key=_order_key) if values else None,
    "max": lambda values: max(values, key=_order_key) if values else None,
    "distinct": lambda values: len({_distinct_key(value) for value in values}),
}


def aggregate(function: str, values: Sequence[Any]) -> Any:
    """The aggregate of non-null values (None for avg, min, max of none)."""
    return _AGGREGATES[function](values)


def aggregate_records(log: LogView, having: Having, indices: Iterable[int]) -> Any:
    """The ``having`` aggregate of the records at ``indices`` (one contact's,
    for ``explain`` and membership over time)."""
    column = log.properties.get(having.field)
    if column is None:
        return aggregate(having.function, [])
    dictionary = log.dictionaries[having.field]
    values = [dictionary[column[index]] for index in indices if column[index]]
    return aggregate(having.function, [value for value in values if value is not None])


def having_mask(evaluation: Evaluation, query: InteractionCondition) -> int:
    """The contacts for whom the count clause holds and the having comparison is TRUE."""
    having = query.having
    assert having is not None  # called for conditions with a having clause
    snapshot = evaluation.snapshot
    size = snapshot.contact_count
    log = snapshot.log(query.type)
    start, end = evaluation.bounds(query.window, query)
    span = log.window(start, end)
    holds = None if query.where is None else evaluation.restriction(query.where)
    related = log.related(query.via)
    satisfied = count_predicate(query.count)
    test = having_test(having, tz=evaluation.tz, now=evaluation.now)
    column = log.properties.get(having.field)
    # Each distinct code decoded once: its value, None when absent or null.
    decoded = list(log.dictionaries.get(having.field, (None,)))
    decoded[0] = None
    positions, codes = _positions_and_codes(
        related, column, selected_indices(log, span.start, span.stop, query.where, holds)
    )
    fast = _integer_sums(having, decoded, positions, codes, query.count)
    if fast is not None:
        members, recorded = fast
    else:
        members, recorded = _members(having, decoded, positions, codes, satisfied, test)
    mask = mask_from_positions(members, size)
    if satisfied(0) and test(_AGGREGATES[having.function]([])) is True:
        # Contacts without records that count: their aggregate is of no values.
        mask |= snapshot.all_mask & ~mask_from_positions(recorded, size)
    return mask


def having_reads(evaluation: Evaluation, query: InteractionCondition) -> list[Reads]:
    """What decides each contact: its records in the window."""
    log = evaluation.snapshot.log(query.type)
    related = log.related(query.via)
    return [(log, related, (log.window(*evaluation.bounds(query.window, query)),))]


def having_members(
    evaluation: Evaluation, query: InteractionCondition, positions: list[int]
) -> list[int]:
    """The members among ``positions``, each decided from its own records."""
    having = query.having
    assert having is not None  # called for conditions with a having clause
    log = evaluation.snapshot.log(query.type)
    span = log.window(*evaluation.bounds(query.window, query))
    postings = contact_postings(log, query.via)
    holds = None if query.where is None else evaluation.restriction(query.where)
    counts = record_test(log, query.where, holds)
    satisfied = count_predicate(query.count)
    test = having_test(having, tz=evaluation.tz, now=evaluation.now)
    members = []
    for position in positions:
        indices = () if postings is None else postings.get(position, ())
        low = bisect_left(indices, span.start)
        chosen = [i for i in indices[low : bisect_left(indices, span.stop, low)] if counts(i)]
        if satisfied(len(chosen)) and test(aggregate_records(log, having, chosen)) is True:
            members.append(position)
    return members


def _positions_and_codes(
    related: Sequence[int] | None, column: Sequence[int] | None, indices: Sequence[int]
) -> tuple[Sequence[int], Sequence[int]]:
    """The contact position and the field's code of each record at ``indices``
    (a ``range``: every record of a span counts, and the columns are sliced)."""
    if related is None:
        return [], []
    if isinstance(indices, range):
        positions = related[indices.start : indices.stop]
        codes = [0] * len(indices) if column is None else column[indices.start : indices.stop]
        return positions, codes
    if column is None:
        return list(map(related.__getitem__, indices)), [0] * len(indices)
    return list(map(related.__getitem__, indices)), list(map(column.__getitem__, indices))


def _members(
    having: Having,
    decoded: list[Any],
    positions: Sequence[int],
    codes: Sequence[int],
    satisfied: Callable[[int], bool],
    test: Callable[[Any], bool | None],
) -> tuple[list[int], Collection[int]]:
    """The members among the contacts with records, and those contacts: one
    aggregate per contact."""
    codes_by_contact: dict[int, list[int]] = {}
    get = codes_by_contact.get
    for position, code in zip(positions, codes, strict=True):
        found = get(position)
        if found is None:
            codes_by_contact[position] = [code]
        else:
            found.append(code)
    codes_by_contact.pop(-1, None)  # records without the via field
    function = _AGGREGATES[having.function]
    members = []
    for position, found in codes_by_contact.items():
        if satisfied(len(found)):
            values = list(filter(_present, map(decoded.__getitem__, found)))
            if test(function(values)) is True:
                members.append(position)
    return members, codes_by_contact


def _integer_sums(
    having: Having,
    decoded: list[Any],
    positions: Sequence[int],
    codes: Sequence[int],
    count: Count | None,
) -> tuple[list[int], Collection[int]] | None:
    """``sum`` or ``avg`` of integers against a number, per contact: one dict
    update per record and no per-contact lists of values (sorting the
    records by contact instead cost more than this loop). None when another
    path must decide (floats need fsum; other aggregates)."""
    if having.function not in ("sum", "avg") or not isinstance(having.value, NumberLiteral):
        return None
    if float in map(type, decoded):
        return None
    zeroed = [0 if value is None else value for value in decoded]
    # "in" and "+=" on a plain dict: measured faster than dict.get through
    # a bound method, and than a defaultdict.
    totals: dict[int, int] = {}
    for position, code in zip(positions, codes, strict=True):
        if position in totals:
            totals[position] += zeroed[code]
        else:
            totals[position] = zeroed[code]
    totals.pop(-1, None)  # records without the via field
    compare_to, literal = ORDER[having.operator], having.value.value
    if having.function == "avg":
        present = Counter(compress(positions, map(is_not, map(decoded.__getitem__, codes),
                                                  repeat(None))))
        averages = [totals[key] / present[key] if present[key] else None for key in totals]
        passing = [value is not None and compare_to(value, literal) for value in averages]
    else:
        passing = list(map(compare_to, totals.values(), repeat(literal)))
    members = list(compress(totals, passing))
    if not any_record_will_do(count):
        # Counted only for the contacts the comparison let through.
        counts = Counter(positions)
        satisfied = count_predicate(count)
        members = [position for position in members if satisfied(counts[position])]
    return members, totals.keys()


def _present(value: Any) -> bool:
    return value is not None


def having_test(
    having: Having, *, tz: tzinfo, now: datetime
) -> Callable[[Any], bool | None]:
    """The having comparison as a test of one aggregate value (null: UNKNOWN)."""
    if having.function in ("sum", "avg", "distinct") and isinstance(having.value, NumberLiteral):
        # A number against a number (or null): the comparison without the
        # dispatch on kinds that any value would need.
        compare_to, literal = ORDER[having.operator], having.value.value
        return lambda value: None if value is None else compare_to(value, literal)
    comparison = Comparison(field=having.field, operator=having.operator, value=having.value)
    return compile_comparison(comparison, tz=tz, now=now)

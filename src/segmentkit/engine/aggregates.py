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
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from segmentkit.engine.compare import compile_comparison
from segmentkit.engine.conditions import count_predicate
from segmentkit.engine.context import Evaluation
from segmentkit.engine.scan import selected_indices
from segmentkit.language.ast import Comparison, Having, InteractionCondition
from segmentkit.storage.store import mask_from_positions, to_microseconds

__all__ = ["aggregate", "having_mask"]


def _sum(values: Sequence[Any]) -> int | float:
    # "sum of integers is exact; with any float it is math.fsum" of them all.
    if any(isinstance(value, float) for value in values):
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
    related = log.contacts if query.via is None else log.references.get(query.via)
    satisfied = count_predicate(query.count)
    test = _comparison_test(evaluation, having)
    codes_by_contact: dict[int, list[int]] = {}
    if related is not None:
        indices = selected_indices(log, span.start, span.stop, query.where, holds)
        column = log.properties.get(having.field)
        codes = [0] * len(indices) if column is None else [column[i] for i in indices]
        for position, code in zip(map(related.__getitem__, indices), codes, strict=True):
            if 0 <= position < size:
                found = codes_by_contact.get(position)
                if found is None:
                    codes_by_contact[position] = [code]
                else:
                    found.append(code)
    dictionary = log.dictionaries.get(having.field, (None,))
    members = []
    for position, codes in codes_by_contact.items():
        if not satisfied(len(codes)):
            continue
        values = [dictionary[code] for code in codes if code]
        if test(aggregate(having.function, [v for v in values if v is not None])) is True:
            members.append(position)
    mask = mask_from_positions(members, size)
    if satisfied(0) and test(aggregate(having.function, [])) is True:
        # Contacts without records that count: their aggregate is of no values.
        recorded = mask_from_positions(codes_by_contact, size)
        mask |= snapshot.all_mask & ~recorded
    return mask


def _comparison_test(evaluation: Evaluation, having: Having) -> Callable[[Any], bool | None]:
    """The having comparison as a test of one aggregate value (null: UNKNOWN)."""
    comparison = Comparison(field=having.field, operator=having.operator, value=having.value)
    return compile_comparison(comparison, tz=evaluation.tz, now=evaluation.now)

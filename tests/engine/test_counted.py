"""Count clauses decided in C (``count_verdicts``) say what the per-number
predicate says, for every operator, bound and number."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from segmentkit.engine.counted import count_predicate, count_verdicts
from segmentkit.language.ast import Count

_NUMBERS = st.integers(min_value=0, max_value=12)


@st.composite
def _counts(draw: st.DrawFn) -> Count | None:
    operator = draw(st.sampled_from([None, "at least", "at most", "exactly", "between"]))
    if operator is None:
        return None
    value = draw(_NUMBERS)
    if operator == "between":
        return Count(operator="between", value=value, upper=draw(st.integers(value, 14)))
    return Count(operator=operator, value=value)


@given(_counts(), st.lists(_NUMBERS, max_size=30))
def test_verdicts_in_c_are_the_predicates(count: Count | None, numbers: list[int]) -> None:
    satisfied = count_predicate(count)
    assert list(count_verdicts(count, numbers)) == [satisfied(n) for n in numbers]

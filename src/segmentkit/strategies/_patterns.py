"""``first`` / ``last`` conditions and sequences, on the repository's types.

Steps and recency conditions take a ``via`` and a ``where`` like any
condition, and a window aimed at the type's records; sequences often repeat
a type, so that one record could fit two steps and only *different*
records make the sequence.
"""

from __future__ import annotations

from functools import lru_cache

from hypothesis import strategies as st

from segmentkit.language.ast import InLast, InPeriods, Recency, Sequence, Step, Window, Within
from segmentkit.strategies import _values as v
from segmentkit.strategies._clauses import plain_windows
from segmentkit.strategies._comparisons import restrictions_of_type
from segmentkit.strategies._observed import held_windows
from segmentkit.strategies._records import TypeKey

__all__ = ["recencies", "sequences"]


def _plain(window: Window | None) -> Window | None:
    """A window ``first``, ``last`` and sequences take: a periodic one becomes
    the span of its periods."""
    if isinstance(window, InPeriods):
        return InLast(amount=window.periods, unit=window.unit)
    return window


def _windows(name: str) -> st.SearchStrategy[Window | None]:
    aimed = v.weighted([(2, held_windows(name, plain_windows)), (1, plain_windows)])
    return (st.none() | aimed).map(_plain)


@lru_cache(maxsize=256)
def _steps(key: TypeKey) -> st.SearchStrategy[Step]:
    name, fields, references = key
    restriction = restrictions_of_type(name, fields, references)
    return st.builds(
        Step,
        type=st.just(name),
        via=v.weighted([(2, st.none()), (1, st.sampled_from(references))])
        if references
        else st.none(),
        where=st.none() if restriction is None else st.none() | restriction,
    )


@lru_cache(maxsize=256)
def recencies(key: TypeKey) -> st.SearchStrategy[Recency]:
    """``first`` / ``last`` conditions on one type."""
    return st.builds(
        lambda which, step, window: Recency(
            which=which, type=step.type, via=step.via, where=step.where, window=window
        ),
        st.sampled_from(("first", "last")),
        _steps(key),
        _windows(key[0]),
    )


_withins = st.builds(
    Within,
    amount=st.sampled_from((0, 1, 2, 7, 30)),
    unit=st.sampled_from(("day", "hour", "minute", "week", "month")),
)


@lru_cache(maxsize=256)
def sequences(keys: tuple[TypeKey, ...]) -> st.SearchStrategy[Sequence]:
    """Sequences of two or three steps over these types."""
    steps = st.one_of(*(_steps(key) for key in keys))
    return st.builds(
        Sequence,
        steps=st.lists(steps, min_size=2, max_size=3).map(tuple),
        within=st.none() | _withins,
        window=st.one_of(*(_windows(key[0]) for key in keys)),
    )

"""Posting lists (``engine.postings``): grouped in two arrays, grown by
appended records kept apart, grouped afresh once those are many; every
way gives, for every value, exactly the indices a plain scan gives."""

from __future__ import annotations

from array import array

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segmentkit.engine import postings
from segmentkit.engine.postings import BoundedPostings, PostingLists

_COLUMNS = st.lists(st.integers(min_value=-1, max_value=6), max_size=60)


def _scanned(column: list[int], length: int, skip: int | None) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for index, value in enumerate(column[:length]):
        if value != skip:
            found.setdefault(value, []).append(index)
    return found


@pytest.mark.parametrize("share", [8, 1])
@given(
    column=_COLUMNS,
    cuts=st.lists(st.integers(min_value=0, max_value=60), max_size=5),
    skip=st.sampled_from([-1, None]),
)
def test_lists_grown_in_steps_equal_a_scan(
    share: int, column: list[int], cuts: list[int], skip: int | None
) -> None:
    # share 1, no floor: appended records are grouped afresh almost every time.
    if skip is None:  # -1 is only ever there to be skipped (a missing via field)
        column = [max(value, 0) for value in column]
    values = array("i", column)
    steps = sorted({min(cut, len(column)) for cut in cuts} | {len(column)})
    original = postings._TAIL_FLOOR, postings._TAIL_SHARE
    postings._TAIL_FLOOR, postings._TAIL_SHARE = (4096, 8) if share == 8 else (0, 1)
    try:
        lists = PostingLists(values, steps[0], skip)
        for step in steps[1:]:
            lists = lists.extend(values, step)
    finally:
        postings._TAIL_FLOOR, postings._TAIL_SHARE = original
    expected = _scanned(column, len(column), skip)
    for value in range(-1, 8):
        got = lists.get(value)
        assert (None if got is None else list(got)) == expected.get(value)
        assert lists.count(value) == len(expected.get(value, []))
    # A view of fewer records sees only its own.
    for length in range(len(column) + 1):
        bounded = BoundedPostings(lists, length)
        shorter = _scanned(column, length, skip)
        assert {key: list(bounded[key]) for key in bounded} == shorter
        assert len(bounded) == len(shorter)

"""Bitsets of contacts (``storage.store``): a byte a contact, built from
positions and read back as positions, whichever path the density picks."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from segmentkit.storage.store import (
    bits_to_int,
    flag_positions,
    mask_from_positions,
    positions_of,
    set_flags,
    sparse_positions,
)

_SIZES = st.integers(min_value=0, max_value=600)


@st.composite
def _positions(draw: st.DrawFn) -> tuple[int, list[int]]:
    size = draw(_SIZES)
    if not size:
        return 0, []
    # Sparse and dense sets both: the readers switch paths on density.
    share = draw(st.sampled_from([0.001, 0.02, 0.2, 0.9]))
    chosen = draw(st.lists(st.integers(0, size - 1), max_size=int(size * share) + 2))
    return size, chosen


@given(_positions())
def test_positions_read_back_as_set(case: tuple[int, list[int]]) -> None:
    size, chosen = case
    mask = mask_from_positions(chosen, size)
    assert positions_of(mask) == sorted(set(chosen))
    assert mask.bit_count() == len(set(chosen))
    flags = bytearray(size)
    set_flags(flags, chosen)
    assert bits_to_int(flags) == mask
    assert flag_positions(bytes(flags)) == sorted(set(chosen))


@given(_positions(), st.integers(min_value=0, max_value=20))
def test_sparse_positions_gives_up_past_its_limit(
    case: tuple[int, list[int]], most: int
) -> None:
    size, chosen = case
    flags = bytearray(size)
    set_flags(flags, chosen)
    found = sparse_positions(bytes(flags), most)
    expected = sorted(set(chosen))
    assert found == (expected if len(expected) <= most else None)

"""``time_order`` gives every column the order of one stable sort by
timestamp, whether it sorts everything or merges a late tail into an
ordered prefix; and a log starts a new ``reuse`` exactly when its stored
records move or change."""

from __future__ import annotations

import importlib
import sys
from array import array
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segmentkit import InMemoryRepository, Interaction, InteractionType
from segmentkit.storage import time_order as time_order_module
from segmentkit.storage.time_order import stays_in_order, time_order

stamps = st.lists(st.integers(min_value=0, max_value=20), max_size=60)


@given(log=stamps, batch=stamps.filter(bool), as_array=st.booleans())
def test_a_batch_keeps_the_log_in_order_exactly_when_the_whole_is_sorted(
    log: list[int], batch: list[int], as_array: bool
) -> None:
    log.sort()
    whole = log + batch
    column = array("q", batch) if as_array else batch
    assert stays_in_order(array("q", log), column, False) == (whole == sorted(whole))
    if batch == sorted(batch):  # what a caller that sorted the batch may say
        assert stays_in_order(array("q", log), column, True) == (whole == sorted(whole))


@pytest.mark.parametrize("arrow", [False, True])
@given(ordered=stamps, late=stamps)
def test_every_column_comes_out_as_one_stable_sort_would_put_it(
    arrow: bool, ordered: list[int], late: list[int]
) -> None:
    """Both ways of sorting a log: in Python, and with Arrow (``arrow_order``),
    which a log of ``ARROW_FROM`` records or more takes when pyarrow is loaded."""
    prefix = sorted(ordered)
    timestamps = array("q", [stamp - 10 for stamp in prefix + late])  # some below zero
    expected = sorted(range(len(timestamps)), key=timestamps.__getitem__)
    pyarrow = sys.modules.get("pyarrow") or importlib.import_module("pyarrow")
    with (
        mock.patch.object(time_order_module, "ARROW_FROM", 0 if arrow else 10**9),
        mock.patch.dict(sys.modules, {"pyarrow": pyarrow if arrow else None}),
        mock.patch.object(
            time_order_module, "arrow_time_order", wraps=time_order_module.arrow_time_order
        ) as with_arrow,
    ):
        reorder, kept = time_order(timestamps, len(prefix))
    assert with_arrow.called == (arrow and len(prefix) * 2 < len(timestamps) >= 2)
    if kept:  # said only when the ordered records really keep their indices
        assert expected[: len(prefix)] == list(range(len(prefix)))
    # Each record's own index, in each kind of column the log keeps.
    assert list(reorder(array("i", range(len(timestamps))))) == expected
    assert list(reorder(array("I", range(len(timestamps))))) == expected
    assert reorder(list(range(len(timestamps)))) == expected
    flags = bytearray(i % 2 for i in range(len(timestamps)))
    assert reorder(flags) == bytearray(i % 2 for i in expected)
    assert isinstance(reorder(flags), bytearray)
    moved = reorder(array("q", timestamps))
    assert moved.typecode == "q"
    assert list(moved) == sorted(timestamps)
    negative = reorder(array("i", [-index for index in range(len(timestamps))]))
    assert list(negative) == [-index for index in expected]


def _repo() -> InMemoryRepository:
    repo = InMemoryRepository()
    repo.register_type(InteractionType(name="Opened"))
    repo.add_contacts([{"id": "a"}, {"id": "b"}])
    return repo


def _opened(record_id: str, day: int) -> Interaction:
    return Interaction(
        id=record_id, type="Opened", contact_id="a",
        timestamp=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=day),
    )


def test_reuse_lives_while_records_are_only_appended_in_time_order() -> None:
    repo = _repo()
    repo.add_interactions([_opened("i1", 1), _opened("i2", 2)])
    first = repo.snapshot().log("Opened").reuse
    repo.add_interactions([_opened("i3", 3)])
    assert repo.snapshot().log("Opened").reuse is first


def test_a_batch_later_than_everything_keeps_reuse_even_out_of_order_within() -> None:
    repo = _repo()
    repo.add_interactions([_opened("i1", 1), _opened("i2", 2), _opened("i3", 3)])
    first = repo.snapshot().log("Opened").reuse
    repo.add_interactions([_opened("i5", 5), _opened("i4", 4)])
    view = repo.snapshot().log("Opened")
    assert view.reuse is first
    assert [record.id for record in view.records] == ["i1", "i2", "i3", "i4", "i5"]


def test_a_batch_back_in_time_a_cancel_and_a_rollback_each_start_a_new_reuse() -> None:
    repo = _repo()
    repo.add_interactions([_opened("i1", 5), _opened("i2", 6)])
    before = repo.snapshot().log("Opened").reuse
    repo.add_interactions([_opened("i0", 1)])
    merged = repo.snapshot().log("Opened")
    assert merged.reuse is not before
    assert [record.id for record in merged.records] == ["i0", "i1", "i2"]
    repo.cancel_interactions(["i1"])
    canceled = repo.snapshot().log("Opened").reuse
    assert canceled is not merged.reuse
    try:
        with repo.transaction():
            repo.add_interactions([_opened("i9", 9)])
            assert repo.snapshot().log("Opened").reuse is canceled  # in time order
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    # What was left in ``canceled`` may have read i9; the log, cut back, starts anew.
    repo.add_interactions([_opened("i8", 8)])
    after = repo.snapshot().log("Opened")
    assert after.reuse is not canceled
    assert [record.id for record in after.records] == ["i0", "i1", "i2", "i8"]

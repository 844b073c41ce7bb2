"""The collector's pause around bulk loads: nested, shared between threads,
and always putting back what it found."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from segmentkit import InMemoryRepository, RecordError
from segmentkit.storage.collection import collection_paused


@pytest.fixture(autouse=True)
def _collector_as_found() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    if enabled:
        gc.enable()
    else:  # pragma: no cover - the suite runs with the collector on
        gc.disable()


def test_the_collector_is_off_inside_and_back_on_after() -> None:
    gc.enable()
    with collection_paused():
        assert not gc.isenabled()
        with collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
    assert gc.isenabled()


def test_an_error_inside_still_puts_it_back() -> None:
    gc.enable()
    with pytest.raises(ZeroDivisionError), collection_paused():
        1 / 0  # noqa: B018
    assert gc.isenabled()


def test_a_program_that_keeps_it_disabled_finds_it_disabled() -> None:
    gc.disable()
    with collection_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_two_threads_overlapping_leave_it_on() -> None:
    # Thread A enters, B enters, A leaves, B leaves: only B's leaving ends the
    # pause, and it puts back what A found (enabled), not what B saw.
    gc.enable()
    entered, a_left = threading.Event(), threading.Event()
    seen: list[bool] = []

    def second() -> None:
        with collection_paused():
            entered.set()
            a_left.wait(5)
            seen.append(gc.isenabled())

    with collection_paused():
        thread = threading.Thread(target=second)
        thread.start()
        assert entered.wait(5)
    a_left.set()
    thread.join(5)
    assert seen == [False]  # still paused after A left: B was loading
    assert gc.isenabled()


def test_a_refused_batch_leaves_the_collector_on() -> None:
    gc.enable()
    repo = InMemoryRepository()
    with pytest.raises(RecordError):
        repo.add_contacts([{"id": "ann"}, {"id": ""}])
    with pytest.raises(RecordError):
        repo.add_interactions([{"id": "i1", "type": "EmailOpened", "contact_id": "nobody",
                                "timestamp": "2026-01-01T00:00:00Z"}])
    assert gc.isenabled()

"""What one evaluation leaves for the next never changes an answer.

A repository goes through random histories: interactions appended in time
order and back in time, cancels, rolled-back transactions, new contacts,
new types, segments saved and edited, ``now`` moving forward a little, a lot
and backwards, another time zone. After every step each saved segment's
members (``repo.members``) and each query's answer (``evaluate``), both
computed with whatever earlier evaluations left behind, must equal a cold
evaluation of the same snapshot with every cache emptied.

Counts are advanced, per-contact leaves (having, first/last, sequences)
patched and answers patched only when that is cheaper than starting
afresh; one run forces all three whenever they are valid, and a spy checks
that they happened, so the incremental paths are what is tested.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmentkit import InMemoryRepository, InteractionType, Segment, evaluate
from segmentkit.engine import counted, reuse
from segmentkit.storage.store import Snapshot

START = datetime(2026, 1, 1, tzinfo=UTC)
TYPES = [
    InteractionType(name="Opened", fields={"device": "text", "seconds": "number"}),
    InteractionType(
        name="Clicked", fields={"url": "text", "referrer": "text"},
        contact_references=frozenset({"referrer"}),
    ),
]
LATE_TYPE = InteractionType(name="Visited", fields={"seconds": "number"})
QUERIES = [
    "Opened",
    "Opened in last 3 days",
    "Opened at least 2 times in last 5 days",
    "Opened at most 1 time in last 4 days",
    "Opened exactly 0 times in last 2 days",
    "Opened between 1 and 2 times in last 6 days",
    'Opened where device = "mobile" in last 4 days',
    'Opened where (not device = "mobile") at least 2 times',
    "Opened where seconds > 30 in last 10 days",
    "Opened since 2026-01-03",
    "Opened between 2026-01-02 and 2026-01-05",
    "Opened before 2026-01-04",
    "Opened at least 1 time in 2 of last 3 days",
    "Clicked via referrer in last 5 days",
    'Clicked where url contains "a" at least 2 times in last 8 days',
    "Opened having sum(seconds) >= 60 in last 6 days",
    "first Opened in last 3 days",
    "last Clicked in last 4 days",
    "Opened then Clicked within 2 days in last 8 days",
    'contact.country = "DK"',
    "Opened in last 5 days and not Clicked in last 2 days",
    "not Opened in last 3 days or Clicked at least 2 times",
]
LATE_QUERIES = ["Visited in last 3 days", "Visited having sum(seconds) > 10"]

hours = st.integers(min_value=0, max_value=24 * 12)
records = st.lists(
    st.tuples(
        st.sampled_from(["Opened", "Clicked"]),
        st.integers(min_value=0, max_value=5),  # contact
        st.integers(min_value=-24 * 3, max_value=24 * 2),  # hours from the latest
        st.sampled_from(["mobile", "desktop", None]),
        st.integers(min_value=0, max_value=90),
        st.booleans(),  # canceled
    ),
    min_size=1,
    max_size=8,
)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("append"), records, st.booleans()),
        st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=50)),
        st.tuples(st.just("rollback"), records),
        st.tuples(st.just("contact"), st.sampled_from(["DK", "SE", None])),
        st.tuples(st.just("type"), st.sampled_from(LATE_QUERIES)),
        st.tuples(st.just("edit"), st.integers(min_value=0, max_value=3), st.sampled_from(QUERIES)),
        st.tuples(st.just("now"), st.integers(min_value=-24 * 4, max_value=24 * 4)),
        st.tuples(st.just("zone"), st.sampled_from(["UTC", "Europe/Copenhagen"])),
    ),
    min_size=1,
    max_size=14,
)


class History:
    """The repository, the records given so far, and the evaluation's ``now``."""

    def __init__(self) -> None:
        self.repo = InMemoryRepository()
        for interaction_type in TYPES:
            self.repo.register_type(interaction_type)
        self.repo.add_contacts(
            [{"id": f"c{i}", "attributes": {"country": "DK" if i % 2 else "SE"}} for i in range(6)]
        )
        self.contacts = 6
        self.tz = "UTC"
        self.ids: list[str] = []
        self.queries = list(QUERIES)
        for slot in range(4):
            self.repo.save_segment(Segment(name=f"s{slot}", query=QUERIES[slot * 5]))
        # Six days of history before ``now``, so that windows have records to leave.
        self.latest = START
        for day in range(12):
            self.apply(("append", [
                ("Opened" if (day + n) % 3 else "Clicked", day * 7 + n, 4 * n + day % 3,
                 ("mobile", "desktop", None)[n % 3], 13 * n + day, n == 3 and day % 4 == 0)
                for n in range(4)
            ], True))
        self.now = self.latest

    def interactions(self, given: list[Any], in_order: bool) -> Iterator[dict[str, Any]]:
        # In order: hours after the latest record; else up to three days before it.
        for type_name, contact, offset, device, seconds, canceled in given:
            hour = abs(offset) if in_order else offset
            timestamp = self.latest + timedelta(hours=hour)
            record_id = f"i{len(self.ids)}"
            self.ids.append(record_id)
            if type_name == "Opened":
                properties: dict[str, Any] = {"seconds": seconds}
                if device:
                    properties["device"] = device
            else:
                properties = {"url": device or "b"}
                if seconds % 3:
                    properties["referrer"] = f"c{seconds % 6}"
            yield {
                "id": record_id, "type": type_name, "contact_id": f"c{contact % self.contacts}",
                "timestamp": timestamp, "properties": properties, "canceled": canceled,
            }

    def apply(self, step: tuple[Any, ...]) -> None:
        kind = step[0]
        if kind == "append":
            batch = list(self.interactions(step[1], in_order=step[2]))
            self.repo.add_interactions(batch)
            self.latest = max(self.latest, *(record["timestamp"] for record in batch))
        elif kind == "cancel":
            if self.ids:
                self.repo.cancel_interactions([self.ids[step[1] % len(self.ids)]])
        elif kind == "rollback":
            known = len(self.ids)
            with pytest.raises(RuntimeError), self.repo.transaction():
                self.repo.add_interactions(list(self.interactions(step[1], in_order=True)))
                self.check()  # evaluations inside the transaction leave state too
                raise RuntimeError("roll back")
            del self.ids[known:]
        elif kind == "contact":
            attributes = {} if step[1] is None else {"country": step[1]}
            self.repo.add_contacts([{"id": f"c{self.contacts}", "attributes": attributes}])
            self.contacts += 1
        elif kind == "type":
            self.repo.register_type(LATE_TYPE)
            self.repo.add_interactions([{
                "id": f"v{len(self.ids)}", "type": "Visited", "contact_id": "c1",
                "timestamp": self.latest, "properties": {"seconds": 20},
            }])
            self.ids.append(f"v{len(self.ids)}")
            if step[1] not in self.queries:
                self.queries.append(step[1])
            self.repo.save_segment(Segment(name="late", query=step[1]))
        elif kind == "edit":
            self.repo.save_segment(Segment(name=f"s{step[1]}", query=step[2]))
        elif kind == "now":
            self.now += timedelta(hours=step[1])
        else:
            self.tz = step[1]

    def check(self) -> None:
        snapshot = self.repo.snapshot()
        cold = _cold(snapshot)
        for segment in self.repo.segments():
            warm = self.repo.members(segment.name, now=self.now, tz=self.tz)
            assert warm == evaluate(f"segment {segment.name}", cold, now=self.now, tz=self.tz), (
                segment.name, segment.query
            )
        for text in self.queries:
            warm = evaluate(text, self.repo, now=self.now, tz=self.tz)
            assert warm == evaluate(text, _cold(snapshot), now=self.now, tz=self.tz), text


def _cold(snapshot: Snapshot) -> Snapshot:
    """The same records with nothing left by earlier evaluations."""
    logs = {
        name: dataclasses.replace(view, reuse={}, indexes={})
        for name, view in snapshot.logs.items()
    }
    return dataclasses.replace(snapshot, logs=logs, indexes={})


def _run(history: list[tuple[Any, ...]]) -> None:
    world = History()
    world.check()
    for step in history:
        world.apply(step)
        world.check()


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(history=steps)
def test_answers_built_on_earlier_evaluations_equal_cold_ones(
    history: list[tuple[Any, ...]],
) -> None:
    _run(history)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(history=steps)
def test_counts_advanced_whenever_they_can_be_equal_cold_ones(
    history: list[tuple[Any, ...]], monkeypatch_share: None
) -> None:
    _run(history)


@pytest.fixture(scope="module")
def monkeypatch_share() -> Iterator[None]:
    # Advance the counts however far the window moved: the delta path is then
    # taken at every step it is valid for, not only when it is cheaper.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(counted, "_DELTA_SHARE", 10**9)
        patch.setattr(reuse, "_FEW_SHARE", 0)  # and answers always patched
        patch.setattr(reuse, "_TOUCHED_SHARE", 10**9)  # per-contact leaves too
        yield


def test_the_forced_run_does_advance_counts_and_patch_leaves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(counted, "_DELTA_SHARE", 10**9)
    monkeypatch.setattr(reuse, "_TOUCHED_SHARE", 10**9)
    advanced = []
    touched = []
    original, original_touched = counted._advanced, reuse._touched

    def spy(*args: Any) -> bool:
        result = original(*args)
        advanced.append(result)
        return result

    def touched_spy(*args: Any) -> set[int] | None:
        result = original_touched(*args)
        touched.append(result)
        return result

    monkeypatch.setattr(counted, "_advanced", spy)
    monkeypatch.setattr(reuse, "_touched", touched_spy)
    _run([
        ("append", [("Opened", 1, 2, "mobile", 40, False),
                    ("Clicked", 2, 3, None, 4, False)], True),
        ("now", 5),
        ("append", [("Opened", 3, 1, None, 10, False)], True),
        ("now", -30),
        ("append", [("Opened", 1, 1, "desktop", 70, False)], True),
    ])
    assert advanced.count(True) > 20
    assert sum(1 for found in touched if found) > 5


def test_an_older_snapshot_read_after_a_newer_one_keeps_its_own_answer() -> None:
    world = History()
    older = world.repo.snapshot()
    now = world.latest + timedelta(hours=1)
    query = "Opened at least 2 times in last 5 days"
    before = evaluate(query, older, now=now)
    world.apply(("append", [("Opened", 1, 0, None, 5, False)] * 3, True))
    newer = evaluate(query, world.repo, now=now)
    assert "c1" in newer
    assert evaluate(query, older, now=now) == before == evaluate(query, _cold(older), now=now)
    assert evaluate(query, world.repo, now=now) == newer
    # Posting lists grown for the newer view hold records the older one lacks.
    for text in ("first Opened in last 5 days", "Opened then Clicked within 2 days"):
        evaluate(text, world.repo, now=now)
        assert evaluate(text, older, now=now) == evaluate(text, _cold(older), now=now)


def test_answers_stay_exact_when_the_memory_limits_make_everything_forgotten(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(counted, "_BUDGET_BYTES", 1)  # every new state drops the others
    monkeypatch.setattr(reuse, "_MEMO_BYTES", 1)  # at most 16 memos
    forgotten = []
    original = counted.counted_mask

    def spy(snapshot: Snapshot, log: Any, *args: Any) -> int:
        result = original(snapshot, log, *args)
        forgotten.append(sum(isinstance(v, counted.CountState) for v in log.reuse.values()))
        return result

    monkeypatch.setattr("segmentkit.engine.conditions.counted_mask", spy)
    _run([("now", 3), ("append", [("Opened", 2, 1, None, 50, False)], True), ("now", -2)])
    assert forgotten and max(forgotten) == 1


def test_threads_evaluating_while_records_arrive_get_cold_answers() -> None:
    world = History()
    failures: list[str] = []
    stop = threading.Event()

    def evaluate_repeatedly(offset: int) -> None:
        step = 0
        while not stop.is_set() and step < 200:
            snapshot = world.repo.snapshot()
            now = world.latest + timedelta(hours=(step * 7 + offset) % 48 - 24)
            text = QUERIES[(step + offset) % len(QUERIES)]
            try:
                warm = evaluate(text, snapshot, now=now)
                if warm != evaluate(text, _cold(snapshot), now=now):
                    failures.append(text)
            except Exception as error:  # a race would surface here
                failures.append(f"{text}: {error!r}")
            step += 1

    threads = [threading.Thread(target=evaluate_repeatedly, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for batch in range(30):
        world.apply(("append", [("Opened", batch, 1, "mobile", 40, False),
                                ("Clicked", batch + 1, 2, None, 7, False)], True))
    stop.set()
    for thread in threads:
        thread.join()
    assert failures == []

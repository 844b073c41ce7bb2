"""The re-evaluation benchmark runs at a tiny size, so it does not rot
between full runs, and its cold sides are really cold."""

from __future__ import annotations

import argparse

from benchmarks.cold import carried_bytes, from_nothing, without_results
from benchmarks.data import generate

from benchmarks import incremental


def test_rounds_check_every_answer_and_report_the_members_that_moved() -> None:
    data = generate(400, 6_000)
    for whole_suite in (False, True):
        names = incremental.saved_queries(whole_suite)
        assert len(names) == (10 if not whole_suite else len({text for _, text in names}))
        for late in (False, True):
            repo = incremental.load(data, names)
            arguments = argparse.Namespace(batch=200, rounds=2)
            # Stops (SystemExit) if a warm answer differs from a cold one.
            timings, moved = incremental.rounds(repo, 400, arguments, late=late)
            assert len(timings) == 2
            assert moved > 0


def test_cold_snapshots_carry_no_result_and_from_nothing_no_lookup() -> None:
    data = generate(300, 4_000)
    repo = incremental.load(data, incremental.saved_queries(True))
    now = incremental.latest_instant(repo)
    answers = incremental.evaluate_all(repo, now)
    snapshot = repo.snapshot()
    assert carried_bytes(snapshot) > 0
    cold = without_results(snapshot)
    kept = {key[0] for view in cold.logs.values() for key in view.reuse}
    assert kept and kept <= {"postings", "contact postings", "text index"}
    assert not any(key[0] in ("ids", "remembered", "patched") for key in cold.indexes)
    nothing = from_nothing(snapshot)
    assert not any(view.reuse or view.indexes for view in nothing.logs.values())
    assert incremental.cold_answers(snapshot, now) == answers
    assert incremental.cold_answers(snapshot, now, from_nothing) == answers

"""Re-evaluation after small appends (issue 13): what carrying work over saves.

An application re-evaluates its saved segments after every small batch of
new interactions, with ``now`` a little later each time. This benchmark
saves the ten saved segments of ``benchmarks.suite`` (what issue 13 asks
about) and, for a second line, every other suite query as a segment too,
then:

- **cold**, two ways (``benchmarks.cold``): *from nothing* (no result and
  no lookup kept: what the first evaluation after loading pays, and what
  every evaluation after an append paid for its posting lists before
  results were carried over) and *lookups kept* (no result carried over,
  but posting lists and the profile index already built: the cold side as
  fast as it gets, so that ratio is not flattered);
- **warm**: for each of ``--rounds`` rounds, appends ``--batch`` new
  interactions and moves ``now`` forward past them, then re-evaluates every
  saved segment. The ratio is the median warm round over the median of
  three cold runs.

Two kinds of batch: records **in time order** (each batch later than
everything stored, as live activity arrives) and **late** records (spread
over the day before ``now``, older than records already stored, so the log
must merge them in). Every round's answers are checked against a cold
evaluation of the same snapshot, outside the timing.

    python -m benchmarks.incremental [--contacts N] [--interactions N] [--batch N] [--rounds N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from benchmarks.cold import from_nothing, without_results
from benchmarks.data import TYPE_WEIGHTS, Dataset, _properties, contact_id, generate
from benchmarks.suite import SAVED_SEGMENTS, SUITE, SUITE_V2
from segmentkit import InMemoryRepository, Segment, evaluate
from segmentkit.storage.store import Snapshot

BATCH = 100_000


def saved_queries(whole_suite: bool) -> list[tuple[str, str]]:
    """The ten saved segments, and with ``whole_suite`` every other suite query."""
    saved = [(name, text) for name, text, _ in SAVED_SEGMENTS]
    if not whole_suite:
        return saved
    texts = {text for _, text in saved}
    extra = [query.text for query in (*SUITE, *SUITE_V2) if query.text not in texts]
    return saved + [(f"Q{number}", text) for number, text in enumerate(extra)]


def load(data: Dataset, names: list[tuple[str, str]]) -> InMemoryRepository:
    repo = InMemoryRepository()
    repo.add_contacts(data.contacts)
    for offset in range(0, len(data.ids), BATCH):
        repo.add_interactions(data.interaction_dicts(offset, offset + BATCH))
    for name, text in names:
        repo.save_segment(Segment(name=name, query=text))
    repo.snapshot()
    return repo


def new_interactions(
    rng: random.Random, count: int, contacts: int, first: datetime, last: datetime, serial: int
) -> list[dict[str, Any]]:
    """``count`` records of the benchmark's shape with timestamps in ``[first, last]``."""
    names = [name for name, _ in TYPE_WEIGHTS]
    weights = [weight for _, weight in TYPE_WEIGHTS]
    span = int((last - first).total_seconds() * 1_000_000)
    records = []
    for number, type_name in enumerate(rng.choices(names, weights, k=count)):
        owner = int(contacts * rng.random() ** 3)
        records.append({
            "id": f"n{serial:04d}-{number:05d}",
            "type": type_name,
            "contact_id": contact_id(owner),
            "timestamp": first + timedelta(microseconds=rng.randrange(span + 1)),
            "properties": _properties(rng, type_name, owner, contacts),
        })
    return records


def evaluate_all(repo: InMemoryRepository, now: datetime) -> dict[str, frozenset[str]]:
    return {segment.name: repo.members(segment.name, now=now) for segment in repo.segments()}


def cold_answers(
    snapshot: Snapshot, now: datetime, start: Callable[[Snapshot], Snapshot] = without_results
) -> dict[str, frozenset[str]]:
    """Every saved segment evaluated with no result carried over."""
    cold = start(snapshot)
    return {name: evaluate(f"segment {name}", cold, now=now) for name in snapshot.segments}


def latest_instant(repo: InMemoryRepository) -> datetime:
    """The timestamp of the latest stored record (the benchmark's first ``now``)."""
    views = repo.snapshot().logs.values()
    latest = max(view.timestamps[view.length - 1] for view in views if view.length)
    return datetime.fromtimestamp(latest / 1_000_000, tz=UTC)


def rounds(
    repo: InMemoryRepository, contacts: int, args: argparse.Namespace, *, late: bool
) -> tuple[list[float], int]:
    """Timed warm rounds (ms); the number of members changed over all of them."""
    rng = random.Random(7 if late else 11)
    now = latest_instant(repo)
    before = evaluate_all(repo, now)  # the state the first round builds on
    timings, moved = [], 0
    for number in range(args.rounds):
        later = now + timedelta(minutes=10)
        first, last = (later - timedelta(days=1), later) if late else (now, later)
        serial = number + (1000 if late else 0)
        batch = new_interactions(rng, args.batch, contacts, first, last, serial)
        repo.add_interactions(batch)
        repo.snapshot()  # taking it (and merging late records in) is part of the append
        start = time.perf_counter()
        answers = evaluate_all(repo, later)
        timings.append((time.perf_counter() - start) * 1000)
        if answers != cold_answers(repo.snapshot(), later):
            raise SystemExit(f"round {number}: an answer built on the last one differs from cold")
        moved += sum(len(answers[name] ^ before[name]) for name in answers)
        before, now = answers, later
    return timings, moved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    data = generate(args.contacts, args.interactions)
    print(f"{args.contacts:,} contacts, {args.interactions:,} interactions, "
          f"batches of {args.batch:,}, {args.rounds} rounds")
    print()
    print("| segments | batch | cold from nothing ms | cold, lookups kept ms "
          "| warm ms (median round) | ratio to nothing | ratio to lookups kept "
          "| members changed a round |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for whole_suite, late in ((False, False), (True, False), (False, True), (True, True)):
        names = saved_queries(whole_suite)
        repo = load(data, names)
        now = latest_instant(repo)
        evaluate_all(repo, now)  # warm-up: posting lists, profile indexes
        cold_runs = []
        for _ in range(3):
            start = time.perf_counter()
            cold_answers(repo.snapshot(), now)
            cold_runs.append((time.perf_counter() - start) * 1000)
        cold_ms = statistics.median(cold_runs)
        nothing_runs = []
        for _ in range(3):  # a median: one run may meet a full collection of the heap
            start = time.perf_counter()
            cold_answers(repo.snapshot(), now, from_nothing)
            nothing_runs.append((time.perf_counter() - start) * 1000)
        nothing_ms = statistics.median(nothing_runs)
        timings, moved = rounds(repo, args.contacts, args, late=late)
        warm_ms = statistics.median(timings)
        kind = "late (merged into the log)" if late else "in time order"
        print(f"| {len(names)} | {args.batch:,} {kind} | {nothing_ms:.1f} | {cold_ms:.1f} | "
              f"{warm_ms:.1f} | {warm_ms / nothing_ms:.3f} | {warm_ms / cold_ms:.3f} | "
              f"{moved / args.rounds:,.0f} |")


if __name__ == "__main__":
    main()

"""Explain and membership over time on the benchmark data (issue 9's targets).

``explain`` of the suite's compound query (ten segment references, ten
clauses) for one contact: the median over contacts spread over the
repository. ``changes`` over the year before the benchmark's ``now`` for one
windowed count and for the compound query: the median of a few runs.

    python -m benchmarks.analysis [--contacts N] [--interactions N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import timedelta

from benchmarks.data import NOW, generate
from benchmarks.suite import SAVED_SEGMENTS, SUITE
from segmentkit import InMemoryRepository, Segment, changes, explain

COMPOUND = next(query.text for query in SUITE if query.name == "compound of ten segments")
COUNT = "EmailOpened at least 2 times in last 30 days"
YEAR = timedelta(days=365)


def explain_ms(repo: InMemoryRepository, contact_ids: list[str]) -> float:
    explain(COMPOUND, repo, contact_ids[0], now=NOW)  # warm-up: per-contact indexes
    timings = []
    for contact_id in contact_ids:
        start = time.perf_counter()
        explain(COMPOUND, repo, contact_id, now=NOW)
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def changes_seconds(repo: InMemoryRepository, query: str, repeat: int) -> tuple[float, int]:
    found: list[object] = []
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        found = list(changes(query, repo, start=NOW - YEAR, end=NOW))
        timings.append(time.perf_counter() - start)
    return statistics.median(timings), len(found)


def rows(repo: InMemoryRepository, contact_ids: list[str], repeat: int) -> list[str]:
    """Markdown table rows: what, median, how many."""
    sample = contact_ids[:: max(1, len(contact_ids) // 50)]
    lines = [f"| explain, compound query, one contact | {explain_ms(repo, sample):.2f} ms | "
             f"{len(sample)} contacts |"]
    for name, query in (("changes over a year, " + COUNT, COUNT),
                        ("changes over a year, compound query", COMPOUND)):
        seconds, count = changes_seconds(repo, query, repeat)
        lines.append(f"| {name} | {seconds:.2f} s | {count:,} changes |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data = generate(args.contacts, args.interactions)
    repo = InMemoryRepository()
    repo.add_contacts(data.contacts)
    repo.add_interactions(data.interaction_dicts(0, args.interactions))
    for name, text, _ in SAVED_SEGMENTS:
        repo.save_segment(Segment(name=name, query=text))
    print(f"{args.contacts:,} contacts, {args.interactions:,} interactions")
    print()
    print("| analysis | median | of |")
    print("|---|---:|---:|")
    for line in rows(repo, [contact["id"] for contact in data.contacts], args.repeat):
        print(line)


if __name__ == "__main__":
    main()

"""``make bench``: segmentkit against DuckDB on the same data, in one run.

For each suite query: the median of several timed runs after a warm-up,
from the query text for segmentkit (parse + check + evaluate) and from the
SQL text for DuckDB; both must return the same members. segmentkit is timed
twice: repeated (what it carried over from the last evaluation of the same
query on the same data is used) and cold (``benchmarks.cold``: nothing
carried over, lookups such as posting lists kept). Then ingestion rate
through the public ``add_interactions``, resident memory per stored
interaction, and the speed of ``explain`` and ``changes`` (benchmarks/analysis.py).
Prints Markdown tables (paste them into benchmarks/README.md).

    python -m benchmarks.run [--contacts N] [--interactions N] [--repeat N]
"""

from __future__ import annotations

import argparse
import gc
import math
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import analysis, duck
from benchmarks.cold import carried_bytes, without_results
from benchmarks.data import NOW, generate
from benchmarks.suite import SAVED_SEGMENTS, SUITE, SUITE_V2
from segmentkit import InMemoryRepository, Segment, evaluate
from segmentkit.storage.store import Snapshot

BATCH = 100_000
CONTACT_BATCH = 10_000


def resident_bytes() -> int:
    """Resident set size of this process, from /proc (Linux)."""
    fields = Path("/proc/self/statm").read_text().split()
    import os

    return int(fields[1]) * os.sysconf("SC_PAGE_SIZE")


def median_ms(action: Callable[[], object], repeat: int) -> float:
    action()  # warm-up: caches, lazily built indexes
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def cold_median_ms(text: str, snapshot: Snapshot, repeat: int) -> float:
    """The median time of ``text`` on the snapshot with no result carried over
    from earlier evaluations (``benchmarks.cold``), a fresh copy each run."""
    timings = []
    for _ in range(repeat):
        cold = without_results(snapshot)
        start = time.perf_counter()
        evaluate(text, cold, now=NOW)
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def _geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(value) for value in values) / len(values))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-analysis", action="store_true",
                        help="leave out explain and changes (long at 10M interactions)")
    args = parser.parse_args()

    started = time.perf_counter()
    data = generate(args.contacts, args.interactions)
    print(f"generated {args.contacts:,} contacts and {args.interactions:,} interactions "
          f"in {time.perf_counter() - started:.1f} s")

    gc.collect()
    before = resident_bytes()
    repo = InMemoryRepository()
    # In batches: a batch's models are checked and dropped, and a hundred
    # thousand at once would leave their peak in the resident set, which is
    # not what the stored contacts take.
    for offset in range(0, args.contacts, CONTACT_BATCH):
        repo.add_contacts(data.contacts[offset : offset + CONTACT_BATCH])
    gc.collect()
    after_contacts = resident_bytes()
    ingest_seconds = 0.0
    ingest_cpu = time.process_time()
    for offset in range(0, args.interactions, BATCH):
        # Built per batch, with fresh id strings: the repository's copy of
        # each id is counted, as when records arrive from JSON.
        batch = data.interaction_dicts(offset, offset + BATCH, fresh_ids=True)
        start = time.perf_counter()
        repo.add_interactions(batch)
        ingest_seconds += time.perf_counter() - start
    del batch
    # The first snapshot puts a log loaded out of time order in order once:
    # that is part of the cost of loading.
    start = time.perf_counter()
    repo.snapshot()
    ingest_seconds += time.perf_counter() - start
    # CPU time of this process over the whole load (batch building included,
    # so a lower bound of the rate): tells a busy machine from a slow engine.
    ingest_cpu = time.process_time() - ingest_cpu
    for name, text, _ in SAVED_SEGMENTS:
        repo.save_segment(Segment(name=name, query=text))
    repo.snapshot()
    gc.collect()
    stored_bytes = resident_bytes() - after_contacts
    contact_bytes = after_contacts - before

    connection = duck.load(data)
    now_sql = f"TIMESTAMPTZ '{NOW.isoformat()}'"

    rows = []
    for query in (*SUITE, *SUITE_V2):
        sql = query.sql.replace("{now}", now_sql)
        ours = evaluate(query.text, repo, now=NOW)
        theirs = frozenset(row[0] for row in connection.execute(sql).fetchall())
        if ours != theirs:
            raise SystemExit(
                f"{query.name}: segmentkit and DuckDB disagree "
                f"({len(ours - theirs)} only in segmentkit, {len(theirs - ours)} only in DuckDB)"
            )
        ours_ms = median_ms(lambda q=query: evaluate(q.text, repo, now=NOW), args.repeat)
        cold_ms = cold_median_ms(query.text, repo.snapshot(), args.repeat)
        theirs_ms = median_ms(lambda s=sql: connection.execute(s).fetchall(), args.repeat)
        rows.append((query.name, ours_ms, cold_ms, theirs_ms, len(ours)))

    print()
    print(f"{args.contacts:,} contacts, {args.interactions:,} interactions; "
          f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print()
    print("| query | segmentkit ms | cold ms | DuckDB ms | ratio | cold ratio | members |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, ours_ms, cold_ms, theirs_ms, members in rows:
        print(f"| {name} | {ours_ms:.2f} | {cold_ms:.2f} | {theirs_ms:.2f} | "
              f"{ours_ms / theirs_ms:.3f} | {cold_ms / theirs_ms:.3f} | {members:,} |")
    for label, column in (("repeated", 1), ("cold", 2)):
        ratios = [row[column] / row[3] for row in rows]
        v1 = ratios[: len(SUITE)]
        print(f"\n{label}: geometric mean of ratios {_geomean(ratios):.3f} "
              f"(v1 queries alone: {_geomean(v1):.3f}); worst: {max(ratios):.3f}")
    print(f"ingestion: {args.interactions / ingest_seconds:,.0f} interactions/s "
          f"through add_interactions (wall clock, the first snapshot's sort included; "
          f"{args.interactions / ingest_cpu:,.0f}/s by CPU time, batch building included)")
    carried = carried_bytes(repo.snapshot())
    print(f"kept for later evaluations after the suite ran: {carried / 1e6:,.1f} MB, "
          f"{carried / args.interactions:,.0f} bytes per interaction")
    print(f"memory: {stored_bytes / args.interactions:,.0f} bytes per stored interaction "
          f"(resident, after the contacts); contacts: {contact_bytes / args.contacts:,.0f} "
          f"bytes each; both together: {(stored_bytes + contact_bytes) / args.interactions:,.0f}"
          " bytes per interaction")
    if args.no_analysis:
        return
    print()
    print("| analysis | median | of |")
    print("|---|---:|---:|")
    contact_ids = [contact["id"] for contact in data.contacts]
    for line in analysis.rows(repo, contact_ids, min(args.repeat, 3)):
        print(line)


if __name__ == "__main__":
    main()

"""``SqlRepository`` over DuckDB against the in-memory engine, in one run.

The same generated data (``benchmarks/data.py``) goes into an
``InMemoryRepository`` and, through the public ``add_contacts`` /
``add_interactions`` (the bulk path, every check), into a ``SqlRepository``
on a DuckDB file; both save the suite's ten segments. Each suite query is
answered from its text by ``segmentkit.evaluate`` on both (which must agree,
else the run stops), then timed: the median of ``--repeat`` runs after a
warm-up. Prints a Markdown table with the ratio SQL / in-memory.

    python -m benchmarks.sql_versus_memory [--contacts N] [--interactions N] [--repeat N]
"""

from __future__ import annotations

import argparse
import math
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from benchmarks.data import NOW, Dataset, generate
from benchmarks.run import BATCH, median_ms
from benchmarks.suite import SAVED_SEGMENTS, SUITE, SUITE_V2
from segmentkit import InMemoryRepository, Segment, evaluate
from segmentkit.sql import SqlRepository


def load_memory(data: Dataset) -> InMemoryRepository:
    repo = InMemoryRepository()
    repo.add_contacts(data.contacts)
    for offset in range(0, len(data.ids), BATCH):
        repo.add_interactions(data.interaction_dicts(offset, offset + BATCH))
    repo.snapshot()
    return repo


def load_sql(connection: Any, data: Dataset) -> tuple[SqlRepository, float]:
    """The repository on ``connection`` and its loading rate (interactions/s)."""
    repo = SqlRepository(connection)
    repo.add_contacts(data.contacts)
    seconds = 0.0
    for offset in range(0, len(data.ids), BATCH):
        batch = data.interaction_dicts(offset, offset + BATCH)
        start = time.perf_counter()
        repo.add_interactions(batch)
        seconds += time.perf_counter() - start
    return repo, len(data.ids) / seconds


def save_segments(*repos: InMemoryRepository | SqlRepository) -> None:
    for repo in repos:
        for name, text, _ in SAVED_SEGMENTS:
            repo.save_segment(Segment(name=name, query=text))


def compare(memory: InMemoryRepository, sql: SqlRepository, repeat: int) -> list[tuple[Any, ...]]:
    """(query, in-memory ms, SQL ms, ratio, members) for every suite query."""
    rows = []
    for query in (*SUITE, *SUITE_V2):
        expected = evaluate(query.text, memory, now=NOW)
        answered = evaluate(query.text, sql, now=NOW)
        if answered != expected:
            raise SystemExit(
                f"{query.name}: SqlRepository and the in-memory engine disagree "
                f"({len(answered - expected)} only in SQL, "
                f"{len(expected - answered)} only in memory)"
            )
        memory_ms = median_ms(lambda q=query: evaluate(q.text, memory, now=NOW), repeat)
        sql_ms = median_ms(lambda q=query: evaluate(q.text, sql, now=NOW), repeat)
        rows.append((query.name, memory_ms, sql_ms, sql_ms / memory_ms, len(expected)))
    return rows


def table(rows: list[tuple[Any, ...]]) -> list[str]:
    lines = ["| query | in-memory ms | SqlRepository (DuckDB) ms | ratio | members |",
             "|---|---:|---:|---:|---:|"]
    for name, memory_ms, sql_ms, ratio, members in rows:
        lines.append(f"| {name} | {memory_ms:.2f} | {sql_ms:.2f} | {ratio:.1f} | {members:,} |")
    geomean = math.exp(sum(math.log(row[3]) for row in rows) / len(rows))
    lines.append("")
    ratios = [row[3] for row in rows]
    lines.append(f"geometric mean of ratios: {geomean:.1f}; "
                 f"best: {min(ratios):.1f}; worst: {max(ratios):.1f}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory-limit", default="4GB", help="DuckDB's memory_limit")
    args = parser.parse_args()

    started = time.perf_counter()
    data = generate(args.contacts, args.interactions)
    print(f"generated {args.contacts:,} contacts and {args.interactions:,} interactions "
          f"in {time.perf_counter() - started:.1f} s", flush=True)
    memory = load_memory(data)
    with tempfile.TemporaryDirectory(prefix="segmentkit-bench-") as folder:
        connection = duckdb.connect(
            str(Path(folder) / "bench.duckdb"), config={"memory_limit": args.memory_limit}
        )
        started = time.perf_counter()
        sql, rate = load_sql(connection, data)
        print(f"SqlRepository loaded in {time.perf_counter() - started:.0f} s: "
              f"{rate:,.0f} interactions/s through add_interactions", flush=True)
        del data
        save_segments(memory, sql)
        rows = compare(memory, sql, args.repeat)
        connection.close()
    print()
    print(f"{args.contacts:,} contacts, {args.interactions:,} interactions; "
          f"{platform.machine()}, Python {platform.python_version()}, "
          f"DuckDB {duckdb.__version__} (memory_limit {args.memory_limit})")
    print()
    print("\n".join(table(rows)))


if __name__ == "__main__":
    main()

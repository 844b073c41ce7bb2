"""Every suite query answered by ``SqlRepository`` on a large DuckDB file,
with the Python process's peak resident memory.

The data is made inside DuckDB (``benchmarks/sql_generate.py``) into a file
(kept with ``--keep``, reused when it already holds the asked sizes), a
sample of the generated keys is checked against Python's, the suite's ten
segments are saved, and then each query runs from its text through
``segmentkit.evaluate``: a warm-up, then the median of ``--repeat`` runs.
DuckDB runs in this process, so its ``memory_limit`` (``--memory-limit``)
bounds most of what the process holds; the peak resident set size
(``ru_maxrss``) is printed after every step.

    python -m benchmarks.sql_file [--contacts N] [--interactions N] [--path FILE]
"""

from __future__ import annotations

import argparse
import platform
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from benchmarks.data import NOW
from benchmarks.sql_generate import generate, verify_sample
from benchmarks.suite import SAVED_SEGMENTS, SUITE, SUITE_V2
from segmentkit import Segment, evaluate
from segmentkit.sql import SqlRepository


def peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def open_database(path: Path, memory_limit: str, threads: int) -> Any:
    return duckdb.connect(str(path), config={
        "memory_limit": memory_limit,
        "threads": threads,
        # Spill where the file is, not in /tmp; no ordering kept for inserts.
        "temp_directory": str(path.parent / (path.name + ".tmp")),
        "preserve_insertion_order": False,
    })


def prepared(connection: Any, contacts: int, interactions: int) -> tuple[SqlRepository, bool]:
    """The repository on ``connection``, generated unless it already holds the sizes."""
    existing = {name for (name,) in connection.execute("SELECT table_name FROM duckdb_tables()")
                .fetchall()}
    if "segmentkit_interactions" in existing:
        counts = connection.execute(
            "SELECT (SELECT count(*) FROM segmentkit_contacts), "
            "(SELECT count(*) FROM segmentkit_interactions)"
        ).fetchone()
        if counts == (contacts, interactions):
            return SqlRepository(connection), False
        raise SystemExit(f"the file holds {counts[0]:,} contacts and {counts[1]:,} "
                         "interactions, not the sizes asked: remove it or pick another --path")
    return generate(connection, contacts, interactions), True


def run(path: Path, contacts: int, interactions: int, repeat: int, memory_limit: str,
        threads: int) -> list[str]:
    """Markdown lines: what was done, then a table of the suite's timings."""
    lines = []
    connection = open_database(path, memory_limit, threads)
    started = time.perf_counter()
    repo, made = prepared(connection, contacts, interactions)
    if made:
        connection.execute("CHECKPOINT")
        lines.append(f"generated {contacts:,} contacts and {interactions:,} interactions inside "
                     f"DuckDB in {time.perf_counter() - started:.0f} s; "
                     f"peak RSS so far {peak_rss_mb():,.0f} MB")
    checked = verify_sample(connection, repo)
    lines.append(f"{checked:,} sampled rows: SQL-made JSON and keys equal Python's")
    for name, text, _ in SAVED_SEGMENTS:
        repo.save_segment(Segment(name=name, query=text))
    size = path.stat().st_size / 1e9
    lines.append(f"file: {size:.1f} GB; DuckDB {duckdb.__version__}, memory_limit "
                 f"{memory_limit}, {threads} threads; {platform.machine()}, "
                 f"Python {platform.python_version()}")
    lines += ["", "| query | median s | runs | members | peak RSS after, MB |",
              "|---|---:|---:|---:|---:|"]
    for query in (*SUITE, *SUITE_V2):
        members = evaluate(query.text, repo, now=NOW)  # warm-up, and the answer
        timings = []
        for _ in range(repeat):
            start = time.perf_counter()
            evaluate(query.text, repo, now=NOW)
            timings.append(time.perf_counter() - start)
        lines.append(f"| {query.name} | {statistics.median(timings):.2f} | {repeat} | "
                     f"{len(members):,} | {peak_rss_mb():,.0f} |")
        print(lines[-1], flush=True)
    connection.close()
    lines.append("")
    lines.append(f"peak resident set size of the process: {peak_rss_mb():,.0f} MB")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--interactions", type=int, default=100_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory-limit", default="1GB", help="DuckDB's memory_limit")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--path", type=Path, help="the DuckDB file (default: a temporary one)")
    args = parser.parse_args()
    sizes = (args.contacts, args.interactions, args.repeat, args.memory_limit, args.threads)
    if args.path is not None:
        lines = run(args.path, *sizes)
    else:
        with tempfile.TemporaryDirectory(prefix="segmentkit-bench-") as folder:
            lines = run(Path(folder) / "bench.duckdb", *sizes)
    print()
    print("\n".join(lines))


if __name__ == "__main__":
    main()

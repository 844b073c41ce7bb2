"""Every suite query answered by ``SqlRepository`` on a large DuckDB file,
with the Python process's peak resident memory.

The data is made inside DuckDB (``benchmarks/sql_generate.py``) into a file
(``--path``; reused when it already holds the asked sizes), in a child
process with a memory limit of its own (``--generate-memory-limit``), a
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
import multiprocessing
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
    connection = duckdb.connect(str(path), config={
        "memory_limit": memory_limit,
        "threads": threads,
        # Spill where the file is, not in /tmp; no ordering kept for inserts.
        "temp_directory": str(path.parent / (path.name + ".tmp")),
        "preserve_insertion_order": False,
    })
    connection.execute("SET enable_progress_bar = false")  # it would fill the log
    return connection


def make_file(path: Path, contacts: int, interactions: int, memory_limit: str,
              threads: int) -> None:
    """Generate the data into a new file (run in a child process)."""
    connection = open_database(path, memory_limit, threads)
    generate(connection, contacts, interactions)
    connection.execute("CHECKPOINT")
    connection.close()


def ensure_file(path: Path, contacts: int, interactions: int, memory_limit: str,
                threads: int) -> str | None:
    """Generate the file unless it already holds the sizes; says what it did.

    Generation runs in a child process with its own ``memory_limit``: while
    DuckDB writes, the primary key's and the indexes' trees grow with the
    table (about 85 bytes a row) and stay in memory, which a 100M-row table
    does not fit in 2 GB. The child's peak is reported apart; this process
    only opens the finished file.
    """
    if path.exists():
        connection = duckdb.connect(str(path), read_only=True)
        counts = connection.execute(
            "SELECT (SELECT count(*) FROM segmentkit_contacts), "
            "(SELECT count(*) FROM segmentkit_interactions)"
        ).fetchone()
        connection.close()
        if counts == (contacts, interactions):
            return None
        raise SystemExit(f"{path} holds other sizes than asked ({counts}): remove it "
                         "or pick another --path")
    started = time.perf_counter()
    child = multiprocessing.get_context("spawn").Process(
        target=make_file, args=(path, contacts, interactions, memory_limit, threads)
    )
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"generating {path} failed (exit code {child.exitcode})")
    child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return (f"generated {contacts:,} contacts and {interactions:,} interactions inside "
            f"DuckDB in {time.perf_counter() - started:.0f} s, in a child process with "
            f"memory_limit {memory_limit} (its peak RSS: {child_peak:,.0f} MB)")


def run(path: Path, contacts: int, interactions: int, repeat: int, memory_limit: str,
        threads: int, generate_memory_limit: str) -> list[str]:
    """Markdown lines: what was done, then a table of the suite's timings."""
    made = ensure_file(path, contacts, interactions, generate_memory_limit, threads)
    lines = [made] if made else []
    connection = open_database(path, memory_limit, threads)
    repo = SqlRepository(connection)
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
    parser.add_argument("--generate-memory-limit", default="12GB",
                        help="DuckDB's memory_limit while the file is generated")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--path", type=Path, help="the DuckDB file (default: a temporary one)")
    args = parser.parse_args()
    sizes = (args.contacts, args.interactions, args.repeat, args.memory_limit, args.threads,
             args.generate_memory_limit)
    if args.path is not None:
        lines = run(args.path, *sizes)
    else:
        with tempfile.TemporaryDirectory(prefix="segmentkit-bench-") as folder:
            lines = run(Path(folder) / "bench.duckdb", *sizes)
    print()
    print("\n".join(lines))


if __name__ == "__main__":
    main()

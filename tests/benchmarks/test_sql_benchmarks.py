"""The SQL benchmarks run at a tiny size, so they do not rot between full
runs, and their data means what the benchmark says."""

from __future__ import annotations

from pathlib import Path

import duckdb
from benchmarks.data import NOW, generate
from benchmarks.suite import SUITE, SUITE_V2

from benchmarks import sql_file, sql_generate, sql_versus_memory
from segmentkit import InMemoryRepository, evaluate

QUERIES = (*SUITE, *SUITE_V2)


def test_sql_versus_memory_compares_every_query() -> None:
    data = generate(300, 4_000)
    memory = sql_versus_memory.load_memory(data)
    sql, rate = sql_versus_memory.load_sql(duckdb.connect(), data)
    assert rate > 0
    sql_versus_memory.save_segments(memory, sql)
    rows = sql_versus_memory.compare(memory, sql, repeat=1)  # stops if the answers differ
    assert [row[0] for row in rows] == [query.name for query in QUERIES]
    assert any(row[4] for row in rows)
    assert sql_versus_memory.table(rows)[2].startswith(f"| {QUERIES[0].name} |")


def test_data_made_in_duckdb_answers_as_in_memory() -> None:
    """The rows made in SQL, read back as records into the in-memory engine,
    give every suite query the answer SqlRepository gives on the SQL rows."""
    connection = duckdb.connect()
    repo = sql_generate.generate(connection, 400, 20_000)
    assert sql_generate.verify_sample(connection, repo, size=500) == 400 + 500
    memory = InMemoryRepository()
    memory.add_contacts(list(repo.contacts()))
    memory.add_interactions(list(repo.interactions()))
    sql_versus_memory.save_segments(memory, repo)
    answered = 0
    for query in QUERIES:
        expected = evaluate(query.text, memory, now=NOW)
        assert evaluate(query.text, repo, now=NOW) == expected, query.name
        answered += bool(expected)
    assert answered >= len(QUERIES) - 2  # the data reaches (nearly) every query


def test_sql_file_runs_the_suite(tmp_path: Path) -> None:
    path = tmp_path / "bench.duckdb"
    lines = sql_file.run(path, 300, 5_000, repeat=1, memory_limit="500MB", threads=1,
                         generate_memory_limit="500MB")
    assert lines[0].startswith("generated 300 contacts and 5,000 interactions")
    for query in QUERIES:
        assert any(line.startswith(f"| {query.name} |") for line in lines)
    assert lines[-1].startswith("peak resident set size")
    # The file is reused when it already holds the sizes asked for.
    again = sql_file.run(path, 300, 5_000, repeat=1, memory_limit="500MB", threads=1,
                         generate_memory_limit="500MB")
    assert not again[0].startswith("generated")

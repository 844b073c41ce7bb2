"""Loading speed of ``SqlRepository``: interactions per second through the
public ``add_interactions`` (every check included), on DuckDB and, when
``--postgres URL`` (or ``SEGMENTKIT_TEST_POSTGRES``) names a server, on
PostgreSQL, in batches of ``--batch`` plain dicts (as from JSON).

    python -m benchmarks.sql_load [--contacts N] [--interactions N] [--batch N]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import duckdb

from benchmarks.data import Dataset, generate
from segmentkit.sql import SqlRepository, TableLayout

SCHEMA = "segmentkit_bench_load"


@contextmanager
def duckdb_repository() -> Iterator[SqlRepository]:
    connection = duckdb.connect(":memory:")
    try:
        yield SqlRepository(connection)
    finally:
        connection.close()


@contextmanager
def postgres_repository(url: str) -> Iterator[SqlRepository]:
    import psycopg

    connection: Any = psycopg.connect(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')
            cursor.execute(f'CREATE SCHEMA "{SCHEMA}"')
        connection.commit()
        yield SqlRepository(connection, layout=TableLayout(schema_name=SCHEMA))
    finally:
        connection.rollback()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')
        connection.commit()
        connection.close()


def load_rate(repo: SqlRepository, data: Dataset, batch: int) -> tuple[float, float]:
    """(contacts/s, interactions/s) through the public API, batches built outside the clock."""
    start = time.perf_counter()
    repo.add_contacts(data.contacts)
    contact_rate = len(data.contacts) / (time.perf_counter() - start)
    seconds = 0.0
    total = len(data.ids)
    for offset in range(0, total, batch):
        records = data.interaction_dicts(offset, offset + batch, fresh_ids=True)
        start = time.perf_counter()
        repo.add_interactions(records)
        seconds += time.perf_counter() - start
    return contact_rate, total / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--interactions", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=100_000)
    parser.add_argument("--postgres", default=os.environ.get("SEGMENTKIT_TEST_POSTGRES"))
    args = parser.parse_args()
    data = generate(args.contacts, args.interactions)
    engines: list[tuple[str, Callable[[], Any]]] = [("DuckDB", duckdb_repository)]
    if args.postgres:
        engines.append(("PostgreSQL", lambda: postgres_repository(args.postgres)))
    print(f"{args.contacts:,} contacts, {args.interactions:,} interactions, "
          f"batches of {args.batch:,}")
    print()
    print("| engine | contacts/s | interactions/s |")
    print("|---|---:|---:|")
    for name, opened in engines:
        with opened() as repo:
            contact_rate, interaction_rate = load_rate(repo, data, args.batch)
        print(f"| {name} | {contact_rate:,.0f} | {interaction_rate:,.0f} |", flush=True)


if __name__ == "__main__":
    main()

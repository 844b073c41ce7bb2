"""Ingestion speed: the same interactions as plain dicts and as Arrow tables;
then the time to save the repository as a snapshot and to open it again.

    python -m benchmarks.arrow_ingest [--contacts N] [--interactions N]

Both go through the public ``add_interactions`` in batches of 100,000, with
every check; the time counts the calls and the first snapshot (which sorts
a log loaded out of time order), not building the batches. The Arrow
tables hold one column per property (null where a record lacks it) and a
``timestamp[us, tz=UTC]`` column. The records come in random time order,
each batch spanning the whole period; the Arrow tables are loaded a second
time sorted by timestamp, as an export often is.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow as pa

from benchmarks.data import Dataset, generate
from segmentkit import InMemoryRepository

BATCH = 100_000


def arrow_batch(data: Dataset, start: int, stop: int) -> pa.Table:
    properties = data.properties[start:stop]
    names = sorted(set().union(*properties))
    columns: dict[str, Any] = {
        "id": pa.array(data.ids[start:stop], pa.string()),
        "type": pa.array(data.types[start:stop], pa.string()),
        "contact_id": pa.array(data.contact_ids[start:stop], pa.string()),
        "timestamp": pa.array(data.timestamps[start:stop], pa.timestamp("us", tz="UTC")),
    }
    for name in names:
        columns[name] = pa.array([row.get(name) for row in properties])
    return pa.table(columns)


def in_time_order(data: Dataset) -> Dataset:
    """The same records sorted by timestamp (ties in their order)."""
    order = sorted(range(len(data.ids)), key=data.timestamps.__getitem__)

    def picked(column: list[Any]) -> list[Any]:
        return [column[index] for index in order]

    return Dataset(
        data.contacts, picked(data.ids), picked(data.types), picked(data.contact_ids),
        picked(data.timestamps), picked(data.properties),
    )


def load(data: Dataset, batches: list[Any]) -> tuple[InMemoryRepository, float, float]:
    """The repository, and wall-clock and CPU seconds of the calls and the first snapshot."""
    repo = InMemoryRepository()
    repo.add_contacts(data.contacts)
    started, cpu = time.perf_counter(), time.process_time()
    for batch in batches:
        repo.add_interactions(batch)
    repo.snapshot()
    return repo, time.perf_counter() - started, time.process_time() - cpu


def timed(action: Any) -> tuple[Any, float, float]:
    started, cpu = time.perf_counter(), time.process_time()
    result = action()
    return result, time.perf_counter() - started, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    args = parser.parse_args()
    data = generate(args.contacts, args.interactions)
    bounds = [(start, min(start + BATCH, args.interactions))
              for start in range(0, args.interactions, BATCH)]
    # Untimed: the first Arrow calls of a process (kernels, the id pattern) cost
    # tens of milliseconds once; each load below then measures the steady state.
    load(data, [arrow_batch(data, 0, min(1_000, args.interactions))])
    tables = [arrow_batch(data, start, stop) for start, stop in bounds]
    repo, *arrow = load(data, tables)
    del tables
    ordered = in_time_order(data)
    tables = [arrow_batch(ordered, start, stop) for start, stop in bounds]
    loaded, *arrow_ordered = load(ordered, tables)
    del loaded, tables, ordered  # at 10M, one repository fewer in memory
    dicts = [data.interaction_dicts(start, stop, fresh_ids=True) for start, stop in bounds]
    _, *plain = load(data, dicts)
    del dicts
    # CPU time too: on a shared machine the wall clock measures the neighbours.
    for label, (wall, cpu) in (
        ("Arrow tables", arrow), ("in time order", arrow_ordered), ("plain dicts", plain)
    ):
        print(f"{label:>13}: {args.interactions / wall:>10,.0f} interactions/s wall clock, "
              f"{args.interactions / cpu:>10,.0f}/s CPU ({wall:.2f} s, {cpu:.2f} s CPU "
              f"for {args.interactions:,})")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "snapshot"
        _, wall, cpu = timed(lambda: repo.save(path))
        size = sum(file.stat().st_size for file in path.rglob("*") if file.is_file())
        print(f"        save: {wall:.2f} s ({cpu:.2f} s CPU), {size / 1e6:.1f} MB on disk")
        # The median of five: one open in a few meets the collector's full
        # pass over the whole heap, due by then whoever allocated it.
        opens = sorted(timed(lambda: InMemoryRepository.open(path))[1:] for _ in range(5))
        wall, cpu = opens[len(opens) // 2]
        print(f"        open: {wall:.2f} s ({cpu:.2f} s CPU), median of {len(opens)}")


if __name__ == "__main__":
    main()

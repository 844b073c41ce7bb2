"""Ingestion speed: the same interactions as plain dicts and as Arrow tables;
then the time to save the repository as a snapshot and to open it again.

    python -m benchmarks.arrow_ingest [--contacts N] [--interactions N]

Both go through the public ``add_interactions`` in batches of 100,000, with
every check; the time counts the calls and the first snapshot (which sorts
a log loaded out of time order), not building the batches. The Arrow
tables hold one column per property (null where a record lacks it) and a
``timestamp[us, tz=UTC]`` column. The records come in random time order,
each batch spanning the whole period; the Arrow tables are loaded a second
time sorted by timestamp, as an export often is. Each kind is loaded
``--repeat`` times (the median is printed, and each load's time).
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


def loads(
    data: Dataset, batches: list[Any], repeat: int
) -> tuple[InMemoryRepository, list[float], float]:
    """The repository of the first of ``repeat`` loads, the wall-clock seconds of
    each, and the median's CPU seconds."""
    repo, wall, cpu = load(data, batches)
    times = [(wall, cpu)]
    for _ in range(repeat - 1):
        _, wall, cpu = load(data, batches)
        times.append((wall, cpu))
    walls = [wall for wall, _ in times]
    return repo, walls, sorted(times)[len(times) // 2][1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="loads of each kind (median)")
    args = parser.parse_args()
    data = generate(args.contacts, args.interactions)
    bounds = [(start, min(start + BATCH, args.interactions))
              for start in range(0, args.interactions, BATCH)]
    # Untimed: the first Arrow calls of a process (kernels, the id pattern) cost
    # tens of milliseconds once.
    load(data, [arrow_batch(data, 0, min(1_000, args.interactions))])
    tables = [arrow_batch(data, start, stop) for start, stop in bounds]
    repo, arrow_walls, arrow_cpu = loads(data, tables, args.repeat)
    del tables
    ordered = in_time_order(data)
    tables = [arrow_batch(ordered, start, stop) for start, stop in bounds]
    loaded, ordered_walls, ordered_cpu = loads(ordered, tables, args.repeat)
    del loaded, tables, ordered  # at 10M, one repository fewer in memory
    dicts = [data.interaction_dicts(start, stop, fresh_ids=True) for start, stop in bounds]
    _, plain_walls, plain_cpu = loads(data, dicts, args.repeat)
    del dicts
    # The first load of a process also pays the kernel for fresh memory
    # (about 0.15 s at 1M); later ones reuse what the one before freed.
    # CPU time too: on a shared machine the wall clock measures the neighbours.
    for label, walls, cpu in (
        ("Arrow tables", arrow_walls, arrow_cpu),
        ("in time order", ordered_walls, ordered_cpu),
        ("plain dicts", plain_walls, plain_cpu),
    ):
        wall = sorted(walls)[len(walls) // 2]
        print(f"{label:>13}: {args.interactions / wall:>10,.0f} interactions/s wall clock, "
              f"{args.interactions / cpu:>10,.0f}/s CPU ({wall:.2f} s, {cpu:.2f} s CPU "
              f"for {args.interactions:,}, median of {len(walls)}; "
              f"each: {', '.join(f'{w:.2f}' for w in walls)} s)")
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

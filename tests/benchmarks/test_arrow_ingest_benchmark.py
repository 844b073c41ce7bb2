"""The Arrow ingestion benchmark loads what it says: the same records in
random and in time order, each way giving the same repository."""

from __future__ import annotations

from benchmarks.arrow_ingest import arrow_batch, in_time_order, load
from benchmarks.data import generate


def test_records_in_time_order_load_the_same_repository() -> None:
    data = generate(200, 3_000)
    ordered = in_time_order(data)
    assert sorted(ordered.ids) == sorted(data.ids)
    assert ordered.timestamps == sorted(data.timestamps)
    assert ordered.timestamps != data.timestamps  # the benchmark's data really is shuffled
    repos = []
    for source in (data, ordered):
        tables = [arrow_batch(source, start, start + 1_000) for start in range(0, 3_000, 1_000)]
        repo, wall, cpu = load(source, tables)
        assert wall > 0 and cpu > 0
        repos.append(repo)
    random_order, time_order = repos
    for name in random_order.types():
        assert list(random_order.interactions(name)) == list(time_order.interactions(name))

"""The loaders' ``progress`` callback (``io/progress.py``): JSON Lines reports
bytes up to the file's size, Parquet rows up to both files' rows; without a
callback, or with one, a load gives the same repository and the same errors."""

from __future__ import annotations

import io
import json
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segmentkit import InMemoryRepository, RecordError
from segmentkit.io import parquet, progress
from segmentkit.io.jsonl import dump_repository, load_jsonl, load_repository, read_jsonl_text
from segmentkit.io.parquet import load_parquet
from segmentkit.sample.data import load_sample

Calls = list[tuple[int, int | None]]


def _recorder() -> tuple[Calls, Any]:
    calls: Calls = []
    return calls, lambda done, total: calls.append((done, total))


def _state(repo: InMemoryRepository) -> tuple[Any, ...]:
    return (list(repo.contacts()), sorted(repo.interactions(), key=lambda r: r.id),
            list(repo.segments()), repo.attributes())


@pytest.fixture(scope="module")
def sample_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample as a JSON Lines file: about 4,300 lines, 0.7 MB, some not ASCII."""
    path = tmp_path_factory.mktemp("sample") / "sample.jsonl"
    path.write_text("".join(dump_repository(load_sample())), encoding="utf-8")
    return path


def _check_calls(calls: Calls, total: int | None, done: int) -> None:
    assert calls[0] == (0, total)
    assert calls[-1] == (done, total)
    counts = [count for count, _ in calls]
    assert counts == sorted(counts)
    assert {reported for _, reported in calls} == {total}


# --- JSON Lines ---------------------------------------------------------------------


def test_a_file_reports_bytes_up_to_its_size(sample_file: Path) -> None:
    calls, callback = _recorder()
    loaded = load_repository(sample_file, progress=callback)
    size = sample_file.stat().st_size
    _check_calls(calls, size, size)
    # Calls come every REPORT_EVERY bytes or so, not once a line.
    assert 1 <= len(calls) - 2 <= size // progress.REPORT_EVERY
    assert _state(loaded) == _state(load_repository(sample_file))


def test_text_reports_its_size_in_utf8(sample_file: Path) -> None:
    text = sample_file.read_text(encoding="utf-8") + '{"kind": "contact", "id": "Ærø"}'
    size = len(text.encode("utf-8"))
    assert size > len(text)  # the count is of bytes, not characters
    calls, callback = _recorder()
    records = read_jsonl_text(text, progress=callback)
    _check_calls(calls, size, size)
    assert records == read_jsonl_text(text)


def test_lines_report_their_bytes_without_a_total(sample_file: Path) -> None:
    lines = sample_file.read_text(encoding="utf-8").splitlines(keepends=True)
    calls, callback = _recorder()
    records = load_jsonl(lines, progress=callback)
    _check_calls(calls, None, sample_file.stat().st_size)
    assert records == load_jsonl(lines)


def test_an_empty_file_reports_zero_of_zero(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    calls, callback = _recorder()
    assert list(load_repository(path, progress=callback).contacts()) == []
    assert calls == [(0, 0), (0, 0)]


def test_a_refusal_is_the_same_with_a_callback(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    lines = [json.dumps({"kind": "contact", "id": f"c{n}"}) for n in range(3000)]
    lines[2500] = '{"kind": "contact"}'
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(RecordError) as without:
        load_repository(path)
    calls, callback = _recorder()
    with pytest.raises(RecordError) as with_progress:
        load_repository(path, progress=callback)
    assert str(with_progress.value) == str(without.value)
    assert with_progress.value.line == 2501
    assert 0 < calls[-1][0] < path.stat().st_size  # stopped part way


def test_records_already_read_are_not_reported(sample_file: Path) -> None:
    calls, callback = _recorder()
    load_repository(load_jsonl(sample_file), progress=callback)
    assert calls == []


def test_a_callback_that_raises_stops_the_load(sample_file: Path) -> None:
    def interrupt(done: int, total: int | None) -> None:
        if done > 0:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        load_repository(sample_file, progress=interrupt)


def test_without_a_callback_the_lines_are_passed_through() -> None:
    handle = io.BytesIO(b"{}\n")
    lines = [b"{}"]
    text_lines = ["{}"]
    assert progress.counted_file(handle, None) is handle
    assert progress.counted_lines(lines, None) is lines
    assert progress.counted_text(text_lines, None) is text_lines


# --- Parquet ------------------------------------------------------------------------

CONTACTS = pa.table({"id": [f"c{n}" for n in range(5)]})
INTERACTIONS = pa.table({
    "id": [f"i{n}" for n in range(7)],
    "type": ["WebsiteVisited"] * 7,
    "contact_id": [f"c{n % 5}" for n in range(7)],
    "timestamp": pa.array([0] * 7, pa.timestamp("us", tz="UTC")),
})


def _parquet_directory(tmp_path: Path) -> Path:
    pq.write_table(CONTACTS, tmp_path / "contacts.parquet")
    pq.write_table(INTERACTIONS, tmp_path / "interactions.parquet")
    return tmp_path


def test_parquet_reports_rows_after_each_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = _parquet_directory(tmp_path)
    # parquet_batches binds its default batch size when defined: patch the function.
    monkeypatch.setattr(parquet, "parquet_batches", partial(parquet.parquet_batches, rows=3))
    calls, callback = _recorder()
    loaded = load_parquet(directory, progress=callback)
    # contacts in batches of 3 and 2, then interactions of 3, 3 and 1; then the last call.
    assert calls == [(0, 12), (3, 12), (5, 12), (8, 12), (11, 12), (12, 12), (12, 12)]
    assert _state(loaded) == _state(load_parquet(directory))


def test_parquet_refusals_are_the_same_with_a_callback(tmp_path: Path) -> None:
    (tmp_path / "contacts.parquet").write_text("not parquet")
    with pytest.raises(Exception) as without:
        load_parquet(tmp_path)
    calls, callback = _recorder()
    with pytest.raises(type(without.value)) as with_progress:
        load_parquet(tmp_path, progress=callback)
    assert str(with_progress.value) == str(without.value)
    assert "cannot be read as Parquet" in str(without.value)
    assert calls == [(0, None)]  # no total from a file that is not Parquet

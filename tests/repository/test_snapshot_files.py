"""Snapshot directories (``repository/snapshot_files.py``): saved atomically,
opened only when whole and ours, and a working repository once opened.
The round trip over generated repositories is in
``tests/properties/test_round_trip.py``."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from segmentkit import DataFileError, InMemoryRepository, RecordError, SnapshotError, evaluate
from segmentkit.marketing import Marketing
from segmentkit.repository import snapshot_files

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def example() -> InMemoryRepository:
    repo = InMemoryRepository()
    repo.register_type({"name": "Call", "fields": {"outcome": "text", "minutes": "number"}})
    repo.declare_attributes({"country": "text"})
    repo.add_contacts([{"id": "ann", "attributes": {"country": "DK"}}, {"id": "bob"}])
    repo.add_interactions([
        {"id": f"c{n}", "type": "Call", "contact_id": "ann" if n % 2 else "bob",
         "timestamp": NOW - timedelta(days=n), "properties": {"outcome": "won", "minutes": n}}
        for n in range(5)
    ])
    repo.save_segment({"name": "Callers", "query": "Call at least 2 times in last 30 days"})
    Marketing(repo).add_salesperson({"code": "SP1", "name": "Sam"})
    return repo


def state(repo: InMemoryRepository) -> tuple[Any, ...]:
    return (list(repo.contacts()), sorted(repo.interactions(), key=lambda r: r.id),
            dict(repo.types()), list(repo.segments()), dict(repo.attributes()),
            repo.extension_state("marketing"))


def test_an_opened_snapshot_is_a_working_repository(tmp_path: Path) -> None:
    repo = example()
    repo.save(tmp_path / "snap")
    opened = InMemoryRepository.open(tmp_path / "snap")
    assert state(opened) == state(repo)
    assert opened.members("Callers", now=NOW) == {"ann", "bob"}
    # Writes after opening: ids already stored are known, new records sort in.
    with pytest.raises(RecordError, match="already in the repository"):
        opened.add_interactions([{"id": "c1", "type": "Call", "contact_id": "ann",
                                  "timestamp": NOW}])
    opened.add_interactions([{"id": "late", "type": "Call", "contact_id": "bob",
                              "timestamp": NOW - timedelta(days=10),
                              "properties": {"outcome": "won"}}])
    # bob had three calls when saved; the late one makes four.
    assert evaluate('Call where outcome = "won" at least 4 times', opened, now=NOW) == {"bob"}
    with opened.transaction():
        opened.cancel_interactions(["c0"])
    assert opened.get_interaction("c0").canceled  # type: ignore[union-attr]


def test_saving_again_replaces_the_snapshot_and_leaves_one_data_directory(
    tmp_path: Path,
) -> None:
    repo = example()
    path = tmp_path / "snap"
    repo.save(path)
    repo.add_contacts([{"id": "cy"}])
    repo.save(path)
    assert sorted(p.name for p in path.iterdir() if p.name != "manifest.json") == [
        json.loads((path / "manifest.json").read_text())["data"]
    ]
    assert state(InMemoryRepository.open(path)) == state(repo)


def test_a_crash_mid_save_leaves_the_previous_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "snap"
    before = example()
    before.save(path)
    after = example()
    after.add_contacts([{"id": "cy"}])
    real = snapshot_files._write_parquet
    calls: list[Path] = []

    def crashing(parquet: Any, table: Any, file: Path) -> None:
        calls.append(file)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the process dies half way through the files
        real(parquet, table, file)

    monkeypatch.setattr(snapshot_files, "_write_parquet", crashing)
    with pytest.raises(KeyboardInterrupt):
        after.save(path)
    monkeypatch.undo()
    assert state(InMemoryRepository.open(path)) == state(before)
    assert len(list(path.glob("data-*"))) == 1


def test_a_crash_after_the_files_but_before_the_manifest_is_the_old_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "snap"
    before = example()
    before.save(path)
    after = example()
    after.add_contacts([{"id": "cy"}])
    real = snapshot_files.replace_atomically

    def crashing(target: Path, text: str) -> None:
        if Path(target).name == "manifest.json":
            raise OSError("disk full")
        real(target, text)

    monkeypatch.setattr(snapshot_files, "replace_atomically", crashing)
    with pytest.raises(OSError, match="disk full"):
        after.save(path)
    monkeypatch.undo()
    assert state(InMemoryRepository.open(path)) == state(before)


def saved(tmp_path: Path) -> tuple[Path, Path]:
    path = tmp_path / "snap"
    example().save(path)
    data = path / json.loads((path / "manifest.json").read_text())["data"]
    return path, data


def rewrite_manifest(path: Path, change: Any) -> None:
    manifest = json.loads((path / "manifest.json").read_text())
    change(manifest)
    (path / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda path, data: (data / "contacts.parquet").write_bytes(b"PAR1junkPAR1"),
         "is damaged: contacts.parquet is missing or changed since it was saved"),
        (lambda path, data: (data / "segments.json").unlink(),
         "is damaged: segments.json is missing"),
        (lambda path, data: next((data / "logs").iterdir()).write_bytes(b""),
         r"is damaged: logs/\d+.parquet"),
        (lambda path, data: (path / "manifest.json").write_text("{not json"),
         "has an unreadable manifest.json"),
        (lambda path, data: (path / "manifest.json").unlink(),
         r"is not a segmentkit snapshot \(no manifest.json\)"),
        (lambda path, data: rewrite_manifest(path, lambda m: m.update(version=2)),
         "is a snapshot of format version 2; this segmentkit reads version 1"),
        (lambda path, data: rewrite_manifest(path, lambda m: m.update(format="other")),
         "is not a segmentkit snapshot"),
        (lambda path, data: rewrite_manifest(path, lambda m: m.update(data="../elsewhere")),
         "has a damaged manifest.json"),
    ],
)
def test_a_damaged_or_foreign_directory_is_refused(
    tmp_path: Path, damage: Any, problem: str
) -> None:
    path, data = saved(tmp_path)
    damage(path, data)
    with pytest.raises(SnapshotError, match=problem) as refused:
        InMemoryRepository.open(path)
    assert refused.value.path == str(path)


def test_a_consistent_but_foreign_snapshot_imports_nothing_of_its_choosing(
    tmp_path: Path,
) -> None:
    path, data = saved(tmp_path)
    extensions = {"marketing": {"class": "os:system", "state": {}}}
    (data / "extensions.json").write_text(json.dumps(extensions))
    digest = snapshot_files._digest(data / "extensions.json")
    rewrite_manifest(path, lambda m: m["files"].update({"extensions.json": digest}))
    with pytest.raises(SnapshotError, match="unknown class 'os:system'"):
        InMemoryRepository.open(path)


def test_contacts_saved_twice_under_one_id_are_refused_and_the_collector_is_back(
    tmp_path: Path,
) -> None:
    import gc

    import pyarrow.parquet as parquet

    path, data = saved(tmp_path)
    table = parquet.read_table(data / "contacts.parquet")
    parquet.write_table(table.take([0, 1, 0]), data / "contacts.parquet")
    digest = snapshot_files._digest(data / "contacts.parquet")
    rewrite_manifest(path, lambda m: m["files"].update({"contacts.parquet": digest}))
    assert gc.isenabled()
    with pytest.raises(SnapshotError, match="contacts' ids are not distinct"):
        InMemoryRepository.open(path)
    assert gc.isenabled()  # paused while loading, and put back after the refusal


def test_a_directory_that_is_not_a_snapshot_is_not_replaced(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(SnapshotError, match="not a segmentkit snapshot; not replacing it"):
        example().save(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]
    (tmp_path / "file").write_text("")
    with pytest.raises(SnapshotError, match="is not a directory"):
        example().save(tmp_path / "file")


def test_an_empty_directory_becomes_a_snapshot(tmp_path: Path) -> None:
    repo = example()
    repo.save(tmp_path)
    assert state(InMemoryRepository.open(tmp_path)) == state(repo)


def test_without_pyarrow_saving_and_opening_say_which_extra_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    example().save(tmp_path / "snap")
    for name in ("pyarrow", "pyarrow.parquet", "pyarrow.dataset"):
        monkeypatch.setitem(sys.modules, name, None)  # as if not installed
    with pytest.raises(DataFileError, match=r"saving a snapshot needs pyarrow: pip install"):
        example().save(tmp_path / "other")
    with pytest.raises(DataFileError, match=r"opening a snapshot needs pyarrow"):
        InMemoryRepository.open(tmp_path / "snap")

"""``load_parquet`` (``io/parquet.py``) and ``--data`` with Parquet: the files
mean their tables, batches are checked as ``add_*`` checks them, and a bad
file or record is named."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segmentkit import (
    DataFileError,
    InMemoryRepository,
    InvalidArgumentError,
    RecordError,
    evaluate,
)
from segmentkit.cli import main
from segmentkit.io import parquet
from segmentkit.io.parquet import load_parquet

NOW = datetime(2026, 11, 10, tzinfo=UTC)
STAMP = pa.timestamp("us", tz="Europe/Copenhagen")
CONTACTS = pa.table({
    "id": ["ann", "bob", "cy"],
    "name": ["Ann", None, "Cy"],
    "attributes": pa.array(
        [{"country": "DK", "signup": date(2026, 1, 5)}, {"country": "SE", "signup": None},
         {"country": None, "signup": None}],
        pa.struct([("country", pa.string()), ("signup", pa.date32())]),
    ),
})
INTERACTIONS = pa.table({
    "id": [f"i{n}" for n in range(6)],
    "type": ["EmailOpened", "EmailOpened", "EmailClicked", "EventRegistration",
             "EmailOpened", "WebsiteVisited"],
    "contact_id": ["ann", "ann", "bob", "cy", "bob", "cy"],
    "timestamp": pa.array([NOW - timedelta(days=n) for n in range(6)], STAMP),
    "messageId": ["m1", "m1", "m2", None, "m3", None],
    "linkUrl": [None, None, "https://contoso.com/pricing", None, None, None],
    "eventId": [None, None, None, "e1", None, None],
    "registrantId": [None, None, None, "cy", None, None],
    "attendeeId": [None, None, None, "ann", None, None],
    "durationSeconds": [None, None, None, None, None, 42],
})


def written(directory: Path, contacts: pa.Table = CONTACTS,
            interactions: pa.Table | None = INTERACTIONS) -> Path:
    directory.mkdir(exist_ok=True)
    pq.write_table(contacts, directory / "contacts.parquet")
    if interactions is not None:
        pq.write_table(interactions, directory / "interactions.parquet")
    return directory


def from_tables(contacts: pa.Table = CONTACTS,
                interactions: pa.Table = INTERACTIONS) -> InMemoryRepository:
    repo = InMemoryRepository()
    repo.add_contacts(contacts)
    repo.add_interactions(interactions)
    return repo


def state(repo: InMemoryRepository) -> tuple[Any, ...]:
    return list(repo.contacts()), sorted(repo.interactions(), key=lambda r: r.id)


def test_a_directory_reads_as_its_tables(tmp_path: Path) -> None:
    loaded = load_parquet(written(tmp_path / "data"))
    assert state(loaded) == state(from_tables())
    assert loaded.get_contact("ann").attributes == {  # type: ignore[union-attr]
        "country": "DK", "signup": date(2026, 1, 5)
    }
    assert evaluate("EventRegistration via attendeeId", loaded, now=NOW) == {"ann"}


def test_two_files_read_as_the_directory(tmp_path: Path) -> None:
    directory = written(tmp_path / "data")
    loaded = load_parquet(directory / "contacts.parquet", directory / "interactions.parquet")
    assert state(loaded) == state(load_parquet(directory))
    contacts_only = load_parquet(directory / "contacts.parquet")
    assert list(contacts_only.interactions()) == []


def test_a_directory_of_parts_reads_as_one_file(tmp_path: Path) -> None:
    directory = written(tmp_path / "data", interactions=None)
    parts = directory / "interactions.parquet"
    parts.mkdir()
    pq.write_table(INTERACTIONS.slice(0, 2), parts / "part-0.parquet")
    pq.write_table(INTERACTIONS.slice(2), parts / "part-1.parquet")
    assert state(load_parquet(directory)) == state(from_tables())


def test_types_and_attributes_come_first(tmp_path: Path) -> None:
    calls = pa.table({
        "id": ["p1"], "type": ["PhoneCall"], "contact_id": ["bob"],
        "timestamp": pa.array([NOW], STAMP), "outcome": ["won"],
    })
    directory = written(tmp_path / "data", interactions=calls)
    repo = load_parquet(
        directory,
        types=[{"name": "PhoneCall", "fields": {"outcome": "text"}}],
        attributes={"country": "text", "signup": "date"},
    )
    assert repo.attributes() == {"country": "text", "signup": "date"}
    assert evaluate('PhoneCall where outcome = "won"', repo, now=NOW) == {"bob"}


def test_a_refused_record_names_the_file_and_its_row_across_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = INTERACTIONS.set_column(2, "contact_id", pa.array(
        ["ann", "ann", "bob", "cy", "dora", "cy"]))
    directory = written(tmp_path / "data", interactions=bad)
    monkeypatch.setattr(parquet, "_BATCH_ROWS", 2)  # the bad row is in the third batch
    path = directory / "interactions.parquet"
    assert [len(batch) for batch in parquet.parquet_batches(path)] == [2, 2, 2]
    with pytest.raises(RecordError) as refused:
        load_parquet(directory)
    assert str(refused.value) == (
        f"{path}: record 4 (id 'i4'): contact 'dora' does not exist; add it first"
    )
    assert refused.value.position == 4


def test_a_table_with_a_wrong_layout_names_the_file(tmp_path: Path) -> None:
    directory = written(tmp_path / "data", interactions=INTERACTIONS.drop_columns(["type"]))
    with pytest.raises(RecordError, match=r"interactions.parquet: the interaction table has no"):
        load_parquet(directory)


@pytest.mark.parametrize(
    ("layout", "problem"),
    [
        ({"contacts.parquet": b"id\nann\n"}, "cannot be read as Parquet"),
        ({"interactions.parquet": b"PAR1"}, "the directory holds no contacts.parquet"),
        ({}, "the directory holds no contacts.parquet"),
    ],
)
def test_a_file_that_is_not_parquet_is_a_data_file_error(
    tmp_path: Path, layout: dict[str, bytes], problem: str
) -> None:
    for name, content in layout.items():
        (tmp_path / name).write_bytes(content)
    with pytest.raises(DataFileError, match=problem):
        load_parquet(tmp_path)


def test_a_missing_file_is_a_data_file_error(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="no such file or directory"):
        load_parquet(tmp_path / "nowhere.parquet")


def test_a_directory_takes_no_second_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError):
        load_parquet(written(tmp_path / "data"), tmp_path / "other.parquet")


def test_the_command_line_reads_parquet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = written(tmp_path / "data")
    now = "--now=" + NOW.isoformat()
    assert main(["query", "EmailOpened in last 30 days", "--data", str(directory), now]) == 0
    assert capsys.readouterr().out == "ann\nbob\n"
    contacts = str(directory / "contacts.parquet")
    assert main(["query", 'contact.country = "SE"', "--data", contacts, now]) == 0
    assert capsys.readouterr().out == "bob\n"
    (tmp_path / "broken.parquet").write_text("not parquet")
    assert main(["query", "EmailOpened", "--data", str(tmp_path / "broken.parquet"), now]) == 1
    assert "broken.parquet: cannot be read as Parquet" in capsys.readouterr().err


def test_the_command_line_opens_a_snapshot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = load_parquet(written(tmp_path / "data"))
    repo.save_segment({"name": "Openers", "query": "EmailOpened in last 30 days"})
    repo.save(tmp_path / "snapshot")
    now = "--now=" + NOW.isoformat()
    assert main(["query", "segment Openers", "--data", str(tmp_path / "snapshot"), now]) == 0
    assert capsys.readouterr().out == "ann\nbob\n"


def test_without_pyarrow_reading_parquet_says_which_extra_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = written(tmp_path / "data")
    for name in ("pyarrow", "pyarrow.parquet", "pyarrow.dataset"):
        monkeypatch.setitem(sys.modules, name, None)  # as if not installed
    with pytest.raises(DataFileError, match=r"reading Parquet needs pyarrow: pip install"):
        load_parquet(directory)

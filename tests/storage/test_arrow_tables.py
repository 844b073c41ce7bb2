"""The Arrow layout (``storage/arrow_tables.py``, docs/data.md): what a table
means, which tables are refused as a whole, and DataFrames taken as they are."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from segmentkit import Contact, InMemoryRepository, Interaction, RecordError, evaluate
from segmentkit.storage.arrow_tables import ArrowRecords

UTC_US = pa.timestamp("us", tz="UTC")
FAST_PATH = "segmentkit.storage.interaction_store.fast_table_columns"
WHEN = datetime(2026, 5, 1, 9, tzinfo=UTC)


def repository() -> InMemoryRepository:
    repo = InMemoryRepository()
    repo.register_type(
        {"name": "Survey", "fields": {"answer": "text", "score": "number", "day": "date",
                                      "at": "datetime", "tags": "list", "who": "text"},
         "contact_references": ["who"]}
    )
    repo.add_contacts([{"id": "c1"}, {"id": "c2"}])
    return repo


def interactions(**columns: Any) -> pa.Table:
    base: dict[str, Any] = {
        "id": ["i1", "i2"],
        "type": ["Survey", "Survey"],
        "contact_id": ["c1", "c2"],
        "timestamp": pa.array([WHEN, WHEN + timedelta(hours=1)], UTC_US),
    }
    base.update(columns)
    return pa.table({name: value for name, value in base.items() if value is not None})


def stored(repo: InMemoryRepository) -> list[Interaction]:
    return sorted(repo.interactions(), key=lambda record: record.id)


def test_a_null_is_a_value_not_given() -> None:
    repo = repository()
    table = interactions(answer=["yes", None], canceled=pa.array([None, True]))
    assert repo.add_interactions(table) == 2
    first, second = stored(repo)
    assert first.properties == {"answer": "yes"} and not first.canceled
    assert second.properties == {} and second.canceled


def test_properties_as_a_struct_column_equal_properties_as_columns() -> None:
    values = {
        "answer": pa.array(["yes", None]),
        "score": pa.array([1.5, 2.0]),
        "day": pa.array([date(2026, 1, 2), None]),
        "at": pa.array([WHEN, None], pa.timestamp("ms", tz="Europe/Copenhagen")),
        "tags": pa.array([["a"], []]),
        "who": pa.array([None, "c1"]),
    }
    flat, nested = repository(), repository()
    flat.add_interactions(interactions(**values))
    struct = pa.StructArray.from_arrays(list(values.values()), list(values))
    nested.add_interactions(interactions(properties=struct))
    assert stored(flat) == stored(nested)
    first = stored(flat)[0]
    assert first.properties["at"].tzinfo == ZoneInfo("Europe/Copenhagen")
    assert first.properties["day"] == date(2026, 1, 2)
    assert evaluate("Survey via who", flat, now=WHEN + timedelta(days=1)) == {"c1"}


def test_a_null_struct_gives_no_properties() -> None:
    repo = repository()
    struct = pa.array([{"answer": "yes"}, None], pa.struct([("answer", pa.string())]))
    repo.add_interactions(interactions(properties=struct))
    assert [record.properties for record in stored(repo)] == [{"answer": "yes"}, {}]


def test_contacts_from_a_table() -> None:
    repo = InMemoryRepository()
    attributes = pa.array(
        [{"country": "DK", "signup": date(2026, 1, 5)}, {"country": None, "signup": None}],
        pa.struct([("country", pa.string()), ("signup", pa.date32())]),
    )
    table = pa.table({"id": ["c1", "c2"], "type": ["company", None],
                      "email": [None, "b@example.com"], "attributes": attributes})
    assert repo.add_contacts(table) == 2
    assert list(repo.contacts()) == [
        Contact(id="c1", type="company", attributes={"country": "DK", "signup": date(2026, 1, 5)}),
        Contact(id="c2", email="b@example.com"),
    ]


def test_a_refused_contact_table_names_the_row_as_dicts_do() -> None:
    table = pa.table({"id": ["c1", "c2", "c1"], "country": ["DK", "SE", "NO"]})
    from_table, from_dicts = InMemoryRepository(), InMemoryRepository()
    with pytest.raises(RecordError) as by_table:
        from_table.add_contacts(table)
    with pytest.raises(RecordError) as by_dicts:
        from_dicts.add_contacts(
            [{"id": row["id"], "attributes": {"country": row["country"]}}
             for row in table.to_pylist()]
        )
    assert str(by_table.value) == str(by_dicts.value)
    assert by_table.value.position == 2
    assert list(from_table.contacts()) == []


def test_a_pandas_frame_is_read_as_its_arrow_table() -> None:
    frame = pd.DataFrame({
        "id": ["i1", "i2"],
        "type": pd.Categorical(["Survey", "Survey"]),
        "contact_id": ["c1", "c2"],
        "timestamp": pd.to_datetime(
            ["2026-05-01T09:00:00Z", "2026-05-01T10:00:00.000001Z"], format="ISO8601"
        ),
        "score": [1, 2],
    })
    from_frame, from_table = repository(), repository()
    assert from_frame.add_interactions(frame) == 2  # nanoseconds: whole microseconds pass
    from_table.add_interactions(pa.Table.from_pandas(frame, preserve_index=False))
    assert stored(from_frame) == stored(from_table)
    assert stored(from_frame)[1].timestamp == datetime(2026, 5, 1, 10, 0, 0, 1, tzinfo=UTC)


def test_a_polars_frame_and_a_record_batch_are_read() -> None:
    frame = pl.DataFrame({
        "id": ["i1"], "type": ["Survey"], "contact_id": ["c1"],
        "timestamp": [WHEN], "properties": [{"answer": "yes", "score": 2}],
    })
    repo = repository()
    assert repo.add_interactions(frame) == 1
    assert stored(repo)[0].properties == {"answer": "yes", "score": 2}
    batch = interactions(id=["i3", "i4"]).to_batches()[0]
    assert repo.add_interactions(batch) == 2


def test_a_clean_table_takes_the_fast_path() -> None:
    table = interactions(
        type=["Survey", "EmailOpened"],
        answer=["yes", None],
        messageId=[None, "m1"],
        tags=pa.array([["a", "b"], None]),
        day=pa.array([date(2026, 1, 2), None]),
        at=pa.array([WHEN, None], pa.timestamp("s", tz="+05:30")),
        who=["c2", None],
        canceled=pa.array([None, True]),
    )
    fast, plain = repository(), repository()
    with mock.patch.object(ArrowRecords, "rows", side_effect=AssertionError("plain path")):
        assert fast.add_interactions(table) == 2
    with mock.patch(FAST_PATH, return_value=None):
        plain.add_interactions(table)
    assert stored(fast) == stored(plain)
    assert [r.id for r in stored(fast)] == ["i1", "i2"]
    assert stored(fast)[0].properties["at"].utcoffset() == timedelta(hours=5, minutes=30)
    for text in ('Survey where answer = "yes"', "EmailOpened", "Survey via who",
                 'Survey where tags contains "b"'):
        now = WHEN + timedelta(days=1)
        assert evaluate(text, fast, now=now) == evaluate(text, plain, now=now)


NAIVE = pa.timestamp("us")


@pytest.mark.parametrize(
    ("table", "message", "position"),
    [
        (pa.table({"id": ["i1"]}), "has no column 'type' (its columns: 'id')", None),
        (pa.Table.from_arrays([pa.array(["i1"]), pa.array(["i2"])], names=["id", "id"]),
         "more than one column named 'id'", None),
        (interactions(timestamp=pa.array([WHEN.replace(tzinfo=None)] * 2, NAIVE)),
         "column 'timestamp' holds times without a time zone (timestamp[us])", None),
        (interactions(at=pa.array([None, None], NAIVE)),
         "column 'properties.at' holds times without a time zone", None),
        (interactions(timestamp=pa.array([0, 0], pa.timestamp("us", tz="Mars/Olympus"))),
         "unknown time zone 'Mars/Olympus'", None),
        (interactions(properties=pa.array(["{}", "{}"])),
         "column 'properties' must be a struct", None),
        (interactions(answer=["a", "b"], properties=pa.array(
            [{"answer": "c"}] * 2, pa.struct([("answer", pa.string())]))),
         "gives 'answer' twice", None),
        (interactions(timestamp=pa.array([0, 1_500], pa.timestamp("ns", tz="UTC"))),
         "timestamp has a part of a microsecond", 1),
        (interactions(timestamp=pa.array([0, 400_000_000_000], pa.timestamp("s", tz="UTC"))),
         "timestamp is outside the years 1 to 9999", 1),
    ],
)
def test_a_table_with_a_wrong_layout_is_refused_whole(
    table: pa.Table, message: str, position: int | None
) -> None:
    repo = repository()
    with pytest.raises(RecordError) as refused:
        repo.add_interactions(table)
    assert message in str(refused.value)
    assert refused.value.position == position
    assert list(repo.interactions()) == []


def test_a_refused_table_adds_nothing_and_reads_as_its_dicts() -> None:
    table = interactions(contact_id=["c1", "c404"], score=pa.array([1.0, float("nan")]))
    by_table, by_dicts = repository(), repository()
    with pytest.raises(RecordError) as refused_table:
        by_table.add_interactions(table)
    with pytest.raises(RecordError) as refused_dicts:
        rows = table.to_pylist()
        for row in rows:
            row["properties"] = {"score": row.pop("score")}
        by_dicts.add_interactions(rows)
    assert str(refused_table.value) == str(refused_dicts.value)
    assert list(by_table.interactions()) == []


def test_a_frame_without_pyarrow_installed_is_a_clear_error() -> None:
    class Frame:
        def __arrow_c_stream__(self, requested_schema: object = None) -> object:
            raise AssertionError("not read without pyarrow")

    with mock.patch.dict(sys.modules, {"pyarrow": None}), pytest.raises(RecordError) as refused:
        InMemoryRepository().add_interactions(Frame())
    assert "pip install 'segmentkit[arrow]'" in str(refused.value)


def test_fixed_offsets_read_back_as_fixed_offsets() -> None:
    repo = repository()
    stamps = pa.array([WHEN, WHEN], pa.timestamp("us", tz="-05:00"))
    repo.add_interactions(interactions(timestamp=stamps))
    zone = stored(repo)[0].timestamp.tzinfo
    assert zone == timezone(timedelta(hours=-5))


@pytest.mark.parametrize(
    "column",
    [
        pa.array([timedelta(seconds=1)] * 2, pa.duration("s")),
        pa.array([1, 2], pa.decimal128(5, 2)),
        pa.array([b"x", b"y"], pa.binary()),
        pa.array([{"a": 1}] * 2, pa.struct([("a", pa.int64())])),
        pa.array([[("k", 1)]] * 2, pa.map_(pa.string(), pa.int64())),
    ],
    ids=lambda column: str(column.type),
)
def test_a_column_of_another_arrow_type_is_a_record_error(column: pa.Array) -> None:
    repo = repository()
    with pytest.raises(RecordError, match="record 0 of the batch"):
        repo.add_interactions(interactions(answer=column))
    assert stored(repo) == []


def test_a_column_of_nulls_of_any_type_gives_nothing() -> None:
    repo = repository()
    nulls = pa.array([None, None], pa.month_day_nano_interval())
    assert repo.add_interactions(interactions(answer=nulls)) == 2
    assert [record.properties for record in stored(repo)] == [{}, {}]

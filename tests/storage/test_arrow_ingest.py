"""An Arrow table means the dicts of its rows (``storage/arrow_tables.py``).

``add_interactions(table)`` must give exactly what ``add_interactions(rows)``
gives for the same records as plain dicts - the same records read back,
value kinds and time zones included, the same refusal word for word, the
same members - whether the Arrow fast path (``ingest_arrow``) vouches for
the table or hands its rows to the plain path; and a refused table adds
nothing. Tables are generated column by column: an Arrow type for each
column (right or wrong for the field), values from small pools that
collide on purpose, nulls, both property layouts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from survey_type import CONTACTS, COPENHAGEN, NOW, SURVEY

from segmentkit import InMemoryRepository, evaluate
from segmentkit.errors import RecordError, SegmentKitError
from segmentkit.storage import ingest_arrow
from segmentkit.strategies import nows, queries, repositories, timezones

# Arrow time zones and the tzinfo a value in that column reads back in.
ZONES: dict[str, tzinfo] = {
    "UTC": UTC,
    "+01:00": timezone(timedelta(hours=1)),
    "-05:00": timezone(timedelta(hours=-5)),
    "Europe/Copenhagen": COPENHAGEN,
}
STAMPS = (
    NOW - timedelta(days=3),
    NOW - timedelta(days=40),
    datetime(2026, 3, 29, 1, 30, tzinfo=UTC),  # 02:30 does not exist in Copenhagen
    datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # 02:30 twice in Copenhagen: the first
    datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # and the second
    NOW + timedelta(days=1),
)
ODD_STAMP = NOW - timedelta(days=2, microseconds=123_456)  # only in us and ns columns


@dataclass(frozen=True)
class ColumnSpec:
    """One generated column: its Arrow type and its values (None is null)."""

    arrow_type: pa.DataType
    values: list[Any]

    def array(self) -> pa.Array:
        return pa.array(self.values, self.arrow_type)

    def python(self) -> list[Any]:
        """The values a reader of the table gets: a time in the column's zone."""
        zone = getattr(self.arrow_type, "tz", None)
        if zone is None:
            return self.values
        return [None if v is None else v.astimezone(ZONES[zone]) for v in self.values]


def times(draw: st.DrawFn, size: int, *, naive_ok: bool) -> ColumnSpec:
    unit = draw(st.sampled_from(["us", "ns", "ms", "s"]))
    zone = draw(st.sampled_from(list(ZONES)))
    if naive_ok and not draw(st.integers(0, 9)):
        zone = None
    pool = [*STAMPS, ODD_STAMP] if unit in ("us", "ns") else list(STAMPS)
    if not draw(st.integers(0, 3)):
        pool.append(None)
    values = draw(st.lists(st.sampled_from(pool), min_size=size, max_size=size))
    if zone is None:  # naive: the column must be refused as a whole
        values = [None if v is None else v.replace(tzinfo=None) for v in values]
    return ColumnSpec(pa.timestamp(unit, tz=zone), values)


def pooled(
    draw: st.DrawFn, size: int, arrow_type: pa.DataType, good: list[Any], bad: list[Any] = ()
) -> ColumnSpec:
    """Values from ``good``; in one column of four also ``bad`` ones and nulls,
    so that most tables are accepted and many are refused."""
    pool = list(good) or [*bad, None]
    if not draw(st.integers(0, 3)):
        pool += [*bad, None]
    values = draw(st.lists(st.sampled_from(pool), min_size=size, max_size=size))
    return ColumnSpec(arrow_type, values)


# Per property: ways to give it (Arrow type, good values, bad values); the
# last way of most is a wrong kind for the field.
PROPERTY_COLUMNS: dict[str, list[tuple[pa.DataType, list[Any], list[Any]]]] = {
    "who": [(pa.string(), ["c1", "c3"], ["c404"])],
    "answer": [(pa.string(), ["yes", "Yes", "", "\x00"], []), (pa.int64(), [1], [])],
    "score": [
        (pa.int64(), [0, 1, -1, 2**62], []),
        (pa.float64(), [0.0, -0.0, 2.5], [float("nan")]),
        (pa.string(), ["3"], []),
    ],
    "ok": [(pa.bool_(), [True, False], []), (pa.int8(), [1], [])],
    "day": [(pa.date32(), [date(2026, 1, 2), date(1, 1, 1)], []),
            (pa.string(), ["2026-01-02"], ["2026-1-2"])],
    "at": [(pa.string(), ["2026-01-02T03:00:00+01:00"], ["2026-01-02T03:00:00"])],
    "tags": [(pa.list_(pa.string()), [["a", "b"], [], ["a"]], []),
             (pa.list_(pa.int64()), [[1, 2]], [])],
    "messageId": [(pa.string(), ["m1", "M1"], [])],
    "undeclared": [(pa.string(), ["x"], [])],
}


@dataclass(frozen=True)
class TableSpec:
    size: int
    fixed: dict[str, ColumnSpec]
    properties: dict[str, ColumnSpec]
    nested: bool  # properties in one struct column, else one column each

    def table(self) -> pa.Table:
        columns = {name: spec.array() for name, spec in self.fixed.items()}
        if self.nested and self.properties:
            arrays = [spec.array() for spec in self.properties.values()]
            columns["properties"] = pa.StructArray.from_arrays(arrays, list(self.properties))
        else:
            columns.update({name: spec.array() for name, spec in self.properties.items()})
        return pa.table(columns)

    def rows(self) -> list[dict[str, Any]]:
        """The same records as plain dicts, written from the layout's rules (a null is
        left out), independently of the library's own reading."""
        fixed = {name: spec.python() for name, spec in self.fixed.items()}
        nested = {name: spec.python() for name, spec in self.properties.items()}
        rows = []
        for index in range(self.size):
            row = {k: v[index] for k, v in fixed.items() if v[index] is not None}
            given = {k: v[index] for k, v in nested.items() if v[index] is not None}
            if given:
                row["properties"] = given
            rows.append(row)
        return rows

    @property
    def naive(self) -> bool:
        return any(
            isinstance(spec.arrow_type, pa.TimestampType) and spec.arrow_type.tz is None
            for spec in (*self.fixed.values(), *self.properties.values())
        )


@st.composite
def table_specs(draw: st.DrawFn, number: int) -> TableSpec:
    size = draw(st.integers(0, 5))
    ids = [f"t{number}r{n}" for n in range(size)]
    fixed = {
        "id": ColumnSpec(pa.string(), ids)
        if draw(st.integers(0, 3))
        else pooled(draw, size, pa.string(), ids, ["t1r0", "t1r1", "", " ", "\u3000"]),
        # One type a table mostly, as the properties are the type's.
        "type": pooled(draw, size, pa.string(), ["Survey"], ["EmailOpened", "Nope"]),
        # Text mostly; now and then another string type, or numbers (refused).
        "contact_id": pooled(
            draw, size, draw(st.sampled_from([pa.string()] * 4 + [
                pa.large_string(), pa.dictionary(pa.int32(), pa.string())])),
            list(CONTACTS), ["c404"],
        )
        if draw(st.integers(0, 9))
        else pooled(draw, size, pa.int64(), [], [1]),
        # ISO text now and then: the table's rows then take the dicts' paths.
        "timestamp": times(draw, size, naive_ok=True)
        if draw(st.integers(0, 5))
        else pooled(draw, size, pa.string(), ["2026-05-01T10:00:00Z"], ["2026-13-01"]),
    }
    if draw(st.booleans()):
        fixed["canceled"] = pooled(draw, size, pa.bool_(), [True, False, False])
        if not draw(st.integers(0, 5)):
            fixed["canceled"] = pooled(draw, size, pa.int64(), [0, 1])
    properties: dict[str, ColumnSpec] = {}
    names = st.sampled_from([*sorted(SURVEY.fields) * 3, "messageId", "undeclared"])
    for name in draw(st.lists(names, max_size=4, unique=True)):
        if name == "at" and draw(st.booleans()):
            properties[name] = times(draw, size, naive_ok=True)
            continue
        ways = PROPERTY_COLUMNS[name]
        # The first way, the field's own kind, three times in four.
        arrow_type, good, bad = ways[0] if draw(st.integers(0, 3)) else draw(st.sampled_from(ways))
        properties[name] = pooled(draw, size, arrow_type, good, bad)
    return TableSpec(size, fixed, properties, nested=draw(st.booleans()))


def fresh_repository() -> InMemoryRepository:
    repo = InMemoryRepository()
    repo.register_type(SURVEY)
    repo.add_contacts([{"id": cid} for cid in CONTACTS])
    return repo


def observed(repo: InMemoryRepository) -> list[tuple[Any, ...]]:
    """Everything a reader can see of the stored records, value kinds and zones included."""
    return [
        (record, record.model_dump_json(), repr(record.timestamp.tzinfo), record.timestamp.fold)
        for name in sorted(repo.types())
        for record in repo.interactions(name)
    ]


def attempt(repo: InMemoryRepository, batch: Any) -> tuple[str, Any]:
    before = observed(repo)
    try:
        return "added", repo.add_interactions(batch)
    except RecordError as error:
        assert observed(repo) == before  # a refused batch adds nothing
        return "refused", (str(error), error.position, error.record_id)


FAST_PATH = "segmentkit.storage.interaction_store.fast_table_columns"


@contextmanager
def arrow_fast_path(enabled: bool, contacts_by: str = "either") -> Iterator[None]:
    """The Arrow fast path as it is (reporting whether it took the table), or off.

    ``contacts_by``: how it finds contacts, ``index_in`` or the positions
    ``dict`` (``ingest_arrow.CONTACTS_PER_ROW``), or ``either`` as it chooses.
    """
    if contacts_by != "either":
        threshold = 10**9 if contacts_by == "index_in" else 0
        with (
            mock.patch.object(ingest_arrow, "CONTACTS_PER_ROW", threshold),
            arrow_fast_path(enabled),
        ):
            yield
        return
    if not enabled:
        with mock.patch(FAST_PATH, lambda *args, **kwargs: None):
            yield
        return
    from segmentkit.storage import interaction_store

    real = interaction_store.fast_table_columns

    def reporting(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        event("fast path gave up" if found is None else "fast path took the table")
        return found

    with mock.patch(FAST_PATH, reporting):
        yield


@settings(max_examples=150, deadline=None)
@given(
    first=table_specs(1),
    second=table_specs(2),
    contacts_by=st.sampled_from(["index_in", "dict"]),
)
def test_a_table_adds_what_its_rows_add(
    first: TableSpec, second: TableSpec, contacts_by: str
) -> None:
    by_dicts, by_arrow, by_arrow_plain = (fresh_repository() for _ in range(3))
    for spec in (first, second):
        table = spec.table()
        with arrow_fast_path(enabled=True, contacts_by=contacts_by):
            outcome = attempt(by_arrow, table)
        with arrow_fast_path(enabled=False):
            assert attempt(by_arrow_plain, table) == outcome
        if spec.naive:
            # Refused as a whole, before any record is read: the zone is not guessed.
            assert outcome[0] == "refused"
            assert "without a time zone" in outcome[1][0]
            continue
        assert outcome == attempt(by_dicts, spec.rows())
        assert observed(by_arrow) == observed(by_dicts) == observed(by_arrow_plain)
    for text in ("Survey", 'Survey where answer = "yes"', "Survey via who", "EmailOpened",
                 "Survey where score > 0", "Survey where `day` < 2026-06-01",
                 "Survey where `at` < 2026-06-01"):
        expected = evaluate(text, by_arrow_plain, now=NOW)
        assert evaluate(text, by_arrow, now=NOW) == expected


@pytest.mark.parametrize("as_table", [True, False])
def test_a_refused_batch_leaves_the_known_ids_as_they_were(as_table: bool) -> None:
    """The ids of a batch are claimed in one step as it is stored; a batch
    refused for a known or repeated id must forget the new ids it brought
    and keep the known ones."""
    repo = fresh_repository()

    def batch(*ids: str) -> Any:
        rows = [{"id": i, "type": "Survey", "contact_id": "c1", "timestamp": NOW} for i in ids]
        if not as_table:
            return rows
        return pa.table({
            "id": list(ids), "type": ["Survey"] * len(ids), "contact_id": ["c1"] * len(ids),
            "timestamp": pa.array([NOW] * len(ids), pa.timestamp("us", tz="UTC")),
        })

    assert repo.add_interactions(batch("a", "b")) == 2
    for refused in (batch("c", "a"), batch("d", "e", "d")):
        with pytest.raises(RecordError):
            repo.add_interactions(refused)
    assert repo.add_interactions(batch("c", "d", "e")) == 3
    with pytest.raises(RecordError, match="'a'"):
        repo.add_interactions(batch("f", "a"))
    assert repo.get_interaction("f") is None
    assert sorted(r.id for r in repo.interactions("Survey")) == ["a", "b", "c", "d", "e"]


def test_the_whitespace_trimmed_is_what_python_calls_whitespace() -> None:
    """An Arrow id is refused as blank when nothing is left once ``WHITESPACE``
    is trimmed off its start: those must be exactly the characters
    ``str.isspace`` calls whitespace."""
    import pyarrow.compute as pc

    from segmentkit.storage.ingest_arrow import WHITESPACE

    every = (chr(point) for point in range(0x110000) if not 0xD800 <= point <= 0xDFFF)
    assert sorted(WHITESPACE) == [c for c in every if c.isspace()]
    texts = ["", " ", "\u3000\t", "a ", " a", "\u200b", "\x1c\x85", "\u180e"]
    left = pc.binary_length(pc.utf8_ltrim(pa.array(texts), WHITESPACE)).to_pylist()
    assert [n == 0 for n in left] == [not t or t.isspace() for t in texts]


# --- a generated repository loaded through tables -----------------------------------


def arrow_type_of(value: Any) -> Any:
    """The Arrow type that holds ``value`` as it is, or None when none does
    (explicit nulls, ints past 64 bits, lists of mixed kinds)."""
    if isinstance(value, bool):
        return pa.bool_()
    if isinstance(value, int):
        return pa.int64() if -(2**63) <= value < 2**63 else None
    if isinstance(value, float):
        return pa.float64()
    if isinstance(value, str):
        return pa.string()
    if isinstance(value, datetime):
        zone = zone_name(value)
        return None if zone is None else pa.timestamp("us", tz=zone)
    if isinstance(value, date):
        return pa.date32()
    if isinstance(value, list):
        items = {arrow_type_of(item) for item in value}
        if None in items or len(items) > 1:
            return None
        return pa.list_(items.pop() if items else pa.string())
    return None


def zone_name(instant: datetime) -> str | None:
    """The Arrow time zone that reads ``instant`` back in its own tzinfo."""
    zone = instant.tzinfo
    if zone is UTC:
        return "UTC"
    if isinstance(zone, ZoneInfo):
        return zone.key
    offset = instant.utcoffset()
    if not isinstance(zone, timezone) or offset is None or offset.seconds % 60:
        return None
    minutes = int(offset.total_seconds()) // 60
    return f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def batches_of(records: list[dict[str, Any]], nest: str) -> Iterator[tuple[Any, list[Any]]]:
    """Records grouped by the Arrow types of their columns, each group as a table;
    a record no table can hold as it is comes alone, as a list of one dict."""
    groups: dict[Any, list[dict[str, Any]]] = {}
    for record in records:
        columns = {k: v for k, v in record.items() if k != nest}
        columns.update(record.get(nest, {}))
        kinds = {name: arrow_type_of(value) for name, value in columns.items()}
        if None in kinds.values():
            yield [record], [record]
            continue
        key = tuple(sorted((name, str(kind)) for name, kind in kinds.items()))
        groups.setdefault(key, []).append(record)
    for group in groups.values():
        first = group[0]
        fields = [k for k in first if k != nest]
        nested = list(first.get(nest, {}))
        arrays = {name: [r[name] for r in group] for name in fields}
        arrays.update({name: [r[nest][name] for r in group] for name in nested})
        table = pa.table({
            name: pa.array(values, arrow_type_of(values[0]))
            for name, values in arrays.items()
        })
        yield table, group


def loaded_twice(source: InMemoryRepository) -> tuple[InMemoryRepository, InMemoryRepository]:
    """``source``'s records loaded into two new repositories, as dicts and as tables."""
    by_dicts, by_tables = InMemoryRepository(), InMemoryRepository()
    contacts = [c.model_dump(exclude_defaults=True) for c in source.contacts()]
    interactions = [r.model_dump(exclude_defaults=True) for r in source.interactions()]
    for repo in (by_dicts, by_tables):
        for interaction_type in source.types().values():
            repo.register_type(interaction_type)
        if source.attributes():
            repo.declare_attributes(source.attributes())
    for table, group in batches_of(contacts, "attributes"):
        event("contacts as a table" if isinstance(table, pa.Table) else "a contact as a dict")
        assert by_tables.add_contacts(table) == by_dicts.add_contacts(group) == len(group)
    for table, group in batches_of(interactions, "properties"):
        event("interactions as a table" if isinstance(table, pa.Table) else "one as a dict")
        assert by_tables.add_interactions(table) == by_dicts.add_interactions(group)
    for repo in (by_dicts, by_tables):
        for segment in source.segments():
            repo.save_segment(segment)
    return by_dicts, by_tables


def answer(repo: InMemoryRepository, query: Any, now: datetime, tz: str) -> Any:
    try:
        return evaluate(query, repo, now=now, tz=tz)
    except SegmentKitError as error:
        return type(error).__name__, str(error)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_repository_loaded_from_tables_is_the_same(data: st.DataObject) -> None:
    source = data.draw(repositories(max_contacts=5, max_interactions=12, max_segments=2))
    by_dicts, by_tables = loaded_twice(source)
    in_order = lambda r: (r.timestamp, r.id)  # noqa: E731 - ties keep the order of loading
    assert list(by_tables.contacts()) == list(by_dicts.contacts())
    assert sorted(by_tables.interactions(), key=in_order) == sorted(
        by_dicts.interactions(), key=in_order
    )
    assert {c.id: c for c in by_tables.contacts()} == {c.id: c for c in source.contacts()}
    assert sorted(by_tables.interactions(), key=in_order) == sorted(
        source.interactions(), key=in_order
    )
    now, tz = data.draw(nows(source)), data.draw(timezones())
    for query in data.draw(st.lists(queries(source, max_depth=2), min_size=1, max_size=3)):
        assert answer(by_tables, query, now, tz) == answer(by_dicts, query, now, tz)


# --- contact tables ---------------------------------------------------------------


@st.composite
def contact_specs(draw: st.DrawFn) -> TableSpec:
    size = draw(st.integers(0, 4))
    ids = [f"p{n}" for n in range(size)]
    fixed = {
        "id": pooled(draw, size, pa.string(), ids, ["p0", "", " ", "c1"]),
        "type": pooled(draw, size, pa.string(), ["person", "company"], ["robot"]),
        "email": pooled(draw, size, pa.string(), ["a@example.com", "\x00"]),
    }
    attributes: dict[str, ColumnSpec] = {}
    ways = {
        "country": [(pa.string(), ["DK", "SE"], []), (pa.int64(), [45], [])],
        "signup": [(pa.date32(), [date(2026, 1, 5)], []), (pa.string(), ["2026-01-05"], ["x"])],
        "score": [(pa.float64(), [1.5, -0.0], [float("nan")])],
        "tags": [(pa.list_(pa.string()), [["a"], []], [])],
    }
    for name in draw(st.lists(st.sampled_from(sorted(ways)), max_size=3, unique=True)):
        arrow_type, good, bad = draw(st.sampled_from(ways[name]))
        attributes[name] = pooled(draw, size, arrow_type, good, bad)
    if draw(st.booleans()):
        attributes["seen"] = times(draw, size, naive_ok=False)
    return TableSpec(size, fixed, attributes, nested=draw(st.booleans()))


def contact_rows(spec: TableSpec) -> list[dict[str, Any]]:
    """The spec's rows with the nested values under ``attributes``."""
    rows = spec.rows()
    for row in rows:
        if "properties" in row:
            row["attributes"] = row.pop("properties")
    return rows


def contact_table(spec: TableSpec) -> pa.Table:
    table = spec.table()
    if "properties" in table.column_names:
        index = table.column_names.index("properties")
        table = table.rename_columns(
            [*table.column_names[:index], "attributes", *table.column_names[index + 1:]]
        )
    return table


@settings(max_examples=100, deadline=None)
@given(spec=contact_specs(), declared=st.booleans())
def test_a_contact_table_adds_what_its_rows_add(spec: TableSpec, declared: bool) -> None:
    outcomes = []
    for batch in (contact_table(spec), contact_rows(spec)):
        repo = fresh_repository()
        if declared:
            repo.declare_attributes({"country": "text", "signup": "date", "score": "number",
                                     "tags": "list", "seen": "datetime"})
        before = list(repo.contacts())
        try:
            outcome: Any = ("added", repo.add_contacts(batch))
        except RecordError as error:
            outcome = ("refused", str(error), error.position, error.record_id)
            assert list(repo.contacts()) == before  # a refused batch adds nothing
        event(outcome[0])
        outcomes.append((outcome, [c.model_dump_json() for c in repo.contacts()]))
    assert outcomes[0] == outcomes[1]


def test_a_batch_already_in_time_order_is_told_from_one_that_is_not() -> None:
    # Only speed rides on it (a batch in order skips the sort), so check it directly.
    from segmentkit.storage.ingest_arrow import _ascending

    assert _ascending(pa.chunked_array([[1, 2], [2, 5], [9]]))
    assert not _ascending(pa.chunked_array([[1, 2], [1]]))
    assert _ascending(pa.chunked_array([[]], pa.int64())) and _ascending(pa.array([7]))


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["Kept", "Moved", "Bare"]),
            st.integers(0, 5),  # day
            st.sampled_from(["x", "y", None]),
            st.sampled_from([1, 2, None]),
        ),
        min_size=1,
        max_size=12,
    ),
)
def test_types_sharing_a_table_each_get_their_own_columns(
    rows: list[tuple[str, int, str | None, int | None]],
) -> None:
    """Several types in one table, each with properties of its own and one
    they share, in any order: each type's rows and only those reach its log,
    with only the columns that type has values in (``_types_with_values``)."""
    from segmentkit import InteractionType

    types = [
        InteractionType(name="Kept", fields={"note": "text", "size": "number"}),
        InteractionType(name="Moved", fields={"size": "number", "where": "text"}),
        InteractionType(name="Bare", fields={"size": "number"}),
    ]
    dicts = []
    for number, (type_name, day, text, size) in enumerate(rows):
        properties: dict[str, Any] = {} if size is None else {"size": size}
        if text is not None and type_name != "Bare":
            properties["note" if type_name == "Kept" else "where"] = text
        dicts.append({
            "id": f"r{number}", "type": type_name, "contact_id": "c1",
            "timestamp": NOW - timedelta(days=day), "properties": properties,
        })
    table = pa.table({
        "id": [d["id"] for d in dicts],
        "type": [d["type"] for d in dicts],
        "contact_id": [d["contact_id"] for d in dicts],
        "timestamp": pa.array([d["timestamp"] for d in dicts], pa.timestamp("us", tz="UTC")),
        **{
            name: [d["properties"].get(name) for d in dicts]
            for name in ("note", "size", "where")
        },
    })
    by_arrow, by_dicts = InMemoryRepository(), InMemoryRepository()
    for repo in (by_arrow, by_dicts):
        for interaction_type in types:
            repo.register_type(interaction_type)
        repo.add_contacts([{"id": "c1"}])
    from segmentkit.storage import interaction_store

    real = interaction_store.fast_table_columns
    found: list[Any] = []

    def keeping(*args: Any, **kwargs: Any) -> Any:
        found.append(real(*args, **kwargs))
        return found[-1]

    with mock.patch(FAST_PATH, keeping):
        by_arrow.add_interactions(table)
    assert found and found[0] is not None  # the fast path took the table
    by_dicts.add_interactions(dicts)
    assert observed(by_arrow) == observed(by_dicts)

"""SqlRepository behaves as InMemoryRepository: the same writes give the same
results, the same refusals (class and words) and the same state, on DuckDB
and on PostgreSQL; every write is committed for other connections at once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from segmentkit import InMemoryRepository, evaluate
from segmentkit.errors import InvalidArgumentError, RecordError, SegmentKitError
from segmentkit.models.records import InteractionType, Segment
from segmentkit.sql import SqlRepository, compile_query

NOW = datetime(2026, 6, 1, tzinfo=UTC)
SURVEY = InteractionType(
    name="Survey",
    fields={"score": "number", "answered": "date", "tags": "list", "by": "text"},
    contact_references=frozenset({"by"}),
)


def _opened(rid: str, contact: str, day: int, **properties: Any) -> dict[str, Any]:
    return {"id": rid, "type": "EmailOpened", "contact_id": contact,
            "timestamp": f"2026-05-{day:02d}T10:00:00+02:00", "properties": properties}


# Each step is a write a user might try; several are refused.
STEPS: list[tuple[str, Callable[[Any], object]]] = [
    ("contacts", lambda r: r.add_contacts([
        {"id": "ann", "email": "ann@x.dk", "attributes": {"country": "DK", "score": 3}},
        {"id": "bob", "attributes": {"country": "SE", "tags": ["a", "b"]}},
        {"id": "cy"},
    ])),
    ("duplicate contact", lambda r: r.add_contacts([{"id": "dan"}, {"id": "ann"}])),
    ("duplicate in batch", lambda r: r.add_contacts([{"id": "eve"}, {"id": "eve"}])),
    ("invalid contact", lambda r: r.add_contacts([{"id": "fay"}, {"id": ""}])),
    ("type", lambda r: r.register_type(SURVEY)),
    ("same type again", lambda r: r.register_type(SURVEY)),
    ("interactions", lambda r: r.add_interactions([
        _opened("o1", "ann", 20, messageId="m1"),
        _opened("o2", "ann", 28, messageId="M1"),
        _opened("o3", "bob", 29),
        {"id": "s1", "type": "Survey", "contact_id": "cy", "timestamp": "2026-05-30T08:00:00Z",
         "properties": {"score": 4.5, "answered": "2026-05-29", "tags": ["x", 1], "by": "ann"}},
    ])),
    ("unknown type", lambda r: r.add_interactions([_opened("o4", "ann", 1) | {"type": "Nope"}])),
    ("unknown contact", lambda r: r.add_interactions([_opened("o5", "ann", 1),
                                                       _opened("o6", "zed", 1)])),
    ("unknown reference", lambda r: r.add_interactions([
        {"id": "s2", "type": "Survey", "contact_id": "cy", "timestamp": "2026-05-30T08:00:00Z",
         "properties": {"by": "zed"}}])),
    ("undeclared property", lambda r: r.add_interactions([
        {"id": "s3", "type": "Survey", "contact_id": "cy", "timestamp": "2026-05-30T08:00:00Z",
         "properties": {"scroe": 1}}])),
    ("wrong kind", lambda r: r.add_interactions([
        {"id": "s4", "type": "Survey", "contact_id": "cy", "timestamp": "2026-05-30T08:00:00Z",
         "properties": {"score": "high"}}])),
    ("duplicate interaction", lambda r: r.add_interactions([_opened("o1", "bob", 2)])),
    ("naive timestamp", lambda r: r.add_interactions([
        _opened("o7", "bob", 2) | {"timestamp": "2026-05-02T10:00:00"}])),
    ("cancel", lambda r: r.cancel_interactions(["o2", "o2"])),
    ("cancel again", lambda r: r.cancel_interactions(["o2"])),
    ("cancel unknown", lambda r: r.cancel_interactions(["o3", "nope"])),
    ("declare", lambda r: r.declare_attributes({"score": "number"})),
    ("declare conflicting", lambda r: r.declare_attributes({"country": "number"})),
    ("segment", lambda r: r.save_segment(Segment(name="Readers", query="EmailOpened"))),
    ("static", lambda r: r.save_segment(Segment(name="Vip", members=["ann", "cy"]))),
    ("static unknown", lambda r: r.save_segment(Segment(name="Ghosts", members=["zed"]))),
    ("bad query", lambda r: r.save_segment(Segment(name="Bad", query="EmailOpend"))),
    ("compound", lambda r: r.save_segment(
        Segment(name="Both", query="segment Readers and segment Vip"))),
    ("live", lambda r: r.go_live("Readers")),
    ("live compound", lambda r: r.go_live("Both")),
    ("cycle", lambda r: r.save_segment(Segment(name="Readers", query="segment Both"))),
    ("live unknown", lambda r: r.go_live("Nope")),
    ("stop", lambda r: r.stop("Both")),
    ("replace", lambda r: r.save_segment(Segment(name="Vip", members=["bob"]))),
]
QUERIES = (
    "EmailOpened at least 1 time",
    'EmailOpened where messageId = "m1" in last 30 days',
    "Survey via by where score > 4",
    "Survey where tags contains 1",
    'contact.country in ["dk", "se"] and not segment Vip',
    "contact.score >= 3",
    "segment Both or segment Readers",
    "EmailOpened exactly 0 times",
)


def _outcome(step: Callable[[Any], object], repo: Any) -> tuple[str, str]:
    try:
        result = step(repo)
    except SegmentKitError as error:
        return type(error).__name__, str(error)
    return "ok", repr(result)


def _state(repo: Any) -> tuple[Any, ...]:
    answers = []
    for query in QUERIES:
        try:
            answers.append(sorted(evaluate(query, repo, now=NOW, tz="Europe/Copenhagen")))
        except SegmentKitError as error:
            answers.append(type(error).__name__)
    return (
        # Equal models: JSON columns need not keep the order of keys.
        sorted(repo.contacts(), key=lambda c: c.id),
        # Equal models: the database gives timestamps back in UTC (docs/sql.md).
        sorted(repo.interactions(), key=lambda i: i.id),
        [i.id for i in repo.interactions("EmailOpened")],
        {name: t.model_dump_json() for name, t in repo.types().items()},
        [s.model_dump_json() for s in repo.segments()],
        dict(repo.attributes()),
        [repo.get_contact("ann"), repo.get_contact("zed")],
        [repo.get_interaction("s1"), repo.get_interaction("nope")],
        [repo.get_segment("Vip"), repo.get_segment("nope")],
        answers,
    )


@pytest.fixture(params=["duckdb", "postgres"])
def fresh(request: pytest.FixtureRequest) -> Iterator[Callable[[], SqlRepository]]:
    if request.param == "postgres":
        yield request.getfixturevalue("fresh_postgres")
        return
    connections: list[duckdb.DuckDBPyConnection] = []

    def make() -> SqlRepository:
        connections.append(duckdb.connect())
        return SqlRepository(connections[-1])

    yield make
    for connection in connections:
        connection.close()


def test_every_write_as_in_memory(fresh: Callable[[], SqlRepository]) -> None:
    memory, database = InMemoryRepository(), fresh()
    for name, step in STEPS:
        assert _outcome(step, database) == _outcome(step, memory), name
        assert _state(database) == _state(memory), name


def test_interactions_of_an_unknown_type_is_refused(fresh: Callable[[], SqlRepository]) -> None:
    database = fresh()
    with pytest.raises(InvalidArgumentError, match="EmailOpened"):
        database.interactions("EmailOpend")
    assert database.get_contact(3) is None  # type: ignore[arg-type]


def test_a_second_duckdb_connection_sees_every_write(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.duckdb")
    writer = SqlRepository(duckdb.connect(path))
    memory = InMemoryRepository()
    for _, step in STEPS:
        _outcome(step, writer)
        _outcome(step, memory)
    writer._db.raw.close()
    reader = SqlRepository(duckdb.connect(path, read_only=True))
    assert _state(reader) == _state(memory)


def test_postgres_commits_each_write_for_other_connections(
    fresh_postgres: Callable[[], SqlRepository], postgres: Any, postgres_url: str
) -> None:
    import psycopg

    writer = fresh_postgres()
    assert postgres.autocommit is False  # psycopg's default: we commit ourselves
    other = psycopg.connect(str(postgres_url))
    try:
        reader = SqlRepository(other, layout=writer.layout)
        memory = InMemoryRepository()
        for name, step in STEPS:
            _outcome(step, writer)
            _outcome(step, memory)
            assert _state(reader) == _state(memory), name
            assert postgres.info.transaction_status == 0, name  # nothing left open
    finally:
        other.close()


def test_a_read_leaves_a_transaction_the_caller_had_open_alone(
    fresh_postgres: Callable[[], SqlRepository], postgres: Any
) -> None:
    repository = fresh_postgres()
    repository.add_contacts([{"id": "ann", "attributes": {"country": "DK"}}])
    with postgres.cursor() as cursor:  # the caller's own work, not committed
        cursor.execute("CREATE TEMP TABLE callers_work (n int)")
    assert postgres.info.transaction_status == 2  # INTRANS
    assert evaluate('contact.country = "DK"', repository, now=NOW) == {"ann"}
    assert repository.get_contact("ann") is not None
    assert postgres.info.transaction_status == 2  # still the caller's, still open
    postgres.rollback()  # so the caller can still undo their work
    with postgres.cursor() as cursor:
        cursor.execute("SELECT to_regclass('pg_temp.callers_work')")
        assert cursor.fetchone() == (None,)
    postgres.rollback()


def test_compiled_parameters_follow_each_library(fresh: Callable[[], SqlRepository]) -> None:
    database = fresh()
    _outcome(STEPS[0][1], database)
    query = 'contact.country = "DK" and EmailOpened at least 2 times in last 30 days'
    placeholder = {"duckdb": "$p0", "postgres": "%(p0)s"}[database.dialect]
    compiled = compile_query(query, database, now=NOW, dialect=database.dialect)
    assert placeholder in compiled.sql and "DK" not in compiled.sql
    assert set(compiled.params) == {f"p{n}" for n in range(len(compiled.params))}
    spark = compile_query(query, database, now=NOW, dialect="spark")
    assert spark.params == {} and "'dk'" in spark.sql


def test_bad_arguments_are_clear_errors(fresh: Callable[[], SqlRepository]) -> None:
    database = fresh()
    with pytest.raises(InvalidArgumentError, match="duckdb or psycopg"):
        SqlRepository("duckdb:///x.db")
    with pytest.raises(InvalidArgumentError, match="dialect"):
        compile_query("EmailOpened", database, now=NOW, dialect="nosuchsql")
    with pytest.raises(InvalidArgumentError, match="now"):
        compile_query("EmailOpened", database, now=datetime(2026, 1, 1), dialect="duckdb")
    with pytest.raises(InvalidArgumentError, match="Nope"):
        database.members("Nope", now=NOW)


def test_a_record_added_by_another_connection_meanwhile_is_a_record_error(
    fresh: Callable[[], SqlRepository], monkeypatch: pytest.MonkeyPatch
) -> None:
    database = fresh()
    database.add_contacts([{"id": "ann"}])
    database.add_interactions([_opened("o1", "ann", 2)])
    before = (list(database.contacts()), list(database.interactions()))
    # The race: the check that ids are new runs before the write's
    # transaction; here it misses ids another connection has just written.
    existing = database._tables.existing

    def missing(table: str) -> Callable[..., set[str]]:
        def lookup(asked: str, column: str, ids: Any) -> set[str]:
            return set() if asked == table else existing(asked, column, ids)

        return lookup

    monkeypatch.setattr(database._tables, "existing", missing(database.layout.contacts))
    with pytest.raises(RecordError, match="another connection meanwhile"):
        database.add_contacts([{"id": "bob"}, {"id": "ann"}])
    monkeypatch.setattr(database._tables, "existing", missing(database.layout.interactions))
    with pytest.raises(RecordError, match="another connection meanwhile"):
        database.add_interactions([_opened("o2", "ann", 3), _opened("o1", "ann", 2)])
    monkeypatch.undo()
    assert (list(database.contacts()), list(database.interactions())) == before

"""``segmentkit query --db``: a query evaluated in a DuckDB file or on a
PostgreSQL server gives the JSON Lines answer; bad URLs are clear errors and
a query never writes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import duckdb
import pytest

from segmentkit.cli import main
from segmentkit.sample.data import SAMPLE_NOW, load_sample
from segmentkit.sql import SqlRepository
from sql_copies import copy_into

Capture = pytest.CaptureFixture[str]

QUERIES = (
    "EmailOpened at least 2 times in last 30 days",
    'contact.country = "dk" and not EmailHardBounced',
    "FormSubmitted in last 90 days or WebsiteVisited at least 3 times in last 30 days",
)
NOW = SAMPLE_NOW.isoformat()


def _sample_file(tmp_path: Path) -> Path:
    path = tmp_path / "sample.duckdb"
    connection = duckdb.connect(str(path))
    copy_into(load_sample(), SqlRepository(connection))
    connection.close()
    return path


def _run(capsys: Capture, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("text", QUERIES)
def test_a_duckdb_file_answers_as_the_data_file_does(
    tmp_path: Path, capsys: Capture, text: str
) -> None:
    path = _sample_file(tmp_path)
    code, from_db, db_err = _run(capsys, "query", text, "--db", f"duckdb:{path}", "--now", NOW)
    assert code == 0
    assert _run(capsys, "query", text, "--sample", "--now", NOW) == (0, from_db, db_err)
    assert from_db  # the sample has members for each of these
    assert _run(capsys, "query", text, "--db", f"duckdb:{path}", "--now", NOW, "--count") == (
        0,
        f"{len(from_db.splitlines())}\n",
        "",
    )


def test_postgres_answers_as_the_data_file_does(
    fresh_postgres: Callable[[], SqlRepository], postgres_url: str, capsys: Capture
) -> None:
    database = copy_into(load_sample(), fresh_postgres())
    schema = database.layout.schema_name
    assert schema is not None

    # The tables live in a schema of the test's own: the URL picks it.
    url = f"{postgres_url}?options={quote(f'-csearch_path={schema}')}"
    for text in QUERIES:
        expected = _run(capsys, "query", text, "--sample", "--now", NOW)
        assert _run(capsys, "query", text, "--db", url, "--now", NOW) == expected


def test_a_query_never_writes(tmp_path: Path, capsys: Capture) -> None:
    path = tmp_path / "empty.duckdb"
    duckdb.connect(str(path)).close()
    before = path.read_bytes()
    code, out, err = _run(capsys, "query", "EmailOpened", "--db", f"duckdb:{path}")
    assert (code, out) == (1, "")
    assert "read-only" in err and "SqlRepository" in err and "Traceback" not in err
    assert path.read_bytes() == before
    tables = duckdb.connect(str(path)).execute("SELECT count(*) FROM duckdb_tables()").fetchone()
    assert tables == (0,)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("duckdb:", "no DuckDB database file"),
        ("duckdb:{tmp}/missing.duckdb", "no DuckDB database file"),
        ("duckdb:{tmp}", "no DuckDB database file"),  # a directory
        ("duckdb:{tmp}/notes.txt", "not a valid DuckDB database"),
        ("mysql://ann:hunter2@db/x", "expected duckdb:PATH or postgresql://"),
        ("sqlite:///x.db", "expected duckdb:PATH or postgresql://"),
        ("postgresql://ann:hunter2@127.0.0.1:1/x", "failed"),
    ],
)
def test_bad_databases_are_clear_errors(
    tmp_path: Path, capsys: Capture, url: str, says: str
) -> None:
    (tmp_path / "notes.txt").write_text("not a database\n")
    code, out, err = _run(capsys, "query", "EmailOpened", "--db", url.format(tmp=tmp_path))
    assert (code, out) == (1, "")
    assert says in err and err.startswith("segmentkit: error: --db")
    assert "hunter2" not in err  # a password never reaches the terminal
    assert "Traceback" not in err


def test_db_and_data_exclude_each_other(capsys: Capture) -> None:
    code, out, err = _run(capsys, "query", "EmailOpened", "--db", "duckdb:x", "--sample")
    assert (code, out) == (2, "")
    assert "not allowed with argument" in err

"""docs/sql.md: its Python runs on DuckDB, its PostgreSQL example on a real
server, and its command lines print what it shows (the Spark example runs in
tests/spark, which has a SparkSession)."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import duckdb
import pytest

from doc_examples import blocks, console_commands
from doc_examples import run_python_blocks as run_doc_blocks
from segmentkit.cli import main
from segmentkit.sql import SqlRepository
from sql_copies import copy_into

PAGE = "docs/sql.md"
SHOWN_URL = "postgresql://app@db.internal:5432/marketing"


def run_python_blocks(page: str) -> dict[str, object]:
    """The page's Python in order, all but the Spark example (tests/spark runs it)."""
    return run_doc_blocks(page, unless="spark_members(")


def test_the_python_examples_run() -> None:
    namespace = run_python_blocks(PAGE)
    assert namespace["rows"] == []
    assert namespace["layout"].keys is False  # type: ignore[attr-defined]
    december = datetime(2026, 12, 1, tzinfo=UTC)
    assert namespace["repo"].members("Openers", now=december) == {"ann"}  # type: ignore[attr-defined]


def test_the_postgres_example_runs(postgres: Any, postgres_url: str) -> None:
    namespace = run_python_blocks(PAGE)
    (example,) = blocks(PAGE, "py")
    with postgres.cursor() as cursor:
        cursor.execute("DROP SCHEMA IF EXISTS segmentkit CASCADE")
        cursor.execute("CREATE SCHEMA segmentkit")
    postgres.commit()
    try:
        exec(example.code.replace(SHOWN_URL, str(postgres_url)), namespace)
        assert [c.id for c in namespace["repo"].contacts()] == ["ann"]  # type: ignore[attr-defined]
    finally:
        namespace["connection"].close()  # type: ignore[attr-defined]
        with postgres.cursor() as cursor:
            cursor.execute("DROP SCHEMA IF EXISTS segmentkit CASCADE")
        postgres.commit()


def test_the_command_lines_print_what_the_page_shows(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fresh_postgres: Callable[[], SqlRepository],
    postgres_url: str,
) -> None:
    example = run_python_blocks(PAGE)["repo"]
    connection = duckdb.connect(str(tmp_path / "marketing.duckdb"))
    copy_into(example, SqlRepository(connection))  # type: ignore[arg-type]
    connection.close()
    on_server = copy_into(example, fresh_postgres())  # type: ignore[arg-type]

    url = f"{postgres_url}?options={quote(f'-csearch_path={on_server.layout.schema_name}')}"
    monkeypatch.chdir(tmp_path)
    commands = console_commands(PAGE, "segmentkit")
    assert len(commands) == 2
    for command in commands:
        argv = [url if word == SHOWN_URL else word for word in shlex.split(command.argv)]
        assert main(argv) == 0, command.argv
        assert capsys.readouterr().out == command.output, command.argv

"""``query --db``: a query evaluated where the data lives, a DuckDB file or
a PostgreSQL server, through ``segmentkit.sql.SqlRepository``.

The ``sql`` extra (sqlglot, duckdb, psycopg) is imported here only, when a
database is asked for. A query never writes: DuckDB files open read-only,
PostgreSQL sessions are read-only, so a database without segmentkit's
tables is an error rather than a place where they get created.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from segmentkit.errors import InvalidArgumentError

if TYPE_CHECKING:
    from segmentkit.sql import SqlRepository

__all__ = ["open_database"]

_INSTALL = "pip install 'segmentkit[sql]'"
_DUCKDB = "duckdb:"
_POSTGRES = ("postgresql://", "postgres://")


@contextmanager
def open_database(url: str) -> Iterator[SqlRepository]:
    """The repository in ``duckdb:PATH`` or at ``postgresql://...``, closed after use."""
    connection = _connect(url)
    try:
        from segmentkit.sql import SqlRepository

        try:
            yield SqlRepository(connection)
        except InvalidArgumentError:
            raise
        except _database_errors() as error:
            raise InvalidArgumentError(
                f"--db {_shown(url)}: {_first_line(error)} "
                "(is it a database that SqlRepository wrote?)",
                argument="db",
            ) from None
    finally:
        connection.close()


def _connect(url: str) -> Any:
    if url.startswith(_DUCKDB):
        duckdb = _require("duckdb")
        path = url[len(_DUCKDB) :]
        if not path or not Path(path).is_file():
            raise InvalidArgumentError(
                f"--db {url!r}: no DuckDB database file at {path!r}", argument="db"
            )
        try:
            return duckdb.connect(path, read_only=True)
        except duckdb.Error as error:
            raise InvalidArgumentError(
                f"--db {url!r}: {_first_line(error)}", argument="db"
            ) from None
    if url.startswith(_POSTGRES):
        psycopg = _require("psycopg")
        try:
            connection = psycopg.connect(url, connect_timeout=10)
        except psycopg.Error as error:
            raise InvalidArgumentError(
                f"--db {_shown(url)}: {_first_line(error)}", argument="db"
            ) from None
        connection.read_only = True
        return connection
    raise InvalidArgumentError(
        f"--db {_shown(url)}: expected duckdb:PATH or postgresql://USER@HOST:PORT/DATABASE",
        argument="db",
    )


def _require(module: str) -> Any:
    try:
        importlib.import_module("sqlglot")  # SqlRepository writes its SQL with it
        return importlib.import_module(module)
    except ImportError:
        raise InvalidArgumentError(
            f"--db needs the sql extra, which is not installed: {_INSTALL}", argument="db"
        ) from None


def _database_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = []
    for module, name in (("duckdb", "Error"), ("psycopg", "Error")):
        try:
            errors.append(getattr(importlib.import_module(module), name))
        except ImportError:
            continue
    return tuple(errors)


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _shown(url: str) -> str:
    """The URL without a password, for messages."""
    head, at, tail = url.rpartition("@")
    if not at or "://" not in head:
        return repr(url)
    scheme, _, credentials = head.partition("://")
    user = credentials.split(":", 1)[0]
    return repr(f"{scheme}://{user}@{tail}")

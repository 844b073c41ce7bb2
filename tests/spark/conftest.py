"""Spark tests: one local SparkSession per module, run by ``make test-spark``
(marker ``spark``; the default ``pytest`` run leaves them out)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The user-shaped tables of the SQL tests (tests/sql/own_tables.py).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "sql"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.spark)

"""docs/sql.md: the example over your own tables runs (the Spark example
runs in tests/spark, which has a SparkSession)."""

from __future__ import annotations

from doc_examples import blocks

PAGE = "docs/sql.md"


def test_the_own_tables_example_runs() -> None:
    own_tables = blocks(PAGE, "python")[0]
    assert "TableLayout(" in own_tables.code and "spark" not in own_tables.code
    exec(compile(own_tables.code, f"{PAGE}:{own_tables.line}", "exec"), {"__name__": "doc"})

"""docs/sql.md, "Loading in bulk": its example runs and loads what it says."""

from __future__ import annotations

from doc_examples import run_python_blocks

PAGE = "docs/sql.md"


def test_the_bulk_loading_example_runs() -> None:
    namespace = run_python_blocks(PAGE, unless="spark_members(")  # tests/spark runs it
    crm = namespace["crm"]
    loaded = list(crm.interactions())  # type: ignore[attr-defined]
    assert len(loaded) == 20_000
    assert {record.contact_id for record in loaded} == {f"c{n}" for n in range(1_000)}

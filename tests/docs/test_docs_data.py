"""docs/data.md: its Python examples run, as a reader would run them."""

from __future__ import annotations

from typing import Any

from doc_examples import run_python_blocks

PAGE = "docs/data.md"


def test_the_examples_run() -> None:
    namespace: dict[str, Any] = run_python_blocks(PAGE)
    repo = namespace["repo"]
    assert {record.id for record in repo.interactions()} == {
        "o1", "o2", "o3", "k1", "k2", "w1"
    }
    assert namespace["clicked"] == {"ann"}
    assert namespace["refused"].startswith("is not a segmentkit snapshot")
    assert list(namespace["again"].interactions()) == list(repo.interactions())

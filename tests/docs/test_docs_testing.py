"""docs/testing.md: its Python examples run, and the tests they define pass."""

from __future__ import annotations

from collections.abc import Callable

import segmentkit.strategies
from doc_examples import blocks, run_python_blocks

PAGE = "docs/testing.md"


def test_the_examples_run_and_the_tests_they_define_pass() -> None:
    namespace = run_python_blocks(PAGE)
    tests = {
        name: value
        for name, value in namespace.items()
        if name.startswith("test_") and callable(value)
    }
    assert len(tests) >= 6
    for test in tests.values():
        runnable: Callable[[], None] = test
        runnable()


def test_every_public_strategy_appears_in_an_example() -> None:
    code = "\n".join(block.code for block in blocks(PAGE, "python"))
    for name in segmentkit.strategies.__all__:
        assert f"{name}(" in code, name

"""Every ```python block of docs/language.md runs, so the reference cannot drift.

The first block builds the sample repository; each later block runs in a
fresh namespace after it, so an example that saves segments or adds records
does not leak into the next one.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).parents[2] / "docs" / "language.md"
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)
HEADING = re.compile(r"^#+ (.+)$", re.MULTILINE)


def _blocks() -> list[tuple[str, str, int]]:
    """(code, heading above it, line number) for every python block, in order."""
    text = DOC.read_text(encoding="utf-8")
    blocks = []
    for match in PYTHON_BLOCK.finditer(text):
        headings = HEADING.findall(text, 0, match.start())
        line = text.count("\n", 0, match.start()) + 2  # first line of code
        blocks.append((match.group(1), headings[-1] if headings else "", line))
    return blocks


BLOCKS = _blocks()
SETUP, *EXAMPLES = BLOCKS


def _run(code: str, line: int, namespace: dict[str, object]) -> None:
    # Compiled with the document's name and padded to its line, so a failing
    # assertion's traceback points at the line of docs/language.md.
    exec(compile("\n" * (line - 1) + code, str(DOC), "exec"), namespace)


def test_document_has_a_setup_block_and_examples() -> None:
    assert "InMemoryRepository()" in SETUP[0]
    assert len(EXAMPLES) >= 30


@pytest.mark.parametrize(
    ("code", "line"),
    [pytest.param(code, line, id=f"line{line}-{heading}") for code, heading, line in EXAMPLES],
)
def test_example_runs(code: str, line: int) -> None:
    namespace: dict[str, object] = {"__name__": "language_md"}
    _run(SETUP[0], SETUP[2], namespace)
    _run(code, line, namespace)

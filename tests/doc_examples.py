"""Pull the runnable examples out of the Markdown docs, so that docs are tested."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_FENCE = re.compile(r"^```(\w+)\n(.*?)^```\n", re.DOTALL | re.MULTILINE)


@dataclass(frozen=True)
class Block:
    language: str
    code: str
    line: int  # 1-based line of the opening fence, for failure messages


def blocks(relative_path: str, language: str) -> list[Block]:
    """The fenced code blocks of one language, in document order."""
    text = (ROOT / relative_path).read_text(encoding="utf-8")
    return [
        Block(match.group(1), match.group(2), text.count("\n", 0, match.start()) + 1)
        for match in _FENCE.finditer(text)
        if match.group(1) == language
    ]


def run_python_blocks(relative_path: str, *, unless: str | None = None) -> dict[str, object]:
    """Execute the ``python`` blocks in order, in one namespace, as a reader
    would; with ``unless``, all but the blocks holding that text (an example
    that needs what the test run lacks, e.g. a SparkSession)."""
    namespace: dict[str, object] = {"__name__": "__doc_example__"}
    found = [
        block
        for block in blocks(relative_path, "python")
        if unless is None or unless not in block.code
    ]
    assert found, f"{relative_path} has no python examples"
    for block in found:
        code = compile(block.code, f"{relative_path}:{block.line}", "exec")
        exec(code, namespace)
    return namespace


@dataclass(frozen=True)
class Command:
    argv: str
    output: str
    line: int


def console_commands(relative_path: str, program: str) -> list[Command]:
    """``$ program ...`` lines of the ``console`` blocks, each with the output shown under it."""
    commands: list[Command] = []
    for block in blocks(relative_path, "console"):
        current: list[str] | None = None
        for line in block.code.splitlines():
            if line.startswith("$ "):
                current = None
                if line.startswith(f"$ {program} "):
                    current = []
                    commands.append(Command(line[len(program) + 3 :], "", block.line))
            elif current is not None:
                last = commands[-1]
                commands[-1] = Command(last.argv, last.output + line + "\n", last.line)
    return commands

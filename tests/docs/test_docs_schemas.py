"""docs/schemas.md: its Python runs, and its console blocks, run by a shell in a
fresh folder with this segmentkit first on PATH, print what the page shows."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from doc_examples import blocks, run_python_blocks

PAGE = "docs/schemas.md"


def test_the_python_examples_run_in_order() -> None:
    namespace = run_python_blocks(PAGE)
    assert namespace["refused"] is True


def _commands(code: str) -> list[tuple[str, str]]:
    """(command, output shown under it) for each ``$ `` line of a console block."""
    found: list[tuple[str, str]] = []
    for line in code.splitlines():
        if line.startswith("$ "):
            found.append((line[2:], ""))
        elif found:
            found[-1] = (found[-1][0], found[-1][1] + line + "\n")
    return found


@pytest.mark.slow
def test_the_console_blocks_print_what_the_page_shows(tmp_path: Path) -> None:
    consoles = blocks(PAGE, "console")
    commands = [command for block in consoles for command in _commands(block.code)]
    # The page shows readers.txt with `cat` before formatting it: start from that.
    first_cat = next(output for command, output in commands if command == "cat readers.txt")
    (tmp_path / "readers.txt").write_text(first_cat, encoding="utf-8")
    environment = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    assert len(commands) >= 7
    for command, shown in commands:
        result = subprocess.run(
            ["bash", "-c", command], cwd=tmp_path, env=environment,
            capture_output=True, text=True, check=False,
        )
        # stderr after stdout: the page's commands print to one or the other.
        assert result.stdout + result.stderr == shown, command
        assert (result.returncode != 0) == ("error:" in shown), command

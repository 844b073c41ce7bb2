"""docs/quickstart.md: its Python examples run in order, its command lines print what it shows."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from doc_examples import console_commands, run_python_blocks
from segmentkit.cli import main

PAGE = "docs/quickstart.md"


def test_the_python_examples_run_in_order() -> None:
    namespace = run_python_blocks(PAGE)
    assert namespace["crm"] is not None


def test_the_command_lines_print_what_the_page_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The page's data file example, where its commands expect it.
    namespace = run_python_blocks(PAGE)
    (tmp_path / "crm.jsonl").write_text(str(namespace["lines"]), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()  # what the Python examples printed
    commands = console_commands(PAGE, "segmentkit")
    assert len(commands) >= 3
    for command in commands:
        code = main(shlex.split(command.argv))
        captured = capsys.readouterr()
        shown = captured.out + captured.err
        assert shown == command.output, f"segmentkit {command.argv} (block at line {command.line})"
        assert code == (1 if "error:" in command.output else 0)

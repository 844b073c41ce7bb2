"""docs/workflows.md: its walkthroughs run in order, its command lines print what it shows."""

from __future__ import annotations

import shlex
from importlib import resources
from pathlib import Path

import pytest

from doc_examples import console_commands, run_python_blocks
from segmentkit.cli import main

PAGE = "docs/workflows.md"


def test_the_python_walkthroughs_run_in_order() -> None:
    namespace = run_python_blocks(PAGE)
    assert namespace["m"] is not None
    assert namespace["restored"] is not None


def test_the_command_lines_print_what_the_page_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = resources.files("segmentkit.sample").joinpath("sample.jsonl").read_bytes()
    (tmp_path / "crm.jsonl").write_bytes(sample)
    monkeypatch.chdir(tmp_path)
    commands = console_commands(PAGE, "segmentkit")
    assert len(commands) >= 3
    for command in commands:
        code = main(shlex.split(command.argv))
        captured = capsys.readouterr()
        assert captured.out == command.output, f"segmentkit {command.argv} (line {command.line})"
        assert code == 0, captured.err

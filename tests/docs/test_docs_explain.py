"""docs/explain.md: its Python runs, its command lines print what it shows,
and its picture is what the command it names draws."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from doc_examples import ROOT, blocks, console_commands, run_python_blocks
from segmentkit.cli import main

PAGE = "docs/explain.md"


def test_the_python_examples_run() -> None:
    namespace = run_python_blocks(PAGE)
    assert namespace["why"] is not None
    assert namespace["steps"]


def test_the_command_lines_print_what_the_page_shows(
    capsys: pytest.CaptureFixture[str],
) -> None:
    commands = console_commands(PAGE, "segmentkit")
    assert len(commands) >= 4
    for command in commands:
        code = main(shlex.split(command.argv))
        captured = capsys.readouterr()
        assert captured.out == command.output, f"segmentkit {command.argv} (line {command.line})"
        assert code == 0, captured.err


def test_the_picture_is_drawn_by_the_command_the_page_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib")
    (block,) = blocks(PAGE, "sh")
    argv = shlex.split(block.code.strip())
    assert argv[0] == "segmentkit"
    picture = argv[argv.index("--plot") + 1]
    assert f"]({Path(picture).relative_to('docs')})" in (ROOT / PAGE).read_text(encoding="utf-8")
    assert (ROOT / picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    drawn = tmp_path / "drawn.png"
    argv[argv.index("--plot") + 1] = str(drawn)
    assert main(argv[1:]) == 0
    capsys.readouterr()
    assert drawn.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

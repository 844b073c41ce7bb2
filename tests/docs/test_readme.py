"""The README's Python example runs, asserts and all."""

from __future__ import annotations

import shlex

import pytest

from doc_examples import ROOT, blocks, console_commands, run_python_blocks
from segmentkit.cli import main


def test_the_readme_example_runs() -> None:
    namespace = run_python_blocks("README.md")
    assert namespace["repo"] is not None


def test_the_readme_example_is_short() -> None:
    (example,) = blocks("README.md", "python")
    assert len(example.code.splitlines()) <= 18


def test_the_readme_links_the_docs() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for page in ("docs/language.md", "docs/quickstart.md", "docs/decisions.md",
                 "docs/explain.md"):
        assert f"]({page})" in text


def test_the_readme_commands_print_what_it_shows(capsys: pytest.CaptureFixture[str]) -> None:
    commands = console_commands("README.md", "segmentkit")
    assert len(commands) >= 2
    for command in commands:
        assert main(shlex.split(command.argv)) == 0
        assert capsys.readouterr().out == command.output, command.argv

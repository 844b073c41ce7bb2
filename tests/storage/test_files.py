"""replace_atomically: the old file or the new one, never half of one."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from segmentkit.storage.files import replace_atomically


def test_the_file_is_replaced_with_the_text(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text("old\n")
    replace_atomically(path, "new\r\nlines\n")
    assert path.read_bytes() == b"new\r\nlines\n"
    assert [p.name for p in tmp_path.iterdir()] == ["data.jsonl"]


def test_the_file_keeps_its_permissions(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text("old\n")
    path.chmod(0o640)
    replace_atomically(path, "new\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_failure_half_way_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text("old\n")

    def fail(*args: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, failing, fail)
    with pytest.raises(OSError, match="Input/output"):
        replace_atomically(path, "new\n")
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["data.jsonl"]

"""The load's progress bar (``cli/progress.py``): drawn by tqdm on stderr
when stderr is a terminal and the load outlasts ``DELAY_SECONDS``; nothing
at all on a pipe, for a quick load, or without tqdm; stdout never changes."""

from __future__ import annotations

import io
import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segmentkit.cli import main
from segmentkit.cli import progress as cli_progress

NOW = "--now=2026-11-01T09:00:00Z"
QUERY = "EmailOpened in last 30 days"
MEMBERS = "c1\nc2\n"


class Terminal(io.StringIO):
    """A stderr that says it is a terminal and keeps what is written to it."""

    def isatty(self) -> bool:
        return True


def _line(kind: str, **fields: Any) -> str:
    return json.dumps({"kind": kind, **fields}) + "\n"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "crm.jsonl"
    lines = [_line("contact", id=f"c{n}") for n in range(1, 4)]
    lines += [
        _line("interaction", id=f"i{n}", type="EmailOpened", contact_id=f"c{n}",
              timestamp="2026-10-30T09:00:00Z", properties={"messageId": "m1"})
        for n in (1, 2)
    ]
    lines.append(_line("segment", name="Openers", query=QUERY))
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> Terminal:
    """stderr as a terminal, and a bar that shows from the first moment.

    Called in the test itself: capsys puts its own stderr back in place
    after the fixtures have run."""
    stream = Terminal()
    monkeypatch.setattr(sys, "stderr", stream)
    monkeypatch.setattr(cli_progress, "DELAY_SECONDS", 0)
    return stream


def _after_the_bar(text: str) -> str:
    """What a terminal shows once the bar is cleared: the text after its last \\r."""
    return text.rsplit("\r", 1)[-1]


# --- on a terminal ------------------------------------------------------------------


def test_a_json_lines_load_draws_a_bar_in_bytes_then_clears_it(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal = _on_a_terminal(monkeypatch)
    assert main(["query", QUERY, "--data", str(data), NOW]) == 0
    assert capsys.readouterr().out == MEMBERS
    shown = terminal.getvalue()
    size = data.stat().st_size
    assert "crm.jsonl:   0%|" in shown
    assert f"| 0.00/{size}" in shown  # counts bytes, up to the file's size
    assert _after_the_bar(shown) == "2 contacts\n"


def test_a_parquet_load_draws_a_bar_in_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal = _on_a_terminal(monkeypatch)
    pq.write_table(pa.table({"id": ["c1", "c2", "c3"]}), tmp_path / "contacts.parquet")
    assert main(["query", "EmailOpened", "--data", str(tmp_path), "--count", NOW]) == 0
    assert capsys.readouterr().out == "0\n"
    shown = terminal.getvalue()
    assert "0%|" in shown
    assert "| 0.00/3.00 [" in shown  # three rows
    assert "rows/s]" in shown


def test_stop_draws_a_bar_while_it_reads_the_file(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal = _on_a_terminal(monkeypatch)
    assert main(["stop", "Openers", "--data", str(data)]) == 0
    assert capsys.readouterr().out == "Openers: stopped\n"
    assert "crm.jsonl:   0%|" in terminal.getvalue()
    assert '"status":"stopped"' in data.read_text(encoding="utf-8")


def test_a_refused_file_clears_the_bar_before_the_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal = _on_a_terminal(monkeypatch)
    path = tmp_path / "bad.jsonl"
    path.write_text(_line("contact", id="c1") + "{not json\n", encoding="utf-8")
    assert main(["query", QUERY, "--data", str(path), NOW]) == 1
    assert capsys.readouterr().out == ""
    shown = terminal.getvalue()
    assert "bad.jsonl:   0%|" in shown
    assert _after_the_bar(shown).startswith(f"segmentkit: error: {path}, line 2: not valid JSON")


def test_a_quick_load_shows_no_bar_on_a_terminal(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal = _on_a_terminal(monkeypatch)
    monkeypatch.setattr(cli_progress, "DELAY_SECONDS", 60)  # the load ends long before
    assert main(["query", QUERY, "--data", str(data), NOW]) == 0
    assert capsys.readouterr().out == MEMBERS
    assert terminal.getvalue() == "2 contacts\n"


# --- no terminal, no tqdm -----------------------------------------------------------


def test_on_a_pipe_nothing_is_drawn_and_tqdm_is_not_imported(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli_progress, "DELAY_SECONDS", 0)
    monkeypatch.delitem(sys.modules, "tqdm", raising=False)
    assert main(["query", QUERY, "--data", str(data), NOW]) == 0
    assert capsys.readouterr() == (MEMBERS, "2 contacts\n")
    assert "tqdm" not in sys.modules


def test_without_tqdm_a_terminal_gets_no_bar_and_no_error(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal = _on_a_terminal(monkeypatch)
    monkeypatch.setitem(sys.modules, "tqdm", None)  # as if the extra were not installed
    assert main(["query", QUERY, "--data", str(data), NOW]) == 0
    assert capsys.readouterr().out == MEMBERS
    assert terminal.getvalue() == "2 contacts\n"


# --- a real terminal ----------------------------------------------------------------

_CHILD = """
import sys
from segmentkit.cli import main, progress
progress.DELAY_SECONDS = 0
sys.exit(main(sys.argv[1:]))
"""


def _run_on_a_pty(argv: list[str], *, sized: bool) -> tuple[int, bytes, bytes]:
    """``segmentkit argv`` in a child whose stderr is a pseudo-terminal:
    (exit status, stdout, what the terminal received)."""
    pty = pytest.importorskip("pty")
    import fcntl
    import struct
    import termios

    controller, terminal = pty.openpty()
    if sized:
        fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 120, 0, 0))
    try:
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, *argv],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=terminal,
        )
    finally:
        os.close(terminal)
    received = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], 1)
        if not ready:
            continue
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        received += chunk
    os.close(controller)
    assert child.stdout is not None
    out = child.stdout.read()
    child.stdout.close()
    return child.wait(timeout=60), out, received


@pytest.mark.slow
@pytest.mark.parametrize("sized", [True, False], ids=["sized", "unsized"])
def test_a_pseudo_terminal_receives_the_bar_and_stdout_is_unchanged(
    data: Path, sized: bool
) -> None:
    # Unsized: a pty nobody gave a size (some containers); tqdm alone draws nothing there.
    status, out, received = _run_on_a_pty(["query", QUERY, "--data", str(data), NOW], sized=sized)
    assert status == 0, received
    assert out == MEMBERS.encode()
    assert b"crm.jsonl:   0%|" in received
    # The pty turns "\n" into "\r\n"; after the bar's last "\r", only the count.
    assert received.replace(b"\r\n", b"\n").rsplit(b"\r", 1)[-1] == b"2 contacts\n"

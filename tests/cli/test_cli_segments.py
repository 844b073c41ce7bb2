"""The segment lifecycle on the command line: segments, go-live, stop."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from segmentkit.cli import main
from segmentkit.io.jsonl import load_repository

Capture = pytest.CaptureFixture[str]


def _record(kind: str, **fields: Any) -> str:
    return json.dumps({"kind": kind, **fields})


LINES = [
    "# segments of a small CRM",
    _record("contact", id="c1"),
    _record("contact", id="c2"),
    _record("interaction", id="i1", type="EmailOpened", contact_id="c1",
            timestamp="2026-10-31T09:00:00Z", properties={"messageId": "m1"}),
    _record("segment", name="Readers", query="EmailOpened in last 30 days"),
    _record("segment", name="Webinar", query="EventRegistration", status="draft"),
    _record("segment", name="Fans", query="segment Readers"),
    _record("segment", name="Vips", members=["c2"], status="stopped"),
]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "crm.jsonl"
    path.write_bytes(("\r\n".join(LINES) + "\r\n").encode())
    return path


def _run(capsys: Capture, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_segments_lists_status_and_members_of_live_ones(data: Path, capsys: Capture) -> None:
    code, out, err = _run(capsys, "segments", "--data", str(data), "--now", "2026-11-01")
    assert code == 0, err
    assert out.splitlines() == [
        "name     status   members  definition",
        "Readers  live           1  EmailOpened in last 30 days",
        "Webinar  draft          -  EventRegistration",
        "Fans     live           1  segment Readers",
        "Vips     stopped        -  static: 1 listed",
    ]


def test_segments_counts_at_now(data: Path, capsys: Capture) -> None:
    _, out, _ = _run(capsys, "segments", "--data", str(data), "--now", "2026-12-31")
    assert "Readers  live           0" in out


def test_segments_of_the_sample(capsys: Capture) -> None:
    code, out, _ = _run(capsys, "segments", "--sample")
    assert code == 0
    assert "EngagedDanes" in out and "live" in out


def test_go_live_changes_only_that_segments_line(data: Path, capsys: Capture) -> None:
    before = data.read_bytes().split(b"\r\n")
    code, out, err = _run(capsys, "go-live", "Webinar", "--data", str(data))
    assert (code, out, err) == (0, "Webinar: live\n", "")
    after = data.read_bytes().split(b"\r\n")
    changed = [i for i, (old, new) in enumerate(zip(before, after, strict=True)) if old != new]
    assert changed == [5]
    assert json.loads(after[5]) == {"kind": "segment", "name": "Webinar",
                                    "query": "EventRegistration"}
    assert load_repository(data).get_segment("Webinar").status == "live"  # type: ignore[union-attr]


def test_stop_writes_the_status_back(data: Path, capsys: Capture) -> None:
    assert _run(capsys, "stop", "Fans", "--data", str(data))[:2] == (0, "Fans: stopped\n")
    assert load_repository(data).get_segment("Fans").status == "stopped"  # type: ignore[union-attr]
    assert _run(capsys, "go-live", "Vips", "--data", str(data))[:2] == (0, "Vips: live\n")


REFUSALS = {
    "stopping a segment a live one refers to": (("stop", "Readers"), "'Fans'"),
    "an unknown name": (("go-live", "Webinr"), "did you mean 'Webinar'"),
    "stopping a draft": (("stop", "Webinar"), "only a live segment can be stopped"),
}


@pytest.mark.parametrize(("argv", "message"), REFUSALS.values(), ids=REFUSALS.keys())
def test_a_refused_change_leaves_the_file_as_it_was(
    data: Path, capsys: Capture, argv: tuple[str, str], message: str
) -> None:
    before = data.read_bytes()
    code, out, err = _run(capsys, *argv, "--data", str(data))
    assert code == 1 and out == ""
    assert err.startswith("segmentkit: error: ") and message in err
    assert data.read_bytes() == before


def test_a_draft_that_does_not_check_cannot_go_live(tmp_path: Path, capsys: Capture) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text(_record("segment", name="Later", query="EmailOpend", status="draft") + "\n")
    code, _, err = _run(capsys, "go-live", "Later", "--data", str(path))
    assert code == 1 and "did you mean EmailOpened?" in err


def test_a_crash_while_writing_leaves_the_old_file(
    data: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = data.read_bytes()

    def crash(source: object, target: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    code, _, err = _run(capsys, "go-live", "Webinar", "--data", str(data))
    assert code == 1 and "No space left" in err
    assert data.read_bytes() == before
    assert sorted(p.name for p in data.parent.iterdir()) == ["crm.jsonl"]  # no temporary left


def test_go_live_needs_a_data_file(capsys: Capture) -> None:
    assert _run(capsys, "go-live", "Engaged", "--sample")[0] == 2
    assert _run(capsys, "stop", "Engaged")[0] == 2

"""``segmentkit explain`` and ``segmentkit history`` (issue 9)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from segmentkit import changes, explain
from segmentkit.cli import main
from segmentkit.sample.data import SAMPLE_NOW, load_sample

Capture = pytest.CaptureFixture[str]


def _run(capsys: Capture, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def data(tmp_path: Path) -> Path:
    def opened(record_id: str, contact_id: str, when: str) -> str:
        return json.dumps({"kind": "interaction", "id": record_id, "type": "EmailOpened",
                           "contact_id": contact_id, "timestamp": when,
                           "properties": {"messageId": "m1"}})

    path = tmp_path / "crm.jsonl"
    lines = [
        json.dumps({"kind": "contact", "id": "c1"}),
        json.dumps({"kind": "contact", "id": "c2"}),
        opened("i1", "c1", "2026-10-01T12:00:00Z"),
        opened("i2", "c2", "2026-10-05T08:00:00Z"),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- explain ---------------------------------------------------------------------------


def test_explain_prints_the_tree_and_the_verdict(capsys: Capture) -> None:
    query = "EmailOpened at least 2 times in last 30 days and not EmailHardBounced"
    code, out, err = _run(capsys, "explain", query, "--sample", "--contact", "C0051")
    assert code == 0
    expected = explain(query, load_sample(), "C0051", now=SAMPLE_NOW)
    assert out == f"{expected}\n"
    assert out.splitlines()[0] == f"all of → {'yes' if expected.member else 'no'}"
    verdict = "is a member" if expected.member else "is not a member"
    assert err == f"C0051 {verdict} at {SAMPLE_NOW.isoformat()}\n"


def test_explain_at_now_in_a_zone(capsys: Capture, data: Path) -> None:
    code, out, _ = _run(capsys, "explain", "EmailOpened in last 7 days", "--data", str(data),
                        "--contact", "c1", "--now", "2026-10-08T13:59:59", "--tz",
                        "Europe/Copenhagen")
    assert code == 0
    assert out.startswith("EmailOpened in last 7 days: 1 record (i1)")
    assert out.rstrip().endswith("→ yes")


def test_explain_of_an_unknown_contact_is_an_error(capsys: Capture) -> None:
    code, out, err = _run(capsys, "explain", "EmailOpened", "--sample", "--contact", "nobody")
    assert (code, out) == (1, "")
    assert err.startswith("segmentkit: error: no contact with id 'nobody'")


def test_explain_needs_a_contact(capsys: Capture) -> None:
    code, _, err = _run(capsys, "explain", "EmailOpened", "--sample")
    assert code == 2
    assert "--contact" in err


# --- history ---------------------------------------------------------------------------


def test_history_prints_every_change_tab_separated(capsys: Capture, data: Path) -> None:
    code, out, err = _run(capsys, "history", "EmailOpened in last 7 days", "--data", str(data),
                          "--from", "2026-09-30", "--to", "2026-10-31")
    assert code == 0
    assert out.splitlines() == [
        "2026-10-01T12:00:00+00:00\tenters\tc1",
        "2026-10-05T08:00:00+00:00\tenters\tc2",
        "2026-10-08T12:00:00.000001+00:00\tleaves\tc1",
        "2026-10-12T08:00:00.000001+00:00\tleaves\tc2",
    ]
    assert err == ("4 changes; 0 members at 2026-09-30T00:00:00+00:00, "
                   "0 at 2026-10-31T23:59:59.999999+00:00\n")


def test_history_sizes_print_the_count_after_each_change(capsys: Capture, data: Path) -> None:
    code, out, _ = _run(capsys, "history", "EmailOpened in last 7 days", "--data", str(data),
                        "--from", "2026-10-02", "--to", "2026-10-09", "--sizes")
    assert code == 0
    assert out.splitlines() == [
        "2026-10-02T00:00:00+00:00\t1",
        "2026-10-05T08:00:00+00:00\t2",
        "2026-10-08T12:00:00.000001+00:00\t1",
    ]


def test_history_reads_dates_in_tz_and_shows_instants_in_it(
    capsys: Capture, data: Path
) -> None:
    code, out, err = _run(capsys, "history", "EmailOpened in last 7 days", "--data", str(data),
                          "--from", "2026-10-01T14:00", "--to", "2026-10-08",
                          "--tz", "Europe/Copenhagen")
    assert code == 0
    # 12:00Z is 14:00 in Copenhagen: i1 counts at --from already, and leaves
    # seven days on, within the day --to names.
    assert out.splitlines() == [
        "2026-10-05T10:00:00+02:00\tenters\tc2",
        "2026-10-08T14:00:00.000001+02:00\tleaves\tc1",
    ]
    assert "1 member at 2026-10-01T14:00:00+02:00, 1 at 2026-10-08T23:59:59.999999+02:00" in err


def test_history_matches_changes_on_the_sample(capsys: Capture) -> None:
    query = "EmailOpened at least 2 times in last 30 days"
    code, out, _ = _run(capsys, "history", query, "--sample", "--from", "2026-06-01",
                        "--to", "2026-07-01T00:00:00Z")
    assert code == 0
    expected = changes(query, load_sample(), start=datetime(2026, 6, 1, tzinfo=UTC),
                       end=datetime(2026, 7, 1, tzinfo=UTC))
    assert len(out.splitlines()) == len(expected) > 0
    assert out.splitlines()[0].split("\t") == [
        expected[0].at.isoformat(), "enters" if expected[0].entered else "leaves",
        expected[0].contact_id,
    ]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--from", "2026-10-09", "--to", "2026-10-01"], "--to (2026-10-01T23:59:59.999999+00:00)"
         " is before --from"),
        (["--from", "last week", "--to", "2026-10-01"], "--from 'last week' is not an ISO 8601"),
        (["--from", "2026-10-01", "--to", "2026-10-09", "--tz", "Mars/Olympus"],
         "unknown time zone"),
    ],
)
def test_history_refuses_a_bad_span(
    capsys: Capture, data: Path, options: list[str], message: str
) -> None:
    code, out, err = _run(capsys, "history", "EmailOpened", "--data", str(data), *options)
    assert (code, out) == (1, "")
    assert message in err


def test_history_plot_writes_a_png(capsys: Capture, data: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    chart = tmp_path / "size.png"
    code, _, err = _run(capsys, "history", "EmailOpened in last 7 days", "--data", str(data),
                        "--from", "2026-09-30", "--to", "2026-10-31", "--plot", str(chart))
    assert code == 0
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"segmentkit: wrote {chart}" in err


def test_history_plot_without_matplotlib_says_how_to_install_it(
    capsys: Capture, data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A None entry in sys.modules makes the import fail as if not installed.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    chart = tmp_path / "size.png"
    code, out, err = _run(capsys, "history", "EmailOpened", "--data", str(data),
                          "--from", "2026-09-30", "--to", "2026-10-31", "--plot", str(chart))
    assert (code, out) == (1, "")
    assert "pip install 'segmentkit[plot]'" in err
    assert not chart.exists()


def test_history_plot_into_a_missing_folder_is_a_clear_error(
    capsys: Capture, data: Path, tmp_path: Path
) -> None:
    pytest.importorskip("matplotlib")
    chart = tmp_path / "no" / "such" / "size.png"
    code, _, err = _run(capsys, "history", "EmailOpened", "--data", str(data),
                        "--from", "2026-09-30", "--to", "2026-10-31", "--plot", str(chart))
    assert code == 1
    assert f"cannot write {chart}" in err

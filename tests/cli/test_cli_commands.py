"""The segmentkit command line: demo, check, query; exit codes; no tracebacks."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segmentkit.cli import main
from segmentkit.engine.evaluate import evaluate
from segmentkit.sample.data import SAMPLE_NOW, load_sample

Capture = pytest.CaptureFixture[str]


def _record(kind: str, **fields: Any) -> str:
    return json.dumps({"kind": kind, **fields})


def _opened(record_id: str, contact_id: str, when: str) -> str:
    return _record("interaction", id=record_id, type="EmailOpened", contact_id=contact_id,
                   timestamp=when, properties={"messageId": "m1"})


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "crm.jsonl"
    lines = [
        "# a small CRM export",
        _record("contact", id="c2", email="bo@fabrikam.com", attributes={"country": "SE"}),
        _record("contact", id="c1", email="ann@contoso.com", attributes={"country": "DK"}),
        _record("contact", id="c3"),
        _opened("i1", "c1", "2026-10-31T23:30:00Z"),
        _opened("i2", "c2", "2026-10-20T12:00:00Z"),
        _opened("i3", "c3", "2999-01-01T00:00:00Z"),
        _record("segment", name="Danes", query='contact.country = "DK"'),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _run(capsys: Capture, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- demo ---------------------------------------------------------------------------


def test_demo_prints_the_queries_and_their_members(capsys: Capture) -> None:
    code, out, err = _run(capsys, "demo")
    assert code == 0
    assert err == ""
    assert "EmailOpened at least 3 times in last 14 days" in out
    assert "of 300 contacts" in out


# --- check --------------------------------------------------------------------------


def test_check_prints_the_canonical_form(capsys: Capture) -> None:
    code, out, err = _run(capsys, "check", "EmailOpened  at least 3 time in the last 14 days")
    assert (code, out, err) == (0, "EmailOpened at least 3 times in last 14 days\n", "")


def test_check_reports_a_syntax_error_with_a_caret_and_exits_1(capsys: Capture) -> None:
    code, out, err = _run(capsys, "check", "EmailOpened at least times")
    assert code == 1
    assert out == ""
    assert err.startswith("segmentkit: error: ")
    assert "EmailOpened at least times\n" in err
    assert "^" in err
    assert "Traceback" not in err


def test_check_reports_an_unknown_type_with_a_suggestion(capsys: Capture) -> None:
    code, out, err = _run(capsys, "check", "EmailOpend in last 7 days")
    assert code == 1
    assert out == ""
    assert "EmailOpened" in err
    assert "^" in err


def test_check_reports_a_field_the_type_does_not_declare(capsys: Capture) -> None:
    code, _, err = _run(capsys, "check", 'EmailClicked where linkURL contains "pricing"')
    assert code == 1
    assert "linkURL" in err


def test_check_without_data_accepts_segment_names_and_says_so(capsys: Capture) -> None:
    code, out, err = _run(capsys, "check", "segment Engaged and not segment Unsubscribed")
    assert code == 0
    assert out == "segment Engaged and not segment Unsubscribed\n"
    assert "not checked (Engaged, Unsubscribed)" in err


def test_check_with_data_checks_segment_names(capsys: Capture, data: Path) -> None:
    assert _run(capsys, "check", "segment Danes", "--data", str(data))[0] == 0
    code, out, err = _run(capsys, "check", "segment Danish", "--data", str(data))
    assert code == 1
    assert out == ""
    assert "Danes" in err  # the suggestion


def test_check_with_data_knows_the_files_types(capsys: Capture, tmp_path: Path) -> None:
    path = tmp_path / "types.jsonl"
    path.write_text(_record("type", name="PhoneCall", fields={"outcome": "text"}) + "\n")
    code, out, _ = _run(capsys, "check", 'PhoneCall where outcome = "won"', "--data", str(path))
    assert (code, out) == (0, 'PhoneCall where outcome = "won"\n')
    assert _run(capsys, "check", 'PhoneCall where outcome = "won"')[0] == 1


def test_check_reads_the_query_from_stdin_for_a_dash(
    capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("EmailOpened # opened\n  in last 7 days\n"))
    assert _run(capsys, "check", "-") == (0, "EmailOpened in last 7 days\n", "")


# --- query --------------------------------------------------------------------------


def test_query_prints_sorted_member_ids_and_the_count_on_stderr(
    capsys: Capture, data: Path
) -> None:
    code, out, err = _run(capsys, "query", "EmailOpened in last 30 days", "--data", str(data),
                          "--now", "2026-11-01T09:00:00Z")
    assert (code, out, err) == (0, "c1\nc2\n", "2 contacts\n")


def test_query_count_prints_only_the_number(capsys: Capture, data: Path) -> None:
    code, out, _ = _run(capsys, "query", "not EmailOpened", "--data", str(data),
                        "--now", "2026-11-01T09:00:00Z", "--count")
    assert (code, out) == (0, "1\n")


def test_query_evaluates_saved_segments_of_the_file(capsys: Capture, data: Path) -> None:
    code, out, err = _run(capsys, "query", "segment Danes", "--data", str(data))
    assert (code, out, err) == (0, "c1\n", "1 contact\n")


def test_query_without_now_uses_the_current_time(capsys: Capture, data: Path) -> None:
    # c3's record lies in 2999: only a "now" that is today leaves it out.
    code, out, _ = _run(capsys, "query", "EmailOpened", "--data", str(data))
    assert (code, out) == (0, "c1\nc2\n")


def test_a_naive_now_is_read_in_tz(capsys: Capture, data: Path) -> None:
    query = ["query", "EmailOpened in last 1 hour", "--data", str(data), "--now",
             "2026-11-01T00:20:00"]
    # 00:20 UTC: c1's open at 23:30 UTC is 50 minutes old.
    assert _run(capsys, *query)[1] == "c1\n"
    # 00:20 in Copenhagen is 23:20 UTC: c1's open has not happened yet.
    assert _run(capsys, *query, "--tz", "Europe/Copenhagen")[1] == ""


def test_tz_places_the_dates_of_the_query(capsys: Capture, data: Path) -> None:
    query = ["query", "EmailOpened since 2026-11-01", "--data", str(data), "--now",
             "2026-11-01T09:00:00Z"]
    assert _run(capsys, *query)[1] == ""
    # 23:30 UTC on Oct 31 is already Nov 1 in Copenhagen.
    assert _run(capsys, *query, "--tz", "Europe/Copenhagen")[1] == "c1\n"


def test_an_aware_now_keeps_its_offset(capsys: Capture, data: Path) -> None:
    code, out, _ = _run(capsys, "query", "EmailOpened in last 1 hour", "--data", str(data),
                        "--now", "2026-11-01T01:20:00+01:00", "--tz", "America/New_York")
    assert (code, out) == (0, "c1\n")


@pytest.mark.parametrize("now", ["yesterday", "2026-13-01", "2026-11-01T25:00", ""])
def test_a_bad_now_exits_1(capsys: Capture, data: Path, now: str) -> None:
    code, out, err = _run(capsys, "query", "all", "--data", str(data), "--now", now)
    assert code == 1
    assert out == ""
    assert "--now" in err
    assert "Traceback" not in err


def test_an_unknown_tz_exits_1(capsys: Capture, data: Path) -> None:
    code, _, err = _run(capsys, "query", "all", "--data", str(data), "--tz", "Mars/Olympus")
    assert code == 1
    assert "Mars/Olympus" in err


def test_a_bad_query_exits_1_with_the_caret(capsys: Capture, data: Path) -> None:
    code, out, err = _run(capsys, "query", "EmailOpened where messageId = null",
                          "--data", str(data))
    assert code == 1
    assert out == ""
    assert "is null" in err


def test_a_bad_line_in_the_data_file_names_its_line(capsys: Capture, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(_record("contact", id="c1") + "\n\n" + '{"kind": "contact", "id": }\n')
    code, out, err = _run(capsys, "query", "all", "--data", str(path))
    assert code == 1
    assert out == ""
    assert f"{path}, line 3: not valid JSON" in err


def test_a_refused_record_in_the_data_file_names_its_line(
    capsys: Capture, tmp_path: Path
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(_opened("i1", "nobody", "2026-10-01T00:00:00Z") + "\n")
    code, _, err = _run(capsys, "query", "all", "--data", str(path))
    assert code == 1
    assert f"{path}, line 1: " in err
    assert "nobody" in err


@pytest.mark.parametrize("command", ["query", "check"])
def test_a_missing_data_file_exits_1(capsys: Capture, tmp_path: Path, command: str) -> None:
    missing = tmp_path / "missing.jsonl"
    code, _, err = _run(capsys, command, "all", "--data", str(missing))
    assert code == 1
    assert err == f"segmentkit: error: cannot read {missing}: No such file or directory\n"


def test_a_directory_without_parquet_files_as_data_exits_1(
    capsys: Capture, tmp_path: Path
) -> None:
    # A directory is read as Parquet files (docs/data.md): this one has none.
    code, _, err = _run(capsys, "query", "all", "--data", str(tmp_path))
    assert code == 1
    assert err == f"segmentkit: error: {tmp_path}: the directory holds no contacts.parquet\n"


def test_sample_stands_for_the_bundled_data_at_its_own_now(capsys: Capture) -> None:
    query = "EmailOpened at least 3 times in last 14 days"
    expected = evaluate(query, load_sample(), now=SAMPLE_NOW)
    code, out, err = _run(capsys, "query", query, "--sample")
    assert code == 0
    assert out == "".join(f"{member}\n" for member in sorted(expected))
    assert err == f"{len(expected)} contacts\n"


def test_check_against_the_sample_knows_its_segments(capsys: Capture) -> None:
    assert _run(capsys, "check", "segment Engaged", "--sample") == (0, "segment Engaged\n", "")
    code, _, err = _run(capsys, "check", "segment Engagd", "--sample")
    assert code == 1
    assert "did you mean Engaged" in err


def test_no_note_about_segment_names_when_the_check_fails(capsys: Capture) -> None:
    code, _, err = _run(capsys, "check", "segment Engaged and EmailOpend")
    assert code == 1
    assert "note" not in err


def test_ctrl_c_exits_130_without_a_traceback(
    capsys: Capture, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("segmentkit.cli.inputs.load_repository", interrupted)
    assert _run(capsys, "query", "all", "--data", str(data)) == (130, "", "")


# --- usage -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        [], ["frobnicate"], ["query", "all"], ["check"], ["check", "all", "--now", "x"],
        ["query", "all", "--data", "x.jsonl", "--sample"],
    ],
)
def test_usage_errors_exit_2(capsys: Capture, argv: list[str]) -> None:
    code, out, err = _run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert "usage: segmentkit" in err


def test_version_and_help_exit_0(capsys: Capture) -> None:
    code, out, _ = _run(capsys, "--version")
    assert (code, out) == (0, "segmentkit 0.1.0\n")
    code, out, _ = _run(capsys, "query", "--help")
    assert code == 0
    assert "--now ISO" in out


@given(st.text(max_size=60))
def test_check_never_shows_a_traceback(text: str) -> None:
    stdout, stderr = io.StringIO(), io.StringIO()
    with redirect_stdout(stdout), redirect_stderr(stderr):
        code = main(["check", "--", text])
    assert code in (0, 1)
    if code == 1:
        assert stderr.getvalue().startswith("segmentkit: error: ")
        assert stdout.getvalue() == ""

"""segmentkit format FILE... [--check] and segmentkit schema NAME."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from segmentkit.cli import main
from segmentkit.io.json_schema import json_schema

Capture = pytest.CaptureFixture[str]
ROOT = Path(__file__).resolve().parents[2]

MESSY = "# readers\nEmailOpened at least 3 time in the last 14 days   # x\n\n"
CANONICAL = "# readers\nEmailOpened at least 3 times in last 14 days  # x\n"


def _run(capsys: Capture, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    messy = tmp_path / "messy.txt"
    messy.write_text(MESSY, encoding="utf-8")
    canonical = tmp_path / "canonical.txt"
    canonical.write_text(CANONICAL, encoding="utf-8")
    return messy, canonical


def test_format_rewrites_the_files_that_are_not_canonical(
    capsys: Capture, files: tuple[Path, Path]
) -> None:
    messy, canonical = files
    before = canonical.stat().st_mtime_ns
    code, out, err = _run(capsys, "format", str(messy), str(canonical))
    assert code == 0
    assert out == f"reformatted {messy}\n"
    assert err == "1 file reformatted, 1 file already canonical\n"
    assert messy.read_text(encoding="utf-8") == CANONICAL
    assert canonical.stat().st_mtime_ns == before


def test_check_lists_the_files_and_rewrites_nothing(
    capsys: Capture, files: tuple[Path, Path]
) -> None:
    messy, canonical = files
    code, out, _ = _run(capsys, "format", "--check", str(messy), str(canonical))
    assert code == 1
    assert out == f"would reformat {messy}\n"
    assert messy.read_text(encoding="utf-8") == MESSY


def test_check_passes_on_canonical_files(capsys: Capture, files: tuple[Path, Path]) -> None:
    code, out, err = _run(capsys, "format", "--check", str(files[1]))
    assert (code, out) == (0, "")
    assert err == "0 files would be reformatted, 1 file already canonical\n"


def test_the_repositorys_own_query_files_are_canonical(capsys: Capture) -> None:
    code, _, err = _run(capsys, "format", "--check", str(ROOT / "tests" / "data" / "identity.txt"))
    assert code == 0, err


def test_a_byte_order_mark_is_ignored_and_not_written(capsys: Capture, tmp_path: Path) -> None:
    canonical = tmp_path / "bom-canonical.txt"
    canonical.write_bytes(b"\xef\xbb\xbf" + CANONICAL.encode())
    messy = tmp_path / "bom-messy.txt"
    messy.write_bytes(b"\xef\xbb\xbf" + MESSY.encode())
    code, out, _ = _run(capsys, "format", str(canonical), str(messy))
    assert (code, out) == (0, f"reformatted {messy}\n")
    assert messy.read_bytes() == CANONICAL.encode()


def test_a_file_named_twice_is_formatted_once(capsys: Capture, files: tuple[Path, Path]) -> None:
    messy, _ = files
    code, out, err = _run(capsys, "format", str(messy), str(messy))
    assert (code, out) == (0, f"reformatted {messy}\n")
    assert err == "1 file reformatted, 0 files already canonical\n"


def test_an_invalid_query_in_one_file_rewrites_no_file(
    capsys: Capture, files: tuple[Path, Path], tmp_path: Path
) -> None:
    messy, _ = files
    bad = tmp_path / "bad.txt"
    bad.write_text("all\nnot at\n", encoding="utf-8")
    code, out, err = _run(capsys, "format", str(messy), str(bad))
    assert code == 1
    assert out == ""
    assert f"segmentkit: error: {bad}: at is a reserved word" in err
    assert "(line 2, column 5)" in err
    assert err.endswith("segmentkit: no file was rewritten\n")
    assert messy.read_text(encoding="utf-8") == MESSY
    assert bad.read_text(encoding="utf-8") == "all\nnot at\n"


def test_every_refused_file_is_reported(
    capsys: Capture, files: tuple[Path, Path], tmp_path: Path
) -> None:
    messy, _ = files
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("contact.city = 'Århus'\n".encode("latin-1"))
    missing = tmp_path / "missing.txt"
    code, _, err = _run(capsys, "format", str(latin), str(missing), str(tmp_path), str(messy))
    assert code == 1
    assert f"{latin} is not UTF-8 text" in err
    assert f"cannot read {missing}: No such file or directory" in err
    assert f"cannot read {tmp_path}: Is a directory" in err
    assert messy.read_text(encoding="utf-8") == MESSY
    assert "Traceback" not in err


def test_format_needs_a_file(capsys: Capture) -> None:
    code, _, err = _run(capsys, "format")
    assert code == 2
    assert "FILE" in err


@pytest.mark.parametrize("name", ["contact", "interaction", "segment", "query"])
def test_schema_prints_the_json_schema(capsys: Capture, name: str) -> None:
    code, out, err = _run(capsys, "schema", name)
    assert (code, err) == (0, "")
    assert json.loads(out) == json_schema(name)


def test_schema_of_an_unknown_name_is_a_clear_error(capsys: Capture) -> None:
    code, out, err = _run(capsys, "schema", "segments")
    assert (code, out) == (1, "")
    assert err == (
        "segmentkit: error: there is no schema named 'segments'; did you mean segment? "
        "the schemas are: contact, interaction, segment, query\n"
    )

"""The wheel carries the grammar and the package works from it alone."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps",
         "--no-build-isolation", "--quiet", "-w", str(out)],
        check=True,
    )
    (built,) = out.glob("segmentkit-*.whl")
    return built


def test_wheel_contains_the_grammar_and_type_marker(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "segmentkit/language/grammar/segment.lark" in names
    assert "segmentkit/py.typed" in names
    packaged = zipfile.ZipFile(wheel).read("segmentkit/language/grammar/segment.lark")
    assert packaged == (ROOT / "grammar" / "segment.lark").read_bytes()


def test_installed_wheel_parses_without_the_checkout(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    script = (
        "import segmentkit, pathlib, sys\n"
        f"location = pathlib.Path(segmentkit.__file__)\n"
        f"assert location.is_relative_to({str(target)!r}), location\n"
        "q = segmentkit.parse('EmailOpened at least 3 times in last 14 days')\n"
        "print(segmentkit.format(q))\n"
    )
    # Run from an empty directory with the extracted wheel first on the path,
    # so neither the checkout's src/ nor its grammar/ can be what is found.
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env={"PYTHONPATH": str(target), "PATH": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "EmailOpened at least 3 times in last 14 days"

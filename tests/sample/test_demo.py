"""The demo: one query per feature, each interesting on the sample data."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from segmentkit.engine.evaluate import evaluate
from segmentkit.language.ast import (
    And,
    Between,
    InLast,
    InteractionCondition,
    Not,
    ProfileCondition,
    Query,
    SegmentReference,
)
from segmentkit.language.format import format
from segmentkit.language.parse import parse
from segmentkit.repository import InMemoryRepository
from segmentkit.sample.data import SAMPLE_NOW, load_sample
from segmentkit.sample.demo import DEMO_QUERIES, DemoQuery, run_demo


@pytest.fixture(scope="module")
def repo() -> InMemoryRepository:
    return load_sample()


@pytest.fixture(scope="module")
def output() -> str:
    out = io.StringIO()
    run_demo(out)
    return out.getvalue()


@pytest.mark.parametrize("demo", DEMO_QUERIES, ids=[d.feature.split(":")[0] for d in DEMO_QUERIES])
def test_each_demo_query_selects_some_but_not_all_contacts(
    demo: DemoQuery, repo: InMemoryRepository
) -> None:
    total = sum(1 for _ in repo.contacts())
    members = evaluate(demo.text, repo, now=SAMPLE_NOW)
    assert 0 < len(members) < total, f"{demo.text!r} selects {len(members)} of {total}"


def _nodes(query: Query) -> list[object]:
    return list(query.walk())


def test_the_demo_covers_each_main_feature() -> None:
    queries = [parse(demo.text) for demo in DEMO_QUERIES]
    nodes = [node for query in queries for node in _nodes(query)]
    conditions = [n for n in nodes if isinstance(n, InteractionCondition)]
    assert any(c.count is not None and c.count.operator == "at least" for c in conditions)
    assert any(c.count is not None and c.count.value == 0 for c in conditions)
    assert any(c.via is not None for c in conditions)
    assert any(c.where is not None for c in conditions)
    assert any(isinstance(c.window, Between) for c in conditions)
    assert any(isinstance(c.window, InLast) for c in conditions)
    assert any(isinstance(n, ProfileCondition) for n in nodes)
    assert any(isinstance(n, SegmentReference) for n in nodes)
    assert any(isinstance(n, Not) for n in nodes)
    assert any(isinstance(n, And) for n in nodes)


def test_the_output_shows_each_query_in_canonical_form_with_its_count(
    output: str, repo: InMemoryRepository
) -> None:
    for demo in DEMO_QUERIES:
        members = evaluate(demo.text, repo, now=SAMPLE_NOW)
        canonical = format(parse(demo.text))
        assert f"   {canonical}\n   -> {len(members)} of " in output
        first = min(members)
        assert f"      {first}  " in output


def test_the_output_is_the_same_every_time(output: str) -> None:
    again = io.StringIO()
    run_demo(again)
    assert again.getvalue() == output


def test_the_output_lists_the_saved_segments(output: str, repo: InMemoryRepository) -> None:
    for segment in repo.segments():
        size = len(repo.members(segment.name, now=SAMPLE_NOW))
        assert f"   {segment.name} ({size} members): " in output


@pytest.mark.slow
def test_the_demo_runs_from_an_installed_wheel(tmp_path: Path) -> None:
    # The sample is package data read with importlib.resources: it must
    # travel in the wheel, and nothing may look for it in the checkout.
    root = Path(__file__).resolve().parents[2]
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(root), "--no-deps", "--no-build-isolation",
         "--quiet", "-w", str(tmp_path / "wheel")],
        check=True,
    )
    (wheel,) = (tmp_path / "wheel").glob("segmentkit-*.whl")
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    script = (
        "import pathlib, segmentkit\n"
        f"assert pathlib.Path(segmentkit.__file__).is_relative_to({str(site)!r})\n"
        "from segmentkit.cli import main\n"
        "raise SystemExit(main(['demo']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(site)}, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "of 300 contacts" in result.stdout

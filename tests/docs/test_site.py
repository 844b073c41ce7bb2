"""The documentation site: it builds strictly (no broken link, no page left
out), has the pages the project promises, highlights queries with segmentkit's
lexer, documents every public name, and every query shown is canonical."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import segmentkit
from doc_examples import ROOT, blocks, run_python_blocks
from segmentkit.language.query_lines import format_query_lines

pytestmark = pytest.mark.slow

PAGES = {
    "Home": "index.md",
    "Quickstart": "quickstart.md",
    "Language reference": "language.md",
    "Workflows": "workflows.md",
    "Explain and history": "explain.md",
    "Speed and re-evaluation": "performance.md",
    "SQL": "sql.md",
    "Data in and out": "data.md",
    "Records, schemas and query files": "schemas.md",
    "Testing with Hypothesis": "testing.md",
    "Decisions": "decisions.md",
    "API reference": "api.md",
}


def _page(site: Path, source: str) -> str:
    built = site / ("index.html" if source == "index.md" else f"{source[:-3]}/index.html")
    return built.read_text(encoding="utf-8")


def test_the_nav_has_every_promised_page() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    nav = {title: page for entry in config["nav"] for title, page in entry.items()}
    assert nav == PAGES
    on_disk = {path.name for path in (ROOT / "docs").glob("*.md")}
    assert on_disk == set(PAGES.values())


def test_the_site_builds_strictly_and_quietly(built_site: tuple[Path, str]) -> None:
    site, log = built_site
    assert "WARNING" not in log
    for source in PAGES.values():
        assert "<h1" in _page(site, source), source


def test_the_home_page_is_the_readmes_pitch(built_site: tuple[Path, str]) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "<!-- --8<-- [start:pitch] -->" in readme
    assert "<!-- --8<-- [end:pitch] -->" in readme
    home = _page(built_site[0], "index.md")
    assert "Say <em>who</em> in plain text." in home
    assert "draft / live / stopped" in home  # the pitch's last paragraph


def test_query_blocks_are_highlighted_by_segmentkits_lexer(
    built_site: tuple[Path, str],
) -> None:
    language = _page(built_site[0], "language.md")
    assert 'class="language-segmentkit highlight"' in language
    assert '<span class="k">least</span>' in language
    assert '<span class="ow">and</span>' in language


def test_the_api_reference_documents_every_public_name(built_site: tuple[Path, str]) -> None:
    api = _page(built_site[0], "api.md")
    for name in segmentkit.__all__:
        assert f'id="segmentkit.{name}"' in api, name
    for name in ("json_schema", "SCHEMA_NAMES"):
        assert f'id="segmentkit.io.json_schema.{name}"' in api, name
    assert 'id="segmentkit.language.highlight.SegmentLexer"' in api


def test_the_search_index_covers_every_page(built_site: tuple[Path, str]) -> None:
    index = json.loads((built_site[0] / "search" / "search_index.json").read_text("utf-8"))
    locations = {document["location"].split("#")[0] for document in index["docs"]}
    assert {"", "language/", "data/", "api/"} <= locations


def test_the_home_pages_python_runs() -> None:
    assert '<span class="k">days</span>' in str(run_python_blocks("docs/index.md")["html"])


QUERY_PAGES = ["README.md", *(f"docs/{page}" for page in PAGES.values())]


@pytest.mark.parametrize("page", QUERY_PAGES)
def test_every_query_block_is_canonical(page: str) -> None:
    for block in blocks(page, "segmentkit"):
        assert format_query_lines(block.code) == block.code, f"{page}:{block.line}"


def test_there_are_query_blocks_to_check() -> None:
    assert sum(len(blocks(page, "segmentkit")) for page in QUERY_PAGES) >= 2

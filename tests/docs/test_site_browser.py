"""The built site as a person sees it, in headless Chromium: the language page's
queries are coloured, and the search finds ``segment``.

Runs where Chromium is installed (``.ci/run`` installs Debian's ``chromium``);
elsewhere it is skipped, except under ``CI=true``, where a missing browser fails.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from headless_chromium import Chromium, find_chromium

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    binary = find_chromium()
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no Chromium: .ci/run installs Debian's chromium for this test")
        pytest.skip("Chromium is not installed")
    chromium = Chromium(binary)
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def site_url(built_site: tuple[Path, str]) -> Iterator[str]:
    """The built site over HTTP on 127.0.0.1: the search runs in a web worker,
    which a browser will not start from a file:// page."""

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(QuietHandler, directory=str(built_site[0]))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_language_pages_queries_are_coloured(browser: Chromium, site_url: str) -> None:
    browser.open(f"{site_url}/language/")
    colours = browser.evaluate(
        """(() => {
            const blocks = document.querySelectorAll('.language-segmentkit');
            const first = blocks[0];
            const colour = (selector) => getComputedStyle(first.querySelector(selector)).color;
            return {blocks: blocks.length, keyword: colour('.k'), name: colour('.n'),
                    number: colour('.m'), string: colour('.s'), logic: colour('.ow'),
                    text: getComputedStyle(document.querySelector('article p')).color};
        })()"""
    )
    assert colours["blocks"] >= 1
    shown = {colours[part] for part in ("keyword", "name", "number", "string")}
    assert len(shown) == 4, colours  # four kinds of words, four colours
    assert colours["keyword"] != colours["text"], colours


def test_the_search_finds_segment(browser: Chromium, site_url: str) -> None:
    browser.open(f"{site_url}/")
    browser.evaluate("document.querySelector('.md-search__input').focus()")
    browser.type_text("segment")
    found = browser.wait_for(
        """(() => {
            const items = [...document.querySelectorAll('.md-search-result__item')];
            return items.length ? items.map(item => item.innerText) : null;
        })()"""
    )
    assert any("segment" in text.lower() for text in found), found
    links = browser.evaluate(
        "[...document.querySelectorAll('.md-search-result__link')].map(a => a.href)"
    )
    assert any("/language/" in link for link in links), links


def test_a_screenshot_of_the_language_page_is_a_picture(
    browser: Chromium, site_url: str, tmp_path: Path
) -> None:
    browser.open(f"{site_url}/language/")
    picture = tmp_path / "language.png"
    browser.screenshot(picture)
    data = picture.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000  # a rendered page, not a blank one

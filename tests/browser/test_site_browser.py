"""The catalogue in a real browser (headless Chromium over the DevTools protocol, tests/browser/cdp.py):
a reader searches "sodium" on the home page, opens a technology page and a table page, filters
and sorts the preview and downloads the filtered rows as CSV; and every page of the site loads
with no JavaScript error and no broken link.

Chromium is the Debian package `chromium` (.ci/run installs it). Without it these tests FAIL
under CI (CI=true) and are skipped with a loud reason elsewhere, never silently.
BATTERY_SCREENSHOTS=<folder> also saves screenshots of the pages the journey visits."""
from __future__ import annotations

import csv
import functools
import json
import os
import re
from collections import deque
from pathlib import Path
from urllib.parse import unquote, urlsplit

import duckdb
import pytest

from tests.browser.cdp import Browser, find_chromium

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium() -> str:
    found = find_chromium()
    if found:
        return found
    message = "headless Chromium not found (apt-get install -y chromium, or set BATTERY_CHROMIUM): the browser tests did NOT run"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def site(built_warehouse) -> Path:
    index = built_warehouse.warehouse_dir / "site" / "index.html"
    assert index.exists(), "the build did not write the catalogue"
    return index.parent


@pytest.fixture
def browser(chromium, tmp_path):
    opened = Browser(chromium, downloads=tmp_path)
    yield opened
    opened.close()


def _latest_release(built_warehouse) -> str:
    with duckdb.connect(str(built_warehouse.published_db), read_only=True) as con:
        return con.execute("SELECT release_id FROM meta.releases ORDER BY release_number DESC LIMIT 1").fetchone()[0]


def _shoot(browser: Browser, name: str) -> None:
    folder = os.environ.get("BATTERY_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        browser.screenshot(Path(folder) / f"{name}.png")


def test_search_sodium_open_a_technology_and_a_table_filter_and_download(browser, site, built_warehouse):
    release = _latest_release(built_warehouse)
    browser.navigate((site / "index.html").as_uri())
    assert release in browser.evaluate("document.querySelector('.stamp').textContent")

    browser.type_into("#search", "sodium")
    hits = browser.wait_for("document.querySelectorAll('#results li').length")
    texts = browser.evaluate("[...document.querySelectorAll('#results li')].map(li => li.textContent.toLowerCase())")
    assert hits == len(texts) and all("sodium" in t for t in texts)
    assert browser.evaluate("document.querySelectorAll('#results li.hit-technology').length") > 0
    _shoot(browser, "home-search-sodium")

    mark = len(browser.events)
    browser.click("#results li.hit-technology a")
    browser.wait_event("Page.loadEventFired", since=mark)
    assert "/technologies/" in browser.evaluate("location.pathname")
    assert "sodium" in browser.evaluate("document.querySelector('h1').textContent").lower()
    headings = browser.evaluate("[...document.querySelectorAll('h2')].map(h => h.textContent)")
    assert any(h.startswith("Claims") for h in headings), headings
    assert release in browser.evaluate("document.querySelector('.stamp').textContent")
    _shoot(browser, "technology")

    browser.navigate((site / "tables.html").as_uri())
    mark = len(browser.events)
    browser.click('a[href="tables/curated.cell_claims.html"]')
    browser.wait_event("Page.loadEventFired", since=mark)
    total = browser.wait_for("Number(document.querySelector('.preview').dataset.shown)")
    browser.type_into(".preview input.filter", "sodium")
    shown = browser.wait_for(f"Number(document.querySelector('.preview').dataset.shown) < {total} && Number(document.querySelector('.preview').dataset.shown)")
    rows = browser.evaluate("[...document.querySelectorAll('.preview tbody tr')].map(tr => tr.textContent.toLowerCase())")
    assert len(rows) == shown and all("sodium" in r for r in rows)
    with duckdb.connect(str(built_warehouse.published_db), read_only=True) as con:
        columns = [c for (c,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE schema_name = 'curated' AND table_name = 'cell_claims'").fetchall()]
        expected = con.execute(
            f"SELECT count(*) FROM curated.cell_claims WHERE concat_ws(' ', {', '.join(f'CAST({c} AS VARCHAR)' for c in columns)}) ILIKE '%sodium%'"
        ).fetchone()[0]
    assert shown == expected

    column = browser.evaluate("[...document.querySelectorAll('.preview th')].findIndex(th => th.textContent === 'claim_id')")
    browser.click(f".preview th:nth-child({column + 1})")
    ids = browser.wait_for(f"document.querySelector('.preview th:nth-child({column + 1})').getAttribute('aria-sort') === 'ascending' && "
                           f"[...document.querySelectorAll('.preview tbody tr td:nth-child({column + 1})')].map(td => td.textContent)")
    assert ids == browser.evaluate(f"{json.dumps(ids)}.slice().sort((a, b) => a.localeCompare(b))"), "not sorted by claim_id"
    _shoot(browser, "table-filtered")

    saved = browser.download(".preview button.download-csv")
    with saved.open(encoding="utf-8", newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0] == columns
    assert len(table) - 1 == shown
    assert [row[columns.index("claim_id")] for row in table[1:]] == ids
    assert browser.problems() == []


@functools.lru_cache(maxsize=None)
def _targets(page: Path) -> frozenset[str]:
    """The ids in one page, read once however many links point into it."""
    return frozenset(re.findall(r'id="([^"]+)"', page.read_text(encoding="utf-8")))


@pytest.mark.slow(27)
def test_every_page_loads_without_javascript_errors_and_every_link_resolves(browser, site):
    """Start at the home page and follow every link, image, script and stylesheet inside the
    site: each page loads without an exception, console error or failed load, each linked file
    exists, each #fragment names an element, and every page of the site is reached."""
    start = (site / "index.html").resolve()
    queue, seen, broken, failing = deque([start]), {start}, [], {}
    while queue:
        page = queue.popleft()
        mark = len(browser.events)
        browser.navigate(page.as_uri())
        problems = browser.problems(mark)
        if problems:
            failing[str(page.relative_to(site))] = problems
        urls = browser.evaluate(
            "[...document.querySelectorAll('a[href]')].map(a => a.href).concat("
            "[...document.querySelectorAll('img[src], script[src]')].map(e => e.src),"
            "[...document.querySelectorAll('link[href]')].map(l => l.href))"
        )
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme != "file":
                continue  # a document's own address on the web: never fetched by the tests
            target = Path(unquote(parts.path))
            if not target.exists():
                broken.append(f"{page.relative_to(site)} -> {url}")
                continue
            if parts.fragment and not parts.fragment.startswith("q=") and target.suffix == ".html":
                if unquote(parts.fragment) not in _targets(target.resolve()):
                    broken.append(f"{page.relative_to(site)} -> {url} (no such id)")
            if target.suffix == ".html" and target.resolve() not in seen:
                seen.add(target.resolve())
                queue.append(target.resolve())
    assert failing == {}
    assert broken == []
    assert {p.resolve() for p in site.rglob("*.html")} - seen == set(), "pages no link reaches"

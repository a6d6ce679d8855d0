"""The static catalogue (pipelines/publish/site.py) without a browser: one page for everything
the warehouse holds, every page stamped with its release, search entries for every kind,
optional sections that appear when their table or column exists, and `battery site --serve`.
The browser tests (tests/browser/) load the pages in Chromium."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import duckdb
import pytest

from pipelines.publish.site import build_site, slug
from pipelines.settings import PROJECT_ROOT


def _facts(db: Path) -> dict:
    with duckdb.connect(str(db), read_only=True) as con:
        return {
            "release": con.execute("SELECT release_id FROM meta.releases ORDER BY release_number DESC LIMIT 1").fetchone()[0],
            "releases": [r for (r,) in con.execute("SELECT release_id FROM meta.releases").fetchall()],
            "technologies": [t for (t,) in con.execute("SELECT technology_id FROM curated.technologies").fetchall()],
            "families": [f for (f,) in con.execute("SELECT DISTINCT family FROM curated.technologies").fetchall()],
            "documents": [d for (d,) in con.execute("SELECT document_id FROM curated.documents").fetchall()],
            "tables": [f"{s}.{t}" for s, t in con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()],
            "columns": [f"{s}.{t}.{c}" for s, t, c in con.execute("SELECT schema_name, table_name, column_name FROM duckdb_columns() JOIN duckdb_tables() USING (database_name, schema_name, table_name)").fetchall()],
        }


def test_one_page_for_everything_the_warehouse_holds_each_stamped_with_its_release(built_warehouse):
    site = built_warehouse.warehouse_dir / "site"
    facts = _facts(built_warehouse.published_db)
    expected = (
        [f"technologies/{slug(t)}.html" for t in facts["technologies"]]
        + [f"families/{slug(f)}.html" for f in facts["families"]]
        + [f"documents/{slug(d)}.html" for d in facts["documents"]]
        + [f"tables/{slug(t)}.html" for t in facts["tables"]]
        + [f"releases/{slug(r)}.html" for r in facts["releases"]]
        + ["index.html", "technologies.html", "documents.html", "tables.html", "releases.html"]
    )
    assert [p for p in expected if not (site / p).exists()] == []
    pages = list(site.rglob("*.html"))
    unstamped = [p for p in pages if f"Release <b>{facts['release']}</b>" not in p.read_text(encoding="utf-8")]
    assert pages and unstamped == []


def _search_entries(site: Path) -> list[dict]:
    text = (site / "data" / "search.js").read_text(encoding="utf-8")
    return json.loads(text.removeprefix("window.BATTERY_SEARCH=").rstrip().removesuffix(";"))


def test_search_covers_every_technology_document_table_and_column(built_warehouse):
    site = built_warehouse.warehouse_dir / "site"
    facts = _facts(built_warehouse.published_db)
    entries = _search_entries(site)
    by_kind: dict[str, set[str]] = {}
    for entry in entries:
        by_kind.setdefault(entry["k"], set()).add(entry["u"])
        assert (site / entry["u"].split("#")[0]).exists(), entry
    assert {f"technologies/{slug(t)}.html" for t in facts["technologies"]} <= by_kind["technology"]
    assert {f"documents/{slug(d)}.html" for d in facts["documents"]} <= by_kind["document"]
    assert {f"tables/{slug(t)}.html" for t in facts["tables"]} <= by_kind["table"]
    columns = {e["n"] for e in entries if e["k"] == "column"}
    assert set(facts["columns"]) == columns
    assert {"product", "organisation", "family"} <= set(by_kind)


def test_sections_follow_what_the_warehouse_holds(built_warehouse, tmp_path):
    """A readiness table, a cost table and a claim column's values, added to a copy of the published
    file, appear on the technology pages with no change to the generator; a document address that
    is not a web address is shown as text, never as a link."""
    db = tmp_path / "battery.duckdb"
    shutil.copy(built_warehouse.published_db, db)
    with duckdb.connect(str(db)) as con:
        tech = con.execute("SELECT technology_id FROM curated.cell_claims GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
        con.execute("CREATE TABLE analysis.technology_readiness AS SELECT technology_id, 'TRL 6 (test)' AS readiness_level FROM curated.technologies")
        con.execute("CREATE TABLE analysis.battery_cost_of_ownership AS SELECT technology_id, 'tco-marker-123' AS cost_note FROM curated.technologies")
        # curated.cell_claims has its quote column now: the page shows what the warehouse holds in it
        con.execute("UPDATE curated.cell_claims SET quote = 'quote-marker-' || claim_id")
        claim = con.execute("SELECT claim_id FROM curated.cell_claims WHERE technology_id = ? LIMIT 1", [tech]).fetchone()[0]
        document = con.execute("SELECT document_id FROM curated.cell_claims WHERE claim_id = ?", [claim]).fetchone()[0]
        con.execute("UPDATE curated.documents SET url = 'javascript:alert(1)' WHERE document_id = ?", [document])
    summary = build_site(db, tmp_path / "site", built_warehouse.exports_dir)
    page = (tmp_path / "site" / "technologies" / f"{slug(tech)}.html").read_text(encoding="utf-8")
    assert "<h2>Readiness</h2>" in page and "TRL 6 (test)" in page
    assert "<h2>What it costs</h2>" in page and "tco-marker-123" in page
    assert f"quote-marker-{claim}" in page and "<th>quote</th>" in page
    assert (tmp_path / "site" / "tables" / "analysis.technology_readiness.html").exists()
    document_page = (tmp_path / "site" / "documents" / f"{slug(document)}.html").read_text(encoding="utf-8")
    assert "javascript:alert(1)" in document_page and 'href="javascript:' not in document_page + page  # shown, never a link
    assert summary["tables"] == len(_facts(db)["tables"])


def test_a_release_page_lists_its_changes(built_warehouse, tmp_path):
    db = tmp_path / "battery.duckdb"
    shutil.copy(built_warehouse.published_db, db)
    with duckdb.connect(str(db)) as con:
        release = con.execute("SELECT release_id FROM meta.releases ORDER BY release_number DESC LIMIT 1").fetchone()[0]
        con.execute(
            "INSERT INTO meta.changes (release_id, table_name, change, row_key, column_name, old_value, new_value, delta) "
            "SELECT ?, 'curated.vehicle_requirements', 'changed', 'vehicle_id=bus-' || i, 'value', '150', '160', 10.0 FROM range(3) t(i)",
            [release],
        )
    build_site(db, tmp_path / "site", built_warehouse.exports_dir)
    page = (tmp_path / "site" / "releases" / f"{slug(release)}.html").read_text(encoding="utf-8")
    assert "Row-level changes <span class=\"muted\">(3)</span>" in page
    data = json.loads(re.search(r"window\.BATTERY_DATA\[[^\]]+\]=(\{.*?\});</script>", page)[1])
    assert data["total"] == 3 and len(data["rows"]) == 3 and "release_id" not in data["columns"]
    assert {row[data["columns"].index("row_key")] for row in data["rows"]} == {f"vehicle_id=bus-{i}" for i in range(3)}


def test_every_number_of_a_document_is_on_its_page(built_warehouse):
    site = built_warehouse.warehouse_dir / "site"
    with duckdb.connect(str(built_warehouse.published_db), read_only=True) as con:
        tables = [f"{s}.{t}" for s, t in con.execute(
            "SELECT schema_name, table_name FROM duckdb_columns() WHERE column_name IN ('document_id', 'published_text') "
            "GROUP BY ALL HAVING count(*) = 2").fetchall()]
        for document_id, in con.execute("SELECT document_id FROM curated.documents").fetchall():
            page = (site / "documents" / f"{slug(document_id)}.html").read_text(encoding="utf-8")
            held = sum(con.execute(f"SELECT count(*) FROM {t} WHERE document_id = ?", [document_id]).fetchone()[0] for t in tables)
            assert f"Every number taken from it <span class=\"muted\">({held} rows)</span>" in page
            shown = sum(int(n) for n in re.findall(r'\((\d+) rows\)</span></h3>', page))
            assert shown == held


def test_battery_site_serve_previews_on_loopback(built_warehouse):
    env = {**os.environ, "BATTERY_WAREHOUSE_DIR": str(built_warehouse.warehouse_dir)}
    server = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "site", "--serve", "--port", "0"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        url = None
        for line in server.stdout:
            found = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
            if found:
                url = found[1]
                break
        assert url, server.stderr.read()
        with urllib.request.urlopen(url + "index.html", timeout=30) as response:
            assert response.status == 200
            assert "Battery technologies catalogue" in response.read().decode()
    finally:
        server.terminate()
        server.wait(30)


def test_battery_site_without_a_warehouse_says_what_to_do(tmp_path):
    env = {**os.environ, "BATTERY_WAREHOUSE_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "pipelines.cli", "site"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 2 and "make build" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "site").exists()


if __name__ == "__main__":
    sys.exit(pytest.main([__file__]))

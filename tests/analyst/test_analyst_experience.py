"""What analysts use: named queries, exports, charts and the data dictionary."""
from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from PIL import Image

from pipelines.publish.dictionary import DICTIONARY_PATH, render_dictionary
from pipelines.query import QUERIES_DIR, bind_params, load_named
from pipelines.schemas.registry import all_tables
from pipelines.settings import PROJECT_ROOT

NAMED_QUERIES = sorted(QUERIES_DIR.glob("*.sql"))


def test_there_are_named_queries_for_the_reports_questions():
    names = {p.stem for p in NAMED_QUERIES}
    assert {"high_energy_technologies", "pack_mass_2024_vs_2030", "machines_full_workday", "reconciliation_summary"} <= names


@pytest.mark.parametrize("path", NAMED_QUERIES, ids=lambda p: p.stem)
def test_named_query_runs_and_answers(path: Path, built_warehouse):
    query = load_named(path.stem)
    assert query.sql.startswith("-- "), "a named query starts with a comment saying what it answers"
    with duckdb.connect(str(built_warehouse.published_db), read_only=True) as con:
        frame = con.execute(query.sql, bind_params(query, []) or None).df()
    assert len(frame) > 0


def test_named_query_through_the_cli(built_warehouse):
    env = {"BATTERY_WAREHOUSE_DIR": str(built_warehouse.warehouse_dir), "PATH": ""}
    out = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "query", "--name", "reconciliation_summary", "--csv"],
        cwd=PROJECT_ROOT, env={**__import__("os").environ, **env}, capture_output=True, text=True, check=True,
    )
    header = out.stdout.splitlines()[0]
    assert header.startswith("source_table,published_numbers,reproduced")


def test_exports_round_trip_every_table(built_warehouse):
    folder = built_warehouse.exports_dir / "tables" / "parquet"
    with duckdb.connect(str(built_warehouse.published_db), read_only=True) as con:
        for table in all_tables():
            parquet = folder / f"{table}.parquet"
            assert parquet.exists(), parquet
            original = con.execute(f"SELECT * FROM {table} LIMIT 0").df().columns.tolist()
            exported = con.execute(f"SELECT * FROM read_parquet('{parquet}') LIMIT 0").df().columns.tolist()
            assert exported == original
            counts = [con.execute(f"SELECT count(*) FROM {src}").fetchone()[0] for src in (table, f"read_parquet('{parquet}')")]
            assert counts[0] == counts[1]


def test_csv_export_on_request(built_warehouse, tmp_path):
    from pipelines.publish.exports import export_tables

    rows = export_tables(built_warehouse.published_db, tmp_path / "tables", ("parquet", "csv"))
    with duckdb.connect() as con:
        for table, n in rows.items():
            assert con.execute(f"SELECT count(*) FROM read_csv('{tmp_path / 'tables' / 'csv' / (table + '.csv')}')").fetchone()[0] == n


@pytest.mark.parametrize("name", ["energy_density_map", "ragone", "pack_mass_by_vehicle", "machine_operating_hours", "claims_over_time"])
def test_charts_are_valid_pngs(name, built_warehouse):
    data = (built_warehouse.exports_dir / "charts" / f"{name}.png").read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    image.verify()
    assert image.size[0] >= 800 and image.size[1] >= 500


def test_data_dictionary_is_current():
    assert DICTIONARY_PATH.read_text(encoding="utf-8") == render_dictionary(), "run `make docs`"


def test_data_dictionary_documents_every_table_and_column():
    text = DICTIONARY_PATH.read_text(encoding="utf-8")
    for table, model in all_tables().items():
        assert f"## `{table}`" in text
        for column in model.to_schema().columns:
            assert f"| `{column}` |" in text, (table, column)

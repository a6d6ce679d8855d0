"""Benchmark: what recording a release adds to the publish step.

Builds the real sources once into a temporary warehouse, then times, on copies of the
published file, record_release (the DuckDB diff into meta.changes) and keep_release (the
read-only release file) for: no change; one column of every model.design_sweep row changed;
every numeric column of every model.design_sweep row changed (what a new sweep seed does).
Usage: .venv/bin/python benchmarks/release_diff.py
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
work = Path(tempfile.mkdtemp(prefix="bench_release_"))
(work / "warehouse").mkdir()
os.environ["BATTERY_SOURCES_DIR"] = str(ROOT / "sources")
os.environ["BATTERY_WAREHOUSE_DIR"] = str(work / "warehouse")

import duckdb  # noqa: E402
from dagster import DagsterInstance  # noqa: E402

from pipelines.definitions import defs  # noqa: E402
from pipelines.publish.releases import keep_release, record_release  # noqa: E402
from pipelines.settings import current_paths  # noqa: E402

QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def timed_release(paths, edit_sql: list[str]) -> tuple[float, float, float, int]:
    staging = work / "staging.duckdb"
    shutil.copyfile(paths.published_db, staging)
    with duckdb.connect(str(staging)) as con:
        for sql in edit_sql:
            con.execute(sql)
        con.execute("CHECKPOINT")
        t0, c0 = time.perf_counter(), time.process_time()
        release = record_release(con, previous=paths.published_db, paths=paths)
        record_s, record_cpu = time.perf_counter() - t0, time.process_time() - c0
        changes = con.execute("SELECT count(*) FROM meta.changes WHERE release_id = ?", [release.release_id]).fetchone()[0]
    published = paths.published_db
    os.replace(staging, published)
    t0 = time.perf_counter()
    keep_release(paths, release)
    keep_s = time.perf_counter() - t0
    return record_s, record_cpu, keep_s, changes


def main() -> None:
    paths = current_paths()
    with DagsterInstance.ephemeral() as instance:
        assert defs.resolve_job_def("build_warehouse").execute_in_process(instance=instance, run_config=QUIET).success
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        rows = con.execute("SELECT count(*) FROM model.design_sweep").fetchone()[0]
        numeric = [
            c for c, t in con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'model' "
                "AND table_name = 'design_sweep' AND data_type = 'DOUBLE'"
            ).fetchall()
        ]
    size_mb = paths.published_db.stat().st_size / 1e6
    print(f"published file {size_mb:.1f} MB, model.design_sweep {rows} rows, {len(numeric)} numeric columns")
    cases = {
        "no change": [],
        "design_sweep: 1 column of every row": [f'UPDATE model.design_sweep SET "{numeric[0]}" = "{numeric[0]}" * 1.001'],
        "design_sweep: every numeric column of every row": [
            "UPDATE model.design_sweep SET " + ", ".join(f'"{c}" = "{c}" * 1.001' for c in numeric)
        ],
    }
    for name, sql in cases.items():
        record_s, record_cpu, keep_s, changes = timed_release(paths, sql)
        print(
            f"{name:<50} diff {record_s:6.2f} s wall {record_cpu:6.2f} s CPU   release file {keep_s:5.2f} s   "
            f"meta.changes rows {changes:>9}"
        )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Benchmark: what the build spends between the tables' own compute and the published file.

Runs the full build in-process (as benchmarks/build_warehouse.py does, warm: the first run is a
warm-up that publishes, the measured runs rebuild over it) and splits the time from the start
of the `tables` step to the end of the publish step into
  compute   time inside the table functions, their pandera validation and checks (the table
            generators of TableDef.materialize, timed between their yields);
  tables    the rest of the `tables` step: reading inputs from staging (read), writing outputs
            into staging (write: io_manager.store_staged_table for frames; write_stream for a
            streamed table, which includes computing and validating its batches as DuckDB pulls
            them), Dagster's handling of each table's materialization (ev_mat: from the yield of
            its Output/MaterializeResult to the next request; with the IO manager this includes
            its write) and check results (ev_checks);
  publish   the publish step (release diff, the copy of staging into the published file).
Scenarios (--scenario): `rebuild` (nothing changed since the last build: what `make build` does
twice in a row), `edit` (one value of sources/vehicle_requirements changed before each run, in
a copy of sources/: its closure changes, the other tables come out the same), `fresh` (an empty
warehouse before each run: every table is written).
Usage: .venv/bin/python benchmarks/staging_overhead.py [--repeat 3] [--instance memory|sqlite]
           [--scenario rebuild|edit|fresh]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("BATTERY_WAREHOUSE_DIR", tempfile.mkdtemp(prefix="bench_staging_"))
SOURCES = Path(tempfile.mkdtemp(prefix="bench_staging_sources_")) / "sources"
shutil.copytree(ROOT / "sources", SOURCES)
os.environ["BATTERY_SOURCES_DIR"] = str(SOURCES)
EDITED = SOURCES / "vehicle_requirements" / "table9.csv"

from dagster import DagsterEventType, DagsterInstance  # noqa: E402

from pipelines.assets import computed  # noqa: E402
from pipelines.definitions import defs  # noqa: E402
from pipelines.publish import io_manager  # noqa: E402
from pipelines.publish.duckdb_tables import BatchStream  # noqa: E402

QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
_compute = {"seconds": 0.0, "materializations": 0.0, "checks": 0.0}
_io = {"read": 0.0, "write": 0.0, "write_stream": 0.0}


def _timed(original, slot: str):
    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            streamed = any(isinstance(a, BatchStream) for a in args)
            _io[slot + ("_stream" if streamed else "")] += time.perf_counter() - started

    return timed


def _timed_materialize(original):
    """The time inside a table's generator, less the time it spends storing its table."""

    def materialize(self, *args):
        generator = original(self, *args)
        while True:
            started, stored = time.perf_counter(), _io["write"] + _io["write_stream"]
            try:
                item = next(generator)
            except StopIteration:
                return
            finally:
                _compute["seconds"] += time.perf_counter() - started - (_io["write"] + _io["write_stream"] - stored)
            handed = time.perf_counter()
            yield item
            # Dagster's handling of what was yielded (its events), until it asks for the next item
            kind = "checks" if type(item).__name__ == "AssetCheckResult" else "materializations"
            _compute[kind] += time.perf_counter() - handed

    return materialize


def _load() -> str:
    return os.getloadavg()[0].__format__(".2f")


def _instance(kind: str, home: Path | None) -> DagsterInstance:
    if kind == "memory":
        return DagsterInstance.ephemeral()
    return DagsterInstance.from_config(str(home))


def one_run(job, kind: str, home: Path | None) -> dict[str, float]:
    _compute.update(seconds=0.0, materializations=0.0, checks=0.0)
    _io.update(read=0.0, write=0.0, write_stream=0.0)
    started = time.perf_counter()
    instance = _instance(kind, home)
    result = job.execute_in_process(instance=instance, run_config=QUIET)
    total = time.perf_counter() - started
    assert result.success
    stamps = {}
    durations = {}
    for record in instance.all_logs(result.run_id):
        e = record.dagster_event
        if e is None:
            continue
        if e.event_type == DagsterEventType.STEP_START:
            stamps[(e.step_key, "start")] = record.timestamp
        elif e.event_type == DagsterEventType.STEP_SUCCESS:
            stamps[(e.step_key, "end")] = record.timestamp
            durations[e.step_key] = e.event_specific_data.duration_ms / 1000
    publish_step = next(k for k in durations if k.endswith("battery_duckdb"))
    to_published = stamps[(publish_step, "end")] - stamps[("tables", "start")]
    return {
        "run": total,
        "compute": _compute["seconds"],
        "tables_rest": durations["tables"] - _compute["seconds"],
        "read": _io["read"],
        "write": _io["write"],
        "write_stream": _io["write_stream"],
        "ev_mat": _compute["materializations"],
        "ev_checks": _compute["checks"],
        "publish": durations[publish_step],
        "to_published_minus_compute": to_published - _compute["seconds"],
    }


def prepare(scenario: str, run: int) -> None:
    """Before a measured run: change one value (edit) or empty the warehouse (fresh)."""
    if scenario == "edit":
        old, new = (",1.8,", ",1.9,") if run % 2 == 0 else (",1.9,", ",1.8,")
        text = EDITED.read_text(encoding="utf-8")
        assert old in text
        EDITED.write_text(text.replace(old, new, 1), encoding="utf-8")
    elif scenario == "fresh":
        warehouse = Path(os.environ["BATTERY_WAREHOUSE_DIR"])
        shutil.rmtree(warehouse)
        warehouse.mkdir()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--instance", choices=["memory", "sqlite"], default="memory")
    parser.add_argument("--scenario", choices=["rebuild", "edit", "fresh"], default="rebuild")
    args = parser.parse_args()
    computed.TableDef.materialize = _timed_materialize(computed.TableDef.materialize)
    io_manager.load_staged_table = _timed(io_manager.load_staged_table, "read")
    if hasattr(io_manager, "store_staged_table"):
        io_manager.store_staged_table = _timed(io_manager.store_staged_table, "write")
    else:  # before the table steps stored their tables themselves: the IO manager did
        manager = io_manager.StagingDuckDBIOManager
        manager.handle_output = _timed(manager.handle_output, "write")
    home = None
    if args.instance == "sqlite":
        home = Path(tempfile.mkdtemp(prefix="bench_staging_home_"))
        shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    job = defs.resolve_job_def("build_warehouse")
    print(f"warehouse dir: {os.environ['BATTERY_WAREHOUSE_DIR']}  instance: {args.instance}  scenario: {args.scenario}")
    one_run(job, args.instance, home)  # warm-up: publishes, so the measured runs are rebuilds
    rows = []
    for i in range(args.repeat):
        prepare(args.scenario, i)
        load = _load()
        row = one_run(job, args.instance, home)
        rows.append(row)
        print(f"run {i + 1} (load {load}): " + "  ".join(f"{k} {v:5.2f}" for k, v in row.items()))
    print("median: " + "  ".join(f"{k} {statistics.median(r[k] for r in rows):5.2f}" for k in rows[0]) + f"  (load {_load()})")


if __name__ == "__main__":
    main()

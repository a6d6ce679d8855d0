"""Benchmark: build time and peak memory of `battery build` at 10x, 100x and 1000x the data.

Generates synthetic sources in a temporary folder (never in sources/): a copy of the real
tree plus, for each scaled dataset, k-1 synthetic copies of its rows whose ids are prefixed
`synthetic_<copy>_`, written as extra CSV files in the dataset's folder (each under the reader's
file-size limit). Then runs `battery build` in a subprocess per scale, with BATTERY_SOURCES_DIR,
BATTERY_WAREHOUSE_DIR and DAGSTER_HOME pointing at temporary folders, and prints wall time,
the child's peak RSS and the rows published. A scale that does not finish within --timeout
seconds is stopped and reported as such.

One function per scaled dataset (SCALED below): to scale another dataset (the documents table
when it lands), add a function that renames one row's ids for copy i, and list it in SCALED.

Usage: .venv/bin/python benchmarks/scale.py [--scales 1 10 100 1000] [--timeout 300] [--keep]
"""
from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pipelines.ingest.read_source import MAX_SOURCE_BYTES
from pipelines.settings import PROJECT_ROOT

REAL_SOURCES = PROJECT_ROOT / "sources"
BATTERY = Path(sys.executable).with_name("battery")


def synthetic_id(i: int, value: str) -> str:
    return f"synthetic_{i}_{value}"


# --------------------------------------------------------------------------- one function per dataset
# Each takes one row (column -> text) of the real dataset and the copy number i >= 1, and returns
# the synthetic row (or None: not copied): same figures, ids renamed so every copy is a distinct,
# clearly synthetic key.


def cell_claims(row: dict[str, str], i: int) -> dict[str, str]:
    # Copy i is tagged in its conditions, so it is compared with its own copy set only: two claims
    # conflict only under the same conditions (quality.claim_conflicts), and otherwise every pair
    # of copies of two conflicting claims would conflict too (k**2 rows at scale k, not k).
    conditions = "; ".join(filter(None, [row["conditions"], f"synthetic copy {i}"]))
    return {**row, "claim_id": synthetic_id(i, row["claim_id"]), "conditions": conditions}


def vehicle_requirements(row: dict[str, str], i: int) -> dict[str, str]:
    # a distinct display name too: a chart labels each vehicle by it
    return {**row, "vehicle_id": synthetic_id(i, row["vehicle_id"]), "display_name": f"{row['display_name']} (synthetic {i})"}


def vehicle_peak_power(row: dict[str, str], i: int) -> dict[str, str]:
    return {**row, "vehicle_id": synthetic_id(i, row["vehicle_id"])}


def pack_limits(row: dict[str, str], i: int) -> dict[str, str] | None:
    # a vehicle's limits (technology packs size every vehicle against them); machines are not scaled
    return {**row, "asset_id": synthetic_id(i, row["asset_id"])} if row["asset_type"] == "vehicle" else None


# The claims and the vehicles (a vehicle is its Table 9 rows, its peak power and its pack limits).
SCALED: dict[str, Callable[[dict[str, str], int], dict[str, str] | None]] = {
    "cell_claims": cell_claims,
    "vehicle_requirements": vehicle_requirements,
    "vehicle_peak_power": vehicle_peak_power,
    "pack_limits": pack_limits,
}


def write_copies(folder: Path, rename: Callable[[dict[str, str], int], dict[str, str] | None], copies: int) -> int:
    """Append `copies` synthetic copies of every row of the dataset's CSVs (those `rename` does
    not skip with None) as synthetic_NNN.csv files next to them; returns the rows written."""
    rows, header = [], None
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            header = header or reader.fieldnames
            rows += list(reader)
    budget = MAX_SOURCE_BYTES // 2
    part, handle, writer, written = 0, None, None, 0
    for i in range(1, copies + 1):
        for row in filter(None, (rename(row, i) for row in rows)):
            if handle is None or handle.tell() > budget:
                if handle:
                    handle.close()
                part += 1
                handle = (folder / f"synthetic_{part:04d}.csv").open("w", encoding="utf-8", newline="")
                writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
                writer.writeheader()
            writer.writerow(row)
            written += 1
    if handle:
        handle.close()
    return written


def synthetic_sources(target: Path, scale: int) -> dict[str, int]:
    shutil.copytree(REAL_SOURCES, target)
    return {name: write_copies(target / name, rename, scale - 1) for name, rename in SCALED.items()}


def build(sources: Path, root: Path, timeout: float) -> tuple[float, float, int, str]:
    """(wall seconds, peak RSS MB, exit code, last lines of output) of one `battery build`."""
    env = {
        **os.environ,
        "BATTERY_SOURCES_DIR": str(sources),
        "BATTERY_WAREHOUSE_DIR": str(root / "warehouse"),
        "DAGSTER_HOME": str(root / "dagster_home"),
    }
    (root / "dagster_home").mkdir()
    log = (root / "build.log").open("w")
    started = time.perf_counter()
    child = subprocess.Popen([str(BATTERY), "build"], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = started + timeout
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            os.killpg(child.pid, 9)
            pid, status, usage = os.wait4(child.pid, 0)
            status = -9
            break
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    log.close()
    code = os.waitstatus_to_exitcode(status) if status != -9 else -9
    tail = "\n".join((root / "build.log").read_text(errors="replace").splitlines()[-3:])
    return seconds, usage.ru_maxrss / 1024, code, tail


def published_rows(warehouse: Path) -> int:
    import duckdb

    db = warehouse / "battery.duckdb"
    if not db.exists():
        return 0
    with duckdb.connect(str(db), read_only=True) as con:
        tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()
        return sum(con.execute(f'SELECT count(*) FROM "{s}"."{t}"').fetchone()[0] for s, t in tables)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100, 1000])
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per build before it is stopped")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    args = parser.parse_args()
    print(f"load average (1, 5, 15 min) at start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'scale':>6} {'claims':>8} {'vehicles':>8} {'build s':>8} {'peak MB':>8} {'rows':>10}  result")
    for scale in args.scales:
        root = Path(tempfile.mkdtemp(prefix=f"bench_scale_{scale}x_"))
        try:
            added = synthetic_sources(root / "sources", scale)
            claims = sum(1 for p in (root / "sources" / "cell_claims").glob("*.csv") for _ in p.open(encoding="utf-8")) - len(
                list((root / "sources" / "cell_claims").glob("*.csv"))
            )
            vehicles = len({r["vehicle_id"] for p in (root / "sources" / "vehicle_peak_power").glob("*.csv") for r in csv.DictReader(p.open(encoding="utf-8"))})
            seconds, peak, code, tail = build(root / "sources", root, args.timeout)
            last = tail.splitlines()[-1].strip() if tail else ""
            result = "ok" if code == 0 else (f"stopped after {args.timeout:.0f} s; last line: {last}" if code == -9 else f"failed (exit {code}): {tail}")
            rows = published_rows(root / "warehouse") if code == 0 else 0
            print(f"{scale:>5}x {claims:>8} {vehicles:>8} {seconds:>8.1f} {peak:>8.0f} {rows:>10}  {result}", flush=True)
            del added
        finally:
            if not args.keep:
                shutil.rmtree(root, ignore_errors=True)
    print(f"load average (1, 5, 15 min) at end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

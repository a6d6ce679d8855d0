"""Benchmark: build time and peak memory of `battery build` at 10x, 100x and 1000x the data.

Generates synthetic sources in a temporary folder (never in sources/): a copy of the real
tree plus, for each scaled dataset, k-1 synthetic copies of its rows whose ids are prefixed
`synthetic_<copy>_`, written as extra CSV files in the dataset's folder (each under the reader's
file-size limit). Scaled: the claims, the documents and the vehicles. Copy i of the report is
the document `synthetic_<i>_burke_zhao_2025` with its own reference list (the references its
claims cite), and copy i of every claim names it in document_id, so its reference_ids resolve
within that document as the real claims' do.

Then runs `battery build` in a subprocess per scale, with BATTERY_SOURCES_DIR,
BATTERY_WAREHOUSE_DIR and DAGSTER_HOME pointing at temporary folders (the instance configured by
the project's dagster.yaml), and prints wall time, CPU time (user + system: steadier than wall
time on a shared machine), the peak RSS of the build's whole process tree (sampled every 0.2 s;
the samples are in <folder>/rss.tsv and the build's output in <folder>/build.log, kept with
--keep) and the rows published. A scale that
does not finish within --timeout seconds, or whose process tree passes --max-rss-mb, is stopped
(its process group killed) and reported as such.

One function per scaled dataset (SCALED below): to scale another dataset, add a function that
renames one row's ids for copy i, and list it in SCALED.

Usage: .venv/bin/python benchmarks/scale.py [--scales 1 10 100 1000] [--timeout 900] [--max-rss-mb 8000] [--keep]
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

import yaml

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
    document = synthetic_id(i, row["document_id"])  # copy i of the claim's document (documents below)
    return {**row, "claim_id": synthetic_id(i, row["claim_id"]), "conditions": conditions, "document_id": document}


def documents(row: dict[str, str], i: int) -> dict[str, str]:
    title = f"{row['title']} (synthetic copy {i})"  # a distinct title, clearly synthetic
    return {**row, "document_id": synthetic_id(i, row["document_id"]), "title": title}


def references(row: dict[str, str], i: int, cited: frozenset[tuple[str, str]] = frozenset()) -> dict[str, str] | None:
    # a synthetic document's reference list: the entries its claims cite (references are keyed
    # by (document_id, reference_id), and a claim's reference_ids resolve within its document)
    if (row["document_id"], row["reference_id"]) not in cited:
        return None
    return {**row, "document_id": synthetic_id(i, row["document_id"])}


def vehicle_requirements(row: dict[str, str], i: int) -> dict[str, str]:
    # a distinct display name too: a chart labels each vehicle by it
    return {**row, "vehicle_id": synthetic_id(i, row["vehicle_id"]), "display_name": f"{row['display_name']} (synthetic {i})"}


def vehicle_peak_power(row: dict[str, str], i: int) -> dict[str, str]:
    return {**row, "vehicle_id": synthetic_id(i, row["vehicle_id"])}


def pack_limits(row: dict[str, str], i: int) -> dict[str, str] | None:
    # a vehicle's limits (technology packs size every vehicle against them); machines are not scaled
    return {**row, "vehicle_id": synthetic_id(i, row["vehicle_id"])} if row["vehicle_id"] else None


def ownership_assumptions(row: dict[str, str], i: int) -> dict[str, str] | None:
    # a vehicle's service life and annual use (its battery cost of ownership); machines are not scaled
    return {**row, "vehicle_id": synthetic_id(i, row["vehicle_id"])} if row["vehicle_id"] else None


# The claims, the documents (with the references their claims cite) and the vehicles (a vehicle
# is its Table 9 rows, its peak power, its pack limits and its ownership assumptions).
Rename = Callable[[dict[str, str], int], "dict[str, str] | None"]
SCALED: dict[str, Rename] = {
    "cell_claims": cell_claims,
    "documents": documents,
    "references": references,
    "vehicle_requirements": vehicle_requirements,
    "vehicle_peak_power": vehicle_peak_power,
    "pack_limits": pack_limits,
    "ownership_assumptions": ownership_assumptions,
}


def read_rows(folder: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The dataset's columns and rows, with its dataset.yaml defaults filled in (a synthetic row
    names e.g. its document_id itself, so the defaults must not apply to it)."""
    defaults = (yaml.safe_load((folder / "dataset.yaml").read_text(encoding="utf-8")) or {}).get("defaults") or {}
    rows, header = [], []
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            header += [c for c in reader.fieldnames or [] if c not in header]
            rows += list(reader)
    header += [str(c) for c in defaults if c not in header]
    return header, [{**row, **{str(c): row.get(c) or str(v) for c, v in defaults.items()}} for row in rows]


def write_copies(folder: Path, rename: Rename, copies: int) -> int:
    """Append `copies` synthetic copies of every row of the dataset's CSVs (those `rename` does
    not skip with None) as synthetic_NNN.csv files next to them; returns the rows written."""
    header, rows = read_rows(folder)
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


def cited_references(sources: Path) -> frozenset[tuple[str, str]]:
    """(document_id, reference_id) of every reference a claim cites."""
    _, claims = read_rows(sources / "cell_claims")
    return frozenset((c["document_id"], r.strip()) for c in claims for r in (c["reference_ids"] or "").split(";") if r.strip())


def synthetic_sources(target: Path, scale: int) -> dict[str, int]:
    shutil.copytree(REAL_SOURCES, target)
    cited = cited_references(target)
    renames = {**SCALED, "references": lambda row, i: references(row, i, cited)}
    return {name: write_copies(target / name, rename, scale - 1) for name, rename in renames.items()}


def count_rows(folder: Path, key: str) -> int:
    """Distinct `key` values over the dataset's CSVs (real and synthetic)."""
    return len({row[key] for row in read_rows(folder)[1]})


def tree_rss_mb(group: int) -> float:
    """Resident memory of every process in process group `group` (the build and its children)."""
    page_mb = os.sysconf("SC_PAGE_SIZE") / 2**20
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
            if int(fields[2]) != group:  # field 5 of stat, the process group id
                continue
            with open(f"/proc/{entry.name}/statm", "rb") as handle:
                total += int(handle.read().split()[1])
        except (OSError, IndexError, ValueError):  # the process ended meanwhile
            continue
    return total * page_mb


def build(sources: Path, root: Path, timeout: float, max_rss_mb: float) -> tuple[float, float, float, int | str, str]:
    """(wall seconds, CPU seconds (user + system), peak RSS MB of the process tree, exit code or
    "timeout"/"memory", last lines of output) of one `battery build`."""
    env = {
        **os.environ,
        "BATTERY_SOURCES_DIR": str(sources),
        "BATTERY_WAREHOUSE_DIR": str(root / "warehouse"),
        "DAGSTER_HOME": str(root / "dagster_home"),
    }
    (root / "dagster_home").mkdir()
    # the project's instance configuration (its event-log storage), as `make build` uses it
    shutil.copy(PROJECT_ROOT / "dagster.yaml", root / "dagster_home" / "dagster.yaml")
    log = (root / "build.log").open("w")
    started = time.perf_counter()
    child = subprocess.Popen([str(BATTERY), "build"], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = started + timeout
    peak, stopped = 0.0, None
    timeline = (root / "rss.tsv").open("w")  # seconds since start, MB: where in the build memory goes
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        rss = tree_rss_mb(child.pid)  # start_new_session: the group id is the child's pid
        peak = max(peak, rss)
        timeline.write(f"{time.perf_counter() - started:.1f}\t{rss:.0f}\n")
        if peak > max_rss_mb:
            stopped = "memory"
        elif time.perf_counter() > deadline:
            stopped = "timeout"
        if stopped:
            os.killpg(child.pid, 9)
            pid, status, usage = os.wait4(child.pid, 0)
            break
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    log.close()
    timeline.close()
    peak = max(peak, usage.ru_maxrss / 1024)  # the largest single process, exact
    code = stopped or os.waitstatus_to_exitcode(status)
    tail = "\n".join((root / "build.log").read_text(errors="replace").splitlines()[-3:])
    return seconds, usage.ru_utime + usage.ru_stime, peak, code, tail


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
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per build before it is stopped")
    parser.add_argument(
        "--max-rss-mb", type=float, default=8000.0,
        help="stop a build (kill its process group) when its process tree's resident memory passes this many MB",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    args = parser.parse_args()
    print(f"load average (1, 5, 15 min) at start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'scale':>6} {'claims':>8} {'docs':>6} {'vehicles':>8} {'build s':>8} {'cpu s':>7} {'peak MB':>8} {'rows':>10}  result")
    for scale in args.scales:
        root = Path(tempfile.mkdtemp(prefix=f"bench_scale_{scale}x_"))
        try:
            sources = root / "sources"
            synthetic_sources(sources, scale)
            claims = count_rows(sources / "cell_claims", "claim_id")
            docs = count_rows(sources / "documents", "document_id")
            vehicles = count_rows(sources / "vehicle_peak_power", "vehicle_id")
            seconds, cpu, peak, code, tail = build(sources, root, args.timeout, args.max_rss_mb)
            last = tail.splitlines()[-1].strip() if tail else ""
            result = {
                0: "ok",
                "timeout": f"stopped after {args.timeout:.0f} s; last line: {last}",
                "memory": f"stopped: process tree passed {args.max_rss_mb:.0f} MB; last line: {last}",
            }.get(code, f"failed (exit {code}): {tail}")
            rows = published_rows(root / "warehouse") if code == 0 else 0
            print(f"{scale:>5}x {claims:>8} {docs:>6} {vehicles:>8} {seconds:>8.1f} {cpu:>7.1f} {peak:>8.0f} {rows:>10}  {result}", flush=True)
        finally:
            if not args.keep:
                shutil.rmtree(root, ignore_errors=True)
    print(f"load average (1, 5, 15 min) at end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

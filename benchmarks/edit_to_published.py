"""Benchmark: an edit published in seconds. With `make ui` running (webserver + daemon: the
`sources_changed` sensor and the run queue), how long from saving one changed CSV until
warehouse/battery.duckdb is replaced?

Runs `make ui` on a free port against a temporary copy of sources/, a temporary warehouse
folder and a temporary DAGSTER_HOME (the project's dagster.yaml), never the project's own.
Waits for the first publish (the sensor's first evaluation builds everything), then, --edits
times: edits one number of sources/vehicle_requirements/table9.csv, polls until the published
file is replaced (a new inode: the publish swaps the file whole) and prints the seconds, with the
load from `uptime` beside each. Goal: at most 15 s (sensor interval, run launch and the closure).

Usage: .venv/bin/python benchmarks/edit_to_published.py [--edits 3] [--timeout 180]
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_S = 15.0


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except FileNotFoundError:
        return None


def runs_finished(home: Path) -> bool:
    """Every run of the temporary instance is finished (and there is at least one)."""
    code = (
        "from dagster import DagsterInstance; i = DagsterInstance.get(); runs = i.get_runs(); "
        "print(int(bool(runs) and all(r.is_finished for r in runs)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "DAGSTER_HOME": str(home)})
    return out.stdout.strip() == "1"


def edit_table9(path: Path, step: int) -> None:
    """transit bus range + step miles (a number the sizing reads: a real closure to rebuild)."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith("transit_bus,") and ",range," in line:
            cells = line.split(",")
            at = cells.index("range") + 2  # metric, published_label, published_text
            cells[at] = str(int(cells[at]) + step)
            lines[i] = ",".join(cells)
            break
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(lines), encoding="utf-8")
    os.replace(tmp, path)  # what an editor's save does: the sensor never reads half a file


def wait_for(condition, timeout: float, what: str) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise SystemExit(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--edits", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=180.0)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench_edit_"))
    shutil.copytree(ROOT / "sources", work / "sources")
    (work / "warehouse").mkdir()
    home = work / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    published = work / "warehouse" / "battery.duckdb"
    env = {**os.environ, "DAGSTER_HOME": str(home), "BATTERY_SOURCES_DIR": str(work / "sources"),
           "BATTERY_WAREHOUSE_DIR": str(work / "warehouse")}
    port = free_port()
    log = (work / "ui.log").open("w")
    ui = subprocess.Popen(["make", "-s", "-C", str(ROOT), "ui", f"UI_PORT={port}", f"DAGSTER_HOME={home}"], env=env,
                          stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    times = []
    try:
        print(f"make ui on 127.0.0.1:{port}, sources {work / 'sources'}, load: {uptime()}")
        first = wait_for(lambda: inode(published) is not None and runs_finished(home), args.timeout, "the first publish")
        print(f"first publish (the sensor's first evaluation builds everything) done after {first:.1f} s")
        table9 = work / "sources" / "vehicle_requirements" / "table9.csv"
        for n in range(1, args.edits + 1):
            time.sleep(2.0)  # the sensor's cursor has the previous state
            before = inode(published)
            load = uptime().split("load average:")[-1].strip()
            edit_table9(table9, n)
            seconds = wait_for(lambda: inode(published) != before, args.timeout, "the published file to be replaced")
            times.append(seconds)
            print(f"edit {n}: warehouse/battery.duckdb replaced {seconds:5.1f} s after the save  (load average before: {load})")
            wait_for(lambda: runs_finished(home), args.timeout, "the run to finish (charts, exports)")
    finally:
        os.killpg(ui.pid, signal.SIGTERM)
        try:
            ui.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(ui.pid, signal.SIGKILL)
        log.close()
    print(f"\nedit to published: median {statistics.median(times):.1f} s over {len(times)} edits "
          f"(min {min(times):.1f}, max {max(times):.1f}); goal <= {GOAL_S:.0f} s: {'met' if statistics.median(times) <= GOAL_S else 'NOT met'}")
    print(f"load after: {uptime()}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

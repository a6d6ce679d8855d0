"""Crashes, concurrent readers and concurrent builds never corrupt or lose the warehouse."""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipelines import cli
from pipelines.definitions import table_keys
from pipelines.settings import PROJECT_ROOT, Paths

BATTERY = Path(sys.executable).with_name("battery")
VALUE_QUERY = (
    "SELECT value FROM curated.vehicle_requirements WHERE vehicle_id = 'transit_bus' AND metric = 'energy_consumption'"
)


def _env(paths: Paths, **extra: str) -> dict:
    return {
        **os.environ,
        "BATTERY_SOURCES_DIR": str(paths.sources),
        "BATTERY_WAREHOUSE_DIR": str(paths.warehouse_dir),
        **extra,
    }


def _start_build(paths: Paths, **extra: str) -> subprocess.Popen:
    """`battery build --full`: every table rebuilt, the longest a build holds the lock and writes
    staging (a plain `battery build` of an unchanged tree rebuilds nothing)."""
    return subprocess.Popen(
        [str(BATTERY), "build", "--full"], cwd=PROJECT_ROOT, env=_env(paths, **extra),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def _snapshot(db: Path) -> dict[str, int]:
    """Every table and its row count: what an analyst would see."""
    with duckdb.connect(str(db), read_only=True) as con:
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database()"
        ).fetchall()
        return {f"{s}.{t}": con.execute(f'SELECT count(*) FROM "{s}"."{t}"').fetchone()[0] for s, t in tables}


def _wait_until_locked_by(paths: Paths, build: subprocess.Popen, timeout: float = 60) -> None:
    """The build writes its pid into the lock file once it holds the lock."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if paths.lock_file.exists() and paths.lock_file.read_text().strip() == str(build.pid):
            return
        assert build.poll() is None, "the first build ended before taking the lock"
        time.sleep(0.05)
    raise AssertionError("the first build never took the lock")


def _edit_consumption(paths: Paths, new: str) -> None:
    table9 = paths.sources / "vehicle_requirements" / "table9.csv"
    table9.write_text(table9.read_text(encoding="utf-8").replace(",1.8,", f",{new},", 1), encoding="utf-8")


def _kill_after_steps(build: subprocess.Popen, steps: int) -> None:
    """SIGKILL the build once it reports `steps` finished steps (its progress lines)."""
    done = 0
    for line in build.stdout:
        done += " ok " in line
        if done >= steps:
            break
    build.send_signal(signal.SIGKILL)
    build.wait()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


TABLE_STEPS = len(table_keys)  # table assets, all finished before the publish step starts


@pytest.mark.slow(18)
# Killed once the table step has written a table to staging, and once every table is done (around
# the publish). All tables run in one step, so a kill after 20 tables (a third point until
# 2026-12-07) stopped the same step as a kill after one, and the next build recovered alike.
@pytest.mark.parametrize("steps", [1, TABLE_STEPS])
def test_sigkill_mid_build_leaves_the_previous_warehouse_intact(published, steps):
    before_digest = _digest(published.published_db)
    before = _snapshot(published.published_db)
    _edit_consumption(published, "1.9")
    _kill_after_steps(_start_build(published), steps)

    after = _snapshot(published.published_db)  # opens: the file is a complete database
    assert after == before
    with duckdb.connect(str(published.published_db), read_only=True) as con:
        value = con.execute(VALUE_QUERY).fetchone()[0]
    if steps < TABLE_STEPS:
        # killed while tables were being written: not one byte of the published file changed
        assert _digest(published.published_db) == before_digest and value == pytest.approx(1.8)
    else:
        # killed around the publish step: the old warehouse or the new one, whole
        assert (_digest(published.published_db) == before_digest and value == pytest.approx(1.8)) or value == pytest.approx(1.9)

    # and the next build recovers from whatever the killed one left in staging (the same
    # `battery build`, in this process: the killed one was the process that had to die)
    assert cli.main(["build"]) == 0
    with duckdb.connect(str(published.published_db), read_only=True) as con:
        assert con.execute(VALUE_QUERY).fetchone()[0] == pytest.approx(1.9)
    assert not list(published.warehouse_dir.glob(".battery.duckdb.*.tmp"))


def test_reader_sees_old_or_new_warehouse_in_full_never_a_mix(published):
    before = _snapshot(published.published_db)
    reader = duckdb.connect(str(published.published_db), read_only=True)
    try:
        assert reader.execute(VALUE_QUERY).fetchone()[0] == pytest.approx(1.8)
        _edit_consumption(published, "1.9")
        build = _start_build(published)
        # while the build runs, the open connection keeps answering from one whole database
        while build.poll() is None:
            assert reader.execute(VALUE_QUERY).fetchone()[0] == pytest.approx(1.8)
            time.sleep(0.2)
        output = build.stdout.read()
        assert build.returncode == 0, output
        still_old = {t: reader.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in before}
        assert still_old == before
        assert reader.execute(VALUE_QUERY).fetchone()[0] == pytest.approx(1.8)
    finally:
        reader.close()
    with duckdb.connect(str(published.published_db), read_only=True) as fresh:
        assert fresh.execute(VALUE_QUERY).fetchone()[0] == pytest.approx(1.9)


@pytest.mark.slow(25)
def test_two_builds_at_once_one_waits_then_both_succeed(published):
    # the second waits as long as the first takes: on a busy machine (parallel test workers) a
    # full build can take longer than the default 120 s wait, which is not what this test is about
    wait = {"BATTERY_LOCK_TIMEOUT_SECONDS": "900"}
    first, second = _start_build(published, **wait), _start_build(published, **wait)
    outputs = [p.communicate(timeout=600)[0] for p in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outputs
    assert _snapshot(published.published_db)


def test_second_build_is_refused_cleanly_when_it_cannot_wait(published):
    before = _snapshot(published.published_db)
    first = _start_build(published)
    _wait_until_locked_by(published, first)
    second = _start_build(published, BATTERY_LOCK_TIMEOUT_SECONDS="0.2")
    second_out, _ = second.communicate(timeout=300)
    first_out, _ = first.communicate(timeout=300)
    assert first.returncode == 0, first_out
    assert second.returncode != 0
    assert "another build is writing the warehouse" in second_out
    assert _snapshot(published.published_db) == before


def test_query_command_opens_the_warehouse_read_only(published):
    out = subprocess.run(
        [str(BATTERY), "query", "CREATE TABLE curated.sneaky AS SELECT 1 AS x"],
        cwd=PROJECT_ROOT, env=_env(published), capture_output=True, text=True,
    )
    assert out.returncode != 0
    assert "read-only" in (out.stdout + out.stderr).lower()
    assert "curated.sneaky" not in _snapshot(published.published_db)


def test_a_failed_runs_writes_are_never_published_by_a_later_run(published):
    """A change whose downstream fails must not leak into the warehouse through the next,
    unrelated refresh (each run starts from the published warehouse, not from staging)."""
    from tests.helpers import build_dataset

    def scenario_rows():
        with duckdb.connect(str(published.published_db), read_only=True) as con:
            return con.execute("SELECT scenario_id, metric, published_text FROM curated.battery_scenarios ORDER BY ALL").fetchall()

    before = scenario_rows()
    extra = published.sources / "battery_scenarios" / "extra_scenarios.csv"
    lines = extra.read_text(encoding="utf-8").splitlines()
    # drop the sodium-ion cell cost: the curated table still validates, the sizing step fails
    extra.write_text("\n".join(l for l in lines if ",cell_cost," not in l) + "\n", encoding="utf-8")
    failed = build_dataset("battery_scenarios")
    assert not failed.success
    assert scenario_rows() == before

    assert build_dataset("fleets", raise_on_error=True).success  # an unrelated refresh publishes
    assert scenario_rows() == before

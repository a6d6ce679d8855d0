"""End to end: a real dagster-daemon (sensor + run queue + run launcher) against a temporary
DAGSTER_HOME, sources tree and warehouse. Editing a source file shows up in DuckDB."""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import PROJECT_ROOT
from tests.helpers import dagster_daemon

pytestmark = pytest.mark.e2e
QUERY = (
    "SELECT value FROM curated.vehicle_requirements "
    "WHERE vehicle_id = 'transit_bus' AND metric = 'energy_consumption'"
)


def _published_value(db: Path):
    if not db.exists():
        return None
    try:
        with duckdb.connect(str(db), read_only=True) as con:
            return con.execute(QUERY).fetchone()[0]
    except duckdb.Error:
        return None


def _wait_for(predicate, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(1.0)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}\n--- daemon log ---\n{log.read_text()[-4000:]}")


@pytest.mark.slow(29)
def test_daemon_refreshes_the_warehouse_when_a_source_changes(workspace, tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "BATTERY_SOURCES_DIR": str(workspace.sources),
        "BATTERY_WAREHOUSE_DIR": str(workspace.warehouse_dir),
        "BATTERY_SENSOR_INTERVAL_SECONDS": "1",
    }
    log = tmp_path / "daemon.log"
    with dagster_daemon(env, log):
        # first sensor tick: nothing built yet, so the whole closure is requested and published
        _wait_for(lambda: _published_value(workspace.published_db) == pytest.approx(1.8), 240, "the first build", log)

        table9 = workspace.sources / "vehicle_requirements" / "table9.csv"
        table9.write_text(table9.read_text(encoding="utf-8").replace(",1.8,", ",1.9,", 1), encoding="utf-8")
        _wait_for(lambda: _published_value(workspace.published_db) == pytest.approx(1.9), 240, "the refresh", log)

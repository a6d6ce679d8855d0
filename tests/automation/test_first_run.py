"""End to end, as a newcomer does it: `battery build`, then a real dagster-daemon (what `make ui`
starts) on the same sources and warehouse. The sources_changed sensor starts from what the
published build was made from, so neither its first evaluation nor the next requests a run and no asset
shows Unsynced; an edit afterwards still is requested (the sensor was alive all along)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import DagsterInstance

from tests.helpers import dagster_daemon, quick_dagster_home, wait_for

pytestmark = pytest.mark.e2e
INTERVAL = 2  # seconds between sensor evaluations


def _sensor_ticks(instance: DagsterInstance) -> list:
    """The sensor's finished evaluations (an evaluation in progress is STARTED: not decided yet)."""
    states = [s for s in instance.all_instigator_state() if s.name == "sources_changed"]
    ticks = [t for s in states for t in instance.get_ticks(s.instigator_origin_id, s.selector_id)]
    return [t for t in ticks if t.status.value != "STARTED"]


def _unsynced(instance: DagsterInstance) -> list[str]:
    """The assets the UI badges Unsynced: Dagster's stale status, computed as the UI does (a private
    API; the pipeline's own private imports are listed in tests/pipeline/test_private_dagster_api.py)."""
    from dagster._core.definitions.data_version import CachingStaleStatusResolver, StaleStatus
    from dagster._core.loader import LoadingContextForTest

    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    resolver = CachingStaleStatusResolver(instance, graph, LoadingContextForTest(instance))
    return sorted(k.to_user_string() for k in graph.get_all_asset_keys() if resolver.get_status(k) == StaleStatus.STALE)


@pytest.mark.slow(33)
def test_daemon_after_a_build_requests_no_run_until_a_file_changes(workspace, tmp_path):
    home = quick_dagster_home(tmp_path)
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "BATTERY_SOURCES_DIR": str(workspace.sources),
        "BATTERY_WAREHOUSE_DIR": str(workspace.warehouse_dir),
        "BATTERY_SENSOR_INTERVAL_SECONDS": str(INTERVAL),
    }
    battery = Path(sys.executable).with_name("battery")
    build = subprocess.run([str(battery), "build"], env=env, capture_output=True, text=True, timeout=900)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]

    log = tmp_path / "daemon.log"
    with DagsterInstance.from_config(str(home)) as instance:
        runs_after_build = len(instance.get_runs())
        with dagster_daemon(env, log):
            # the first evaluation (against what the build recorded), then the next (against the
            # first's cursor); a third would repeat the second's comparison, 5 s later (Dagster's
            # sensor daemon evaluates at most every 5 s whatever the interval)
            ticks = wait_for(lambda: (t := _sensor_ticks(instance)) and len(t) >= 2 and t, 180, "two finished sensor evaluations", log)
            assert len(instance.get_runs()) == runs_after_build, "the sensor requested a run after a build with nothing changed"
            assert {t.status.value for t in ticks} == {"SKIPPED"}, [(t.status, t.skip_reason) for t in ticks]
            # the sensor's first evaluation observed every dataset with the version the build
            # recorded: no asset shows Unsynced (43 did before the build observed its sources)
            assert _unsynced(instance) == []

            table9 = workspace.sources / "vehicle_requirements" / "table9.csv"
            table9.write_text(table9.read_text(encoding="utf-8").replace(",1.8,", ",1.9,", 1), encoding="utf-8")
            run = wait_for(lambda: next((r for r in instance.get_runs() if "battery/changed_datasets" in r.tags), None),
                            120, "the run the edit requests", log)
            assert run.tags["battery/changed_datasets"] == "vehicle_requirements"

"""A run whose process died never holds the run queue (issue 10, item 1).

The end-to-end test starts a real dagster-daemon with the project's dagster.yaml in a temporary
DAGSTER_HOME; the others check the pieces in process."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

from pipelines.automation.run_health import fail_dead_runs, process_tags, worker_alive
from pipelines.settings import PROJECT_ROOT
from tests.helpers import PROJECT_DAGSTER_HOME, dagster_daemon, quick_dagster_home, wait_for

BIN = Path(sys.executable).parent


def _home(tmp_path: Path) -> Path:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    return home


def _env(workspace, home: Path, **extra: str) -> dict:
    return {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "BATTERY_SOURCES_DIR": str(workspace.sources),
        "BATTERY_WAREHOUSE_DIR": str(workspace.warehouse_dir),
        **extra,
    }


_wait = wait_for


def _runs(instance: DagsterInstance, status: DagsterRunStatus) -> list:
    return list(instance.get_runs(filters=RunsFilter(statuses=[status])))


def _killed_build(workspace, home: Path) -> str:
    """Start `battery build`, SIGKILL it once it is writing; return its (still STARTED) run id."""
    build = subprocess.Popen(
        [str(BIN / "battery"), "build"], cwd=PROJECT_ROOT, env=_env(workspace, home),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    for line in build.stdout:  # first finished step: the run is STARTED and mid-build
        if " ok " in line:
            break
    build.send_signal(signal.SIGKILL)
    build.wait()
    instance = DagsterInstance.from_config(str(home))
    [run] = _runs(instance, DagsterRunStatus.STARTED)
    return run.run_id


def test_the_session_never_uses_the_projects_dagster_instance():
    home = Path(os.environ["DAGSTER_HOME"]).resolve()
    assert home != PROJECT_DAGSTER_HOME.resolve()
    assert PROJECT_ROOT.resolve() not in home.parents
    assert Path(DagsterInstance.get().root_directory).resolve() == home


def test_process_tags_identify_a_live_process_and_not_a_dead_one():
    instance = DagsterInstance.ephemeral()
    from dagster import DagsterRun

    assert worker_alive(instance, DagsterRun(job_name="x", tags=process_tags())) is True
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    dead = {**process_tags(), "battery/pid": str(child.pid)}
    assert worker_alive(instance, DagsterRun(job_name="x", tags=dead)) is False
    reused = {**process_tags(), "battery/process_started": "1.00"}  # same pid, other process (reboot)
    assert worker_alive(instance, DagsterRun(job_name="x", tags=reused)) is False


def test_the_next_build_fails_the_run_of_a_killed_build(workspace, tmp_path):
    home = _home(tmp_path)
    run_id = _killed_build(workspace, home)
    instance = DagsterInstance.from_config(str(home))
    assert fail_dead_runs(instance) == [run_id]
    assert instance.get_run_by_id(run_id).status == DagsterRunStatus.FAILURE
    assert not _runs(instance, DagsterRunStatus.STARTED)


@pytest.mark.e2e
@pytest.mark.slow(23)
def test_daemon_fails_a_killed_builds_run_and_the_queued_run_starts(workspace, tmp_path):
    """A SIGKILLed `battery build` leaves its run STARTED; with a queue of one, the sensor's run
    would stay QUEUED forever. The daemon's run monitoring must fail the dead run and start the
    queued one within 3 minutes."""
    home = _home(tmp_path)
    stale = _killed_build(workspace, home)
    log = tmp_path / "daemon.log"
    instance = DagsterInstance.from_config(str(home))
    with dagster_daemon(_env(workspace, home, BATTERY_SENSOR_INTERVAL_SECONDS="1"), log):
        queued = _wait(lambda: [r for r in instance.get_runs() if r.run_id != stale], 60, "the sensor's run", log)[0]
        started = time.monotonic()
        _wait(
            lambda: instance.get_run_by_id(queued.run_id).status not in (DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED),
            180, "the queued run to leave the queue", log,
        )
        assert time.monotonic() - started < 180
        assert instance.get_run_by_id(stale).status == DagsterRunStatus.FAILURE
        final = _wait(
            lambda: instance.get_run_by_id(queued.run_id).status
            if instance.get_run_by_id(queued.run_id).is_finished else None,
            300, "the queued run to finish", log,
        )
        assert final == DagsterRunStatus.SUCCESS
        assert workspace.published_db.exists()


@pytest.mark.e2e
def test_daemon_fails_a_launched_run_whose_worker_was_killed(workspace, tmp_path):
    """The daemon's own run (sensor -> queue -> run worker): SIGKILL the worker mid-run and the
    run monitoring marks the run failed instead of leaving it STARTED."""
    from dagster._core.events import DagsterEventType

    home = quick_dagster_home(tmp_path)  # the run monitoring polls every second, not every 15 s
    log = tmp_path / "daemon.log"
    instance = DagsterInstance.from_config(str(home))

    def worker_pid():
        for run in _runs(instance, DagsterRunStatus.STARTED):
            for record in instance.get_records_for_run(run.run_id, of_type=DagsterEventType.ENGINE_EVENT).records:
                pid = record.event_log_entry.dagster_event.event_specific_data.metadata.get("pid")
                if pid is not None:
                    return run.run_id, int(pid.value)
        return None

    with dagster_daemon(_env(workspace, home, BATTERY_SENSOR_INTERVAL_SECONDS="1"), log):
        run_id, pid = _wait(worker_pid, 180, "a started run worker", log)
        os.kill(pid, signal.SIGKILL)
        _wait(lambda: instance.get_run_by_id(run_id).status == DagsterRunStatus.FAILURE, 120, "the dead run to be failed", log)

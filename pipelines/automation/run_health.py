"""A run whose process died is marked failed, so the run queue (one run at a time) moves on.

Dagster's run monitoring (`run_monitoring` in dagster.yaml, evaluated by dagster-daemon) fails
runs stuck STARTING or CANCELING, but for a STARTED run it asks the run launcher whether the
run's worker is alive, and the DefaultRunLauncher cannot tell (it does not support run-worker
health checks). `ProcessCheckingRunLauncher` is the DefaultRunLauncher plus that check, for
processes on this machine:

- a run launched by the daemon or the UI: the run worker records "Started process for run
  (pid: N)" as an engine event; the worker is alive while that pid exists, is not a zombie and
  started before the event (a reused pid, or a reboot, gives a process that started later);
- a `battery build` (execute_in_process, no launcher): the CLI tags its run with its host, pid
  and process start time (`process_tags`), checked the same way.

`fail_dead_runs` applies the same check from the CLI, so the next `battery build` also clears
what a killed build left behind, daemon or not.
"""
from __future__ import annotations

import os
import socket
import time

from dagster import DagsterEventType, DagsterInstance, DagsterRun, DagsterRunStatus, DefaultRunLauncher, RunsFilter
from dagster._core.launcher import CheckRunHealthResult, WorkerStatus

HOST_TAG, PID_TAG, STARTED_TAG = "battery/host", "battery/pid", "battery/process_started"
# How long a STARTED run may go without a recorded process before it counts as lost. Runs started
# by `battery build`, the UI or the daemon record theirs at once; this only bounds runs of other origin.
NO_PROCESS_GRACE_SECONDS = 600
_CLOCK_SLACK = 2.0  # process start times from /proc are rounded to clock ticks


def _boot_time() -> float | None:
    try:
        with open("/proc/stat", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("btime "):
                    return float(line.split()[1])
    except OSError:
        pass
    return None


def process_started_at(pid: int) -> float | None:
    """Epoch seconds at which process `pid` started; None if there is no such live process
    (a zombie, an exited child not yet reaped, counts as dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0 if not os.path.isdir("/proc") else None  # no /proc: alive, start unknown
    if fields[0] in ("Z", "X"):
        return None
    boot = _boot_time()
    return 0.0 if boot is None else boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")


def process_tags() -> dict[str, str]:
    """Tags identifying the current process, for runs executed in it (see `battery build`)."""
    started = process_started_at(os.getpid()) or 0.0
    return {HOST_TAG: socket.gethostname(), PID_TAG: str(os.getpid()), STARTED_TAG: f"{started:.2f}"}


def _worker(instance: DagsterInstance, run: DagsterRun) -> tuple[int, float, bool] | None:
    """(pid, time the process is known to have existed by, exact start time?) of the run's process."""
    tags = run.tags
    if PID_TAG in tags:
        if tags.get(HOST_TAG) != socket.gethostname():
            return None
        return int(tags[PID_TAG]), float(tags.get(STARTED_TAG, "0")), True
    records = instance.get_records_for_run(run.run_id, of_type=DagsterEventType.ENGINE_EVENT).records
    for record in reversed(records):
        entry = record.event_log_entry
        if entry.user_message.startswith("Started process for run (pid: "):
            pid = entry.dagster_event.event_specific_data.metadata.get("pid")
            if pid is not None:
                return int(pid.value), entry.timestamp, False
    return None


def worker_alive(instance: DagsterInstance, run: DagsterRun) -> bool | None:
    """True/False when the run's process is known to be alive/gone; None when unknown."""
    worker = _worker(instance, run)
    if worker is None:
        return None
    pid, known_at, exact = worker
    started = process_started_at(pid)
    if started is None:
        return False
    if started == 0.0 or known_at == 0.0:  # no /proc: existence is all we can tell
        return True
    if exact:
        return abs(started - known_at) <= _CLOCK_SLACK
    return started <= known_at + _CLOCK_SLACK


def _started_long_ago(instance: DagsterInstance, run: DagsterRun) -> bool:
    record = instance.get_run_record_by_id(run.run_id)
    since = record.start_time if record and record.start_time else (record.create_timestamp.timestamp() if record else 0)
    return time.time() - since > NO_PROCESS_GRACE_SECONDS


def run_worker_status(instance: DagsterInstance, run: DagsterRun) -> WorkerStatus:
    alive = worker_alive(instance, run)
    if alive is True:
        return WorkerStatus.RUNNING
    if alive is False:
        return WorkerStatus.FAILED
    if run.tags.get(HOST_TAG, socket.gethostname()) != socket.gethostname():
        return WorkerStatus.RUNNING  # another machine's process: not ours to judge
    return WorkerStatus.NOT_FOUND if _started_long_ago(instance, run) else WorkerStatus.RUNNING


def fail_dead_runs(instance: DagsterInstance) -> list[str]:
    """Mark every STARTED run whose process is gone as failed; returns their run ids."""
    failed = []
    for run in instance.get_runs(filters=RunsFilter(statuses=[DagsterRunStatus.STARTED])):
        status = run_worker_status(instance, run)
        if status in (WorkerStatus.FAILED, WorkerStatus.NOT_FOUND):
            instance.report_run_failed(
                run, f"The process running this run is gone (worker status {status.value}): it was killed or the machine restarted."
            )
            failed.append(run.run_id)
    return failed


class ProcessCheckingRunLauncher(DefaultRunLauncher):
    """DefaultRunLauncher whose run workers the daemon's run monitoring can health-check."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        status = run_worker_status(self._instance, run)
        return CheckRunHealthResult(status, "" if status == WorkerStatus.RUNNING else "run worker process is gone")

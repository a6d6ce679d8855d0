"""Shared test helpers (plain functions and constants; the fixtures are in conftest.py).

Import them as `from tests.helpers import ...`: both `pytest` and `python -m pytest` put the
project root on sys.path (pyproject.toml `pythonpath`)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from pipelines.settings import PROJECT_ROOT

REAL_SOURCES = PROJECT_ROOT / "sources"
REPORT = PROJECT_ROOT.parent / "shared" / "report" / "advanced-battery-technologies-2025.txt"
REPORT_DOCUMENT = "burke_zhao_2025"  # the document_id of REPORT in sources/documents
PROJECT_DAGSTER_HOME = PROJECT_ROOT / ".dagster_home"


@lru_cache(maxsize=None)
def changed_datasets_job(*names: str):
    """The job the sources_changed sensor runs when these curated datasets change: each one's
    asset and everything downstream of it (publish included). Resolving the subset costs about
    a second; a job definition holds no run state, so one per selection serves the session."""
    from dagster import AssetSelection

    from pipelines.definitions import defs

    selection = AssetSelection.assets(*[["curated", name] for name in names]).downstream()
    return defs.resolve_implicit_global_asset_job_def().get_subset(
        asset_selection=selection.resolve(defs.resolve_asset_graph())
    )


def build_dataset(name: str, raise_on_error: bool = False):
    """Run one curated dataset's asset and everything downstream of it (publish included),
    as the sources_changed sensor would."""
    from dagster import DagsterInstance

    return changed_datasets_job(name).execute_in_process(instance=DagsterInstance.ephemeral(), raise_on_error=raise_on_error)


# --------------------------------------------------------------------------- editing source files


def rewrite_csv(path: Path, edit) -> None:
    """Read a source CSV, apply `edit(rows) -> rows`, write it back as the curators' files are."""
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(edit(rows))


def set_cell(rows: list[list[str]], line: int, column: str, value: str) -> list[list[str]]:
    """Set one cell; `line` counts like the error messages do (the header is line 1)."""
    rows[line - 1][rows[0].index(column)] = value
    return rows


def failure_message(result) -> str:
    """The innermost error of every failed step of a Dagster run."""
    from pipelines.progress import failure_text

    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert failures, "the build should have failed"
    return "\n".join(failure_text(e.event_specific_data.error) for e in failures)


# --------------------------------------------------------------------------- real Dagster processes


def wait_for(predicate, timeout: float, what: str, log: Path | None = None):
    """predicate()'s first truthy value, polled every half second; after `timeout` seconds an
    AssertionError naming `what`, with the end of `log` (a daemon's output, say)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    tail = log.read_text()[-4000:] if log and log.exists() else ""
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}\n{tail}")


def quick_dagster_home(root: Path) -> Path:
    """A DAGSTER_HOME for a test's own Dagster processes: the project's dagster.yaml, with the run
    monitoring polling every second instead of every 15 s, so a test waits for a dead run to be
    failed as long as the check takes, not a poll period. Everything else is the project's."""
    import yaml

    home = root / "dagster_home"
    home.mkdir()
    config = yaml.safe_load((PROJECT_ROOT / "dagster.yaml").read_text(encoding="utf-8"))
    config["run_monitoring"]["poll_interval_seconds"] = 1
    (home / "dagster.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return home


@contextmanager
def dagster_daemon(env: dict, log: Path):
    """A real `dagster-daemon run` of this code location with `env` (its DAGSTER_HOME is also its
    working directory), output in `log`; stopped with its whole process group afterwards."""
    with log.open("w") as out:
        daemon = subprocess.Popen(
            [str(Path(sys.executable).with_name("dagster-daemon")), "run", "-m", "pipelines.definitions", "-d", str(PROJECT_ROOT)],
            cwd=env["DAGSTER_HOME"], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        yield daemon
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        try:
            daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)

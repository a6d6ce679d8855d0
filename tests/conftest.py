"""Shared fixtures: every test that writes works on a temporary copy of sources/ and a
temporary warehouse folder, selected through the same environment variables the pipeline
reads (pipelines/settings.py)."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

from pipelines.settings import PROJECT_ROOT, Paths

REAL_SOURCES = PROJECT_ROOT / "sources"
REPORT = PROJECT_ROOT.parent / "shared" / "report" / "advanced-battery-technologies-2025.txt"
PROJECT_DAGSTER_HOME = PROJECT_ROOT / ".dagster_home"


def pytest_configure(config: pytest.Config) -> None:
    """The whole session, and every process a test starts (`battery build`, dagster-daemon),
    records its runs in a temporary Dagster instance, never in the project's .dagster_home:
    a test that SIGKILLs a build must not leave a run in progress where the UI and daemon look."""
    home = Path(tempfile.mkdtemp(prefix="battery-dagster-home-"))
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    config._battery_previous_dagster_home = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(home)


def pytest_unconfigure(config: pytest.Config) -> None:
    home = Path(os.environ.get("DAGSTER_HOME", ""))
    if home.name.startswith("battery-dagster-home-"):
        shutil.rmtree(home, ignore_errors=True)
    previous = getattr(config, "_battery_previous_dagster_home", None)
    if previous is None:
        os.environ.pop("DAGSTER_HOME", None)
    else:
        os.environ["DAGSTER_HOME"] = previous


@pytest.fixture
def sources_copy(tmp_path: Path) -> Path:
    target = tmp_path / "sources"
    shutil.copytree(REAL_SOURCES, target)
    return target


@pytest.fixture
def workspace(tmp_path: Path, sources_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Paths:
    """Temporary sources + warehouse, wired into the pipeline's settings."""
    warehouse = tmp_path / "warehouse"
    warehouse.mkdir()
    monkeypatch.setenv("BATTERY_SOURCES_DIR", str(sources_copy))
    monkeypatch.setenv("BATTERY_WAREHOUSE_DIR", str(warehouse))
    return Paths(sources=sources_copy, warehouse_dir=warehouse)


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    """One full in-process build of the real sources, shared by read-only tests."""
    from dagster import DagsterInstance

    root = tmp_path_factory.mktemp("built")
    warehouse = root / "warehouse"
    warehouse.mkdir()
    mp = pytest.MonkeyPatch()
    mp.setenv("BATTERY_SOURCES_DIR", str(REAL_SOURCES))
    mp.setenv("BATTERY_WAREHOUSE_DIR", str(warehouse))
    try:
        from pipelines.definitions import defs

        result = defs.resolve_job_def("build_warehouse").execute_in_process(
            instance=DagsterInstance.ephemeral(), raise_on_error=True
        )
        assert result.success
    finally:
        mp.undo()
    return Paths(sources=REAL_SOURCES, warehouse_dir=warehouse)


@pytest.fixture
def published(workspace: Paths, built_warehouse: Paths) -> Paths:
    """The workspace starts from a complete, published warehouse (copied, not rebuilt)."""
    shutil.copytree(built_warehouse.build_dir, workspace.build_dir)
    shutil.copy2(built_warehouse.published_db, workspace.published_db)
    return workspace


def build_dataset(name: str, raise_on_error: bool = False):
    """Run one curated dataset's asset and everything downstream of it (publish included),
    as the sources_changed sensor would."""
    from dagster import AssetSelection, DagsterInstance

    from pipelines.definitions import defs

    selection = AssetSelection.assets(["curated", name]).downstream()
    job = defs.resolve_implicit_global_asset_job_def().get_subset(
        asset_selection=selection.resolve(defs.resolve_asset_graph())
    )
    return job.execute_in_process(instance=DagsterInstance.ephemeral(), raise_on_error=raise_on_error)


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

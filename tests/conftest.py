"""Shared fixtures: every test that writes works on a temporary copy of sources/ and a
temporary warehouse folder, selected through the same environment variables the pipeline
reads (pipelines/settings.py)."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from pipelines.settings import PROJECT_ROOT, Paths
from tests.helpers import REAL_SOURCES


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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The `slow` tests first, longest first (`slow(seconds)`: measured on two busy workers), then
    the tests that do not read the shared build (`built_warehouse`), then those that do, each in
    their order. pytest-xdist hands each worker a block of the collection and an idle worker takes
    tests queued on the other:
    - a long test that starts last keeps one worker busy alone (on 2026-12-06 the 20-refresh test
      started at 267 s of a 313 s pass and ran 47 s while the other worker had nothing left);
    - the second worker's block starts in the middle of the collection: when its first test read
      the shared build while the first worker was making it, it waited about 10 s doing nothing
      (2026-12-07)."""

    def order(item: pytest.Item) -> tuple[bool, bool, float]:
        slow = item.get_closest_marker("slow")
        reads_build = "built_warehouse" in getattr(item, "fixturenames", ())
        return (slow is None, slow is None and reads_build, -float(slow.args[0]) if slow is not None and slow.args else 0.0)

    items[:] = sorted(items, key=order)


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
def built_warehouse(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Paths:
    """One full in-process build of the real sources, shared by read-only tests. Under
    pytest-xdist the workers share it too: the first to need it builds it, the others wait."""
    if worker_id == "master":
        return _build_warehouse(tmp_path_factory.mktemp("built"))
    import fcntl

    shared = tmp_path_factory.getbasetemp().parent  # one folder per session, above the workers'
    with open(shared / "built.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        root = shared / "built"
        if (root / "done").exists():
            return Paths(sources=REAL_SOURCES, warehouse_dir=root / "warehouse")
        shutil.rmtree(root, ignore_errors=True)  # a worker that failed half-way
        root.mkdir()
        paths = _build_warehouse(root)
        (root / "done").touch()
        return paths


def _build_warehouse(root: Path) -> Paths:
    from dagster import DagsterInstance

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
    """The workspace starts from a complete, published warehouse (copied, not rebuilt). The last
    run's staging file is not copied: every run starts its staging as a copy of the published
    file (publish/atomic.py start_staging), so the old one is never read."""
    workspace.build_dir.mkdir(parents=True)
    shutil.copy2(built_warehouse.published_db, workspace.published_db)
    return workspace

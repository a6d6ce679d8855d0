"""`make ui` starts the webserver and the daemon without deprecation warnings, and SIGINT (Ctrl-C)
or SIGTERM stops it and every process it started (issue 10, item 6)."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from pipelines.settings import PROJECT_ROOT

# beside another pytest worker the SIGTERM case failed in two CI runs on 2026-11-27 (alone it passes)
pytestmark = [pytest.mark.e2e, pytest.mark.alone]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            tree.setdefault(ppid, []).append(int(entry))
    return tree


def _descendants(pid: int) -> set[int]:
    tree, found, todo = _children(), set(), [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _up(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.mark.parametrize("how", ["SIGINT to the terminal's process group", "SIGTERM to make"])
def test_make_ui_starts_cleanly_and_a_signal_stops_everything(tmp_path, how):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home), "BATTERY_WAREHOUSE_DIR": str(tmp_path / "warehouse")}
    log = tmp_path / "ui.log"
    with log.open("w") as out:
        make = subprocess.Popen(
            ["make", "--no-print-directory", "ui", f"UI_PORT={port}"], cwd=PROJECT_ROOT, env=env,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,  # its own "terminal" group
        )
    try:
        deadline = time.monotonic() + 150
        while not _up(port):
            assert make.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the webserver never answered\n" + log.read_text()[-3000:]
            time.sleep(1)
        # the daemon is up too once it has started its code server: wait for a grandchild of it
        deadline = time.monotonic() + 120
        while len(_descendants(make.pid)) < 5 and time.monotonic() < deadline:
            time.sleep(1)
        processes = _descendants(make.pid)
        assert len(processes) >= 5, processes  # shell-less: battery ui, webserver, daemon and code servers

        if how.startswith("SIGINT"):
            os.killpg(make.pid, signal.SIGINT)
        else:
            make.send_signal(signal.SIGTERM)
        make.wait(timeout=60)
        deadline = time.monotonic() + 30
        while any(_alive(p) for p in processes) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert [p for p in processes if _alive(p)] == [], log.read_text()[-3000:]
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
    text = log.read_text().lower()
    assert not [w for w in ("deprecat", "supersed") if w in text], text[-3000:]

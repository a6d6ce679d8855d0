"""`battery query` in bounded time and memory, with one- or two-line errors (issue 24): rows are
streamed in batches, --max-rows means what it says, a statement timeout, Ctrl-C interrupts
DuckDB, and a text without a statement or a damaged file is a message, not a traceback."""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.settings import PROJECT_ROOT, Paths
from tests.analyst.test_query import battery_query, refused

LONG = "SELECT count(*) FROM range(300000) a(i), range(300000) b(i) WHERE (a.i * 7 + b.i) % 1000003 = 5"  # minutes
FIVE = "SELECT claim_id FROM curated.cell_claims ORDER BY claim_id LIMIT 5"


def _short(result: subprocess.CompletedProcess) -> str:
    message = refused(result)
    assert 1 <= len(message.strip().splitlines()) <= 2, message
    return message


@pytest.mark.parametrize("text", [";", "-- only a comment", "/* a comment */ ;"])
def test_a_text_without_a_statement_is_a_message(text, built_warehouse):
    assert "no statement" in _short(battery_query(built_warehouse, text))


@pytest.fixture
def damaged(tmp_path, built_warehouse) -> Paths:
    """A warehouse folder whose battery.duckdb and release file are copied from the built ones."""
    paths = Paths(sources=built_warehouse.sources, warehouse_dir=tmp_path / "warehouse")
    (paths.warehouse_dir / "releases").mkdir(parents=True)
    shutil.copyfile(built_warehouse.published_db, paths.published_db)
    return paths


def _damage(path, how: str) -> None:
    data = path.read_bytes()
    path.write_bytes(b"garbage " * 4096 if how == "garbage" else data[: len(data) // 3])


@pytest.mark.parametrize("how", ["garbage", "truncated"])
def test_a_damaged_warehouse_on_the_query_path_is_two_lines(how, damaged):
    _damage(damaged.published_db, how)
    message = _short(battery_query(damaged, "SELECT 1"))
    assert "damaged" in message and "make build" in message


@pytest.mark.parametrize("how", ["garbage", "truncated"])
def test_a_corrupt_release_file_with_release_is_two_lines(how, damaged):
    release = damaged.warehouse_dir / "releases" / "v2026.01.01.1.duckdb"
    shutil.copyfile(damaged.published_db, release)
    _damage(release, how)
    message = _short(battery_query(damaged, "--release", "v2026.01.01.1", "SELECT 1"))
    assert "release file" in message and "damaged" in message


@pytest.mark.parametrize("value", ["-1", "-5", "many"])
def test_max_rows_that_is_not_a_count_is_refused(value, built_warehouse):
    assert "--max-rows" in _short(battery_query(built_warehouse, FIVE, f"--max-rows={value}"))


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "markdown"])
@pytest.mark.parametrize("limit", [0, 3, 5, 7])
def test_max_rows_means_at_most_that_many_rows_in_every_format(fmt, limit, built_warehouse):
    everything = [r[0] for r in csv.reader(io.StringIO(battery_query(built_warehouse, FIVE, "--csv").stdout))][1:]
    result = battery_query(built_warehouse, FIVE, "--format", fmt, "--max-rows", str(limit))
    assert result.returncode == 0, result.stderr
    if fmt == "json":
        shown = [r["claim_id"] for r in json.loads(result.stdout)]
    elif fmt == "csv":
        shown = [r[0] for r in csv.reader(io.StringIO(result.stdout))][1:]
    else:
        shown = [claim for claim in everything if claim in result.stdout]
    assert shown == everything[: min(limit, len(everything))]
    assert ("more rows not shown" in result.stdout + result.stderr) == (limit < len(everything))


def _peak_rss_mb(warehouse: Paths, *args: str, stdout=subprocess.DEVNULL) -> tuple[int, float, float]:
    """(exit code, seconds, peak RSS in MB) of `battery query ARGS` in its own process."""
    probe = (  # VmHWM: this process's peak resident memory (ru_maxrss would carry pytest's over the fork)
        "import re, sys\n"
        "from pipelines.cli import main\n"
        f"code = main(['query', *{list(args)!r}])\n"
        "hwm = re.search(r'VmHWM:\\s+(\\d+) kB', open('/proc/self/status').read())[1]\n"
        "print(int(hwm) / 1024, file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    env = {**os.environ, "BATTERY_WAREHOUSE_DIR": str(warehouse.warehouse_dir)}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT_ROOT, env=env, stdout=stdout, stderr=subprocess.PIPE,
                          text=True, timeout=300)
    return done.returncode, time.monotonic() - started, float(done.stderr.strip().splitlines()[-1])


def test_the_first_rows_of_a_huge_result_print_at_once_in_bounded_memory(built_warehouse):
    """Before: every row was fetched before the first was printed (947 MB to print 200 rows of 10 M)."""
    code, seconds, peak = _peak_rss_mb(built_warehouse, "SELECT i, i * 2.5 AS x, 'row ' || i AS s FROM range(100000000) t(i)")
    assert code == 0 and peak < 300 and seconds < 30, (code, seconds, peak)


def test_a_large_csv_streams_in_bounded_memory(built_warehouse):
    code, seconds, peak = _peak_rss_mb(built_warehouse, "SELECT i, i * 2.5 AS x, 'row ' || i AS s FROM range(1000000) t(i)", "--csv")
    assert code == 0 and peak < 300, (code, seconds, peak)


def _start(warehouse: Paths, *args: str) -> subprocess.Popen:
    env = {**os.environ, "BATTERY_WAREHOUSE_DIR": str(warehouse.warehouse_dir)}
    return subprocess.Popen([sys.executable, "-m", "pipelines.cli", "query", *args], cwd=PROJECT_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_until_computing(process: subprocess.Popen, cpu_seconds: float = 1.5, timeout: float = 60) -> None:
    """Until the process has used `cpu_seconds` of CPU: past its imports (a fraction of that) and
    inside DuckDB, however loaded the machine is."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the statement ended early"
        fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        if (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") >= cpu_seconds:  # utime + stime
            return
        time.sleep(0.1)
    raise AssertionError("the statement never started computing")


def test_ctrl_c_interrupts_a_running_statement_within_two_seconds(built_warehouse):
    """Before: SIGINT was not delivered while DuckDB ran; the query went on."""
    query = _start(built_warehouse, LONG, "--timeout", "0")
    _wait_until_computing(query)
    sent = time.monotonic()
    query.send_signal(signal.SIGINT)
    try:
        _, err = query.communicate(timeout=10)
    finally:
        query.kill()
    latency = time.monotonic() - sent
    assert latency < 2, latency
    assert query.returncode == 130 and "interrupted" in err and len(err.strip().splitlines()) == 1, err


def test_a_statement_past_its_timeout_is_stopped(built_warehouse):
    started = time.monotonic()
    result = battery_query(built_warehouse, LONG, "--timeout", "1")
    assert "--timeout" in _short(result) and time.monotonic() - started < 15

"""`battery query` / `make query`: confined to the warehouse, fast to start, scriptable output.

Each attack of issue 10 item 2 is tried through the real entry points (the `battery` CLI in a
subprocess, and `make query` for the shell-injection ones) against a built warehouse."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.query import QUERIES_DIR, load_named, named_queries
from pipelines.settings import PROJECT_ROOT


def battery_query(warehouse, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "BATTERY_WAREHOUSE_DIR": str(warehouse.warehouse_dir)}
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "query", *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True
    )


def make_query(warehouse, tmp_path: Path, *assignments: str) -> subprocess.CompletedProcess:
    """`make query VAR=...` as a user types it (each assignment one argv word, no shell)."""
    env = {**os.environ, "BATTERY_WAREHOUSE_DIR": str(warehouse.warehouse_dir)}
    return subprocess.run(
        ["make", "-s", "--no-print-directory", "-C", str(PROJECT_ROOT), "query", f"DAGSTER_HOME={tmp_path / 'dagster_home'}", *assignments],
        env=env, capture_output=True, text=True,
    )


def refused(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    return result.stderr


# --------------------------------------------------------------------------- shell and make


@pytest.mark.parametrize(
    "text",
    [
        'SELECT 1"; touch {marker}; echo "',
        "SELECT 1`touch {marker}`",
        "SELECT 1 $(shell touch {marker})",
        "SELECT 1'; touch {marker}; echo '",
    ],
    ids=["double-quote", "backtick", "make-function", "single-quote"],
)
def test_make_query_sql_is_never_shell_or_make_syntax(text, built_warehouse, tmp_path):
    marker = tmp_path / "pwned"
    make_query(built_warehouse, tmp_path, "SQL=" + text.format(marker=marker))
    assert not marker.exists()


def test_make_query_name_is_never_shell_syntax(built_warehouse, tmp_path):
    marker = tmp_path / "pwned"
    result = make_query(built_warehouse, tmp_path, f'NAME=x"; touch {marker}; echo "')
    assert not marker.exists()
    assert "no named query" in refused(result)


def test_make_query_runs_sql_with_quotes_as_sql(built_warehouse, tmp_path):
    result = make_query(built_warehouse, tmp_path, """SQL=SELECT 'it''s "quoted"' AS text""", "FORMAT=csv")
    assert result.returncode == 0, result.stderr
    assert list(csv.reader(io.StringIO(result.stdout))) == [["text"], ['it\'s "quoted"']]


def test_make_query_named_with_params(built_warehouse, tmp_path):
    result = make_query(built_warehouse, tmp_path, "NAME=machines_full_workday", "PARAM=scenario=current_2024", "FORMAT=json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert rows and {r["scenario_id"] for r in rows} == {"current_2024"}


# --------------------------------------------------------------------------- the connection


def test_copy_to_a_file_is_refused(built_warehouse, tmp_path):
    target = tmp_path / "x.csv"
    assert "disabled by configuration" in refused(battery_query(built_warehouse, f"COPY (SELECT 1) TO '{target}'"))
    assert not target.exists()


def test_copy_cannot_overwrite_a_named_query(built_warehouse):
    path = QUERIES_DIR / "reconciliation_summary.sql"
    before = path.read_bytes()
    refused(battery_query(built_warehouse, f"COPY (SELECT 'DROP TABLE x') TO '{path}' (HEADER false)"))
    assert path.read_bytes() == before


def test_attach_read_write_is_refused(built_warehouse, tmp_path):
    target = tmp_path / "y.duckdb"
    refused(battery_query(built_warehouse, f"ATTACH '{target}' (READ_WRITE)"))
    assert not target.exists()


@pytest.mark.parametrize("reader", ["read_text", "read_csv", "read_blob"])
def test_reading_files_outside_the_warehouse_is_refused(reader, built_warehouse, tmp_path):
    secret = tmp_path / "shadow"
    secret.write_text("root:secret-hash:19000:0:99999:7:::\n")
    result = battery_query(built_warehouse, f"SELECT * FROM {reader}('{secret}')")
    assert "secret-hash" not in result.stdout + result.stderr
    assert "disabled by configuration" in refused(result)


def test_extensions_cannot_be_installed_or_loaded(built_warehouse):
    refused(battery_query(built_warehouse, "INSTALL httpfs"))
    refused(battery_query(built_warehouse, "LOAD httpfs"))
    refused(battery_query(built_warehouse, "SELECT * FROM read_csv('https://example.com/x.csv')"))


def test_sql_cannot_unlock_the_configuration(built_warehouse):
    assert "locked" in refused(battery_query(built_warehouse, "SET enable_external_access = true"))
    refused(battery_query(built_warehouse, "SET lock_configuration = false"))


def test_the_warehouse_cannot_be_written(built_warehouse):
    refused(battery_query(built_warehouse, "CREATE TABLE curated.x AS SELECT 1"))


@pytest.mark.parametrize("name", ["../../x", "../queries/reconciliation_summary", "/tmp/x", "reconciliation_summary.sql", "RECONCILIATION_SUMMARY"])
def test_names_are_looked_up_only_among_the_named_queries(name, built_warehouse, tmp_path):
    outside = tmp_path / "x.sql"
    outside.write_text("SELECT 'ran an outside file' AS pwned")
    result = battery_query(built_warehouse, "--name", name)
    assert "ran an outside file" not in result.stdout
    assert "no named query" in refused(result)


# --------------------------------------------------------------------------- speed and output


def test_query_path_imports_neither_dagster_nor_the_pipeline(built_warehouse):
    probe = (
        "import sys\n"
        "from pipelines.cli import main\n"
        "code = main(['query', 'SELECT count(*) FROM curated.cell_claims', '--format', 'csv'])\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('dagster', 'pandas', 'pandera') or m.startswith('pipelines.assets'))\n"
        "print('HEAVY', heavy)\n"
        "sys.exit(code)\n"
    )
    env = {**os.environ, "BATTERY_WAREHOUSE_DIR": str(built_warehouse.warehouse_dir)}
    out = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == "HEAVY []"


def test_a_failing_statement_prints_its_reason_in_two_lines(built_warehouse):
    result = battery_query(built_warehouse, "SELECT no_such_column FROM curated.cell_claims")
    message = refused(result)
    assert 1 <= len(message.strip().splitlines()) <= 2
    assert "no_such_column" in message


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "markdown"])
def test_every_format_carries_the_same_rows(fmt, built_warehouse):
    sql = "SELECT claim_id, value FROM curated.cell_claims ORDER BY claim_id LIMIT 5"
    result = battery_query(built_warehouse, sql, "--format", fmt)
    assert result.returncode == 0, result.stderr
    ids = [r[0] for r in csv.reader(io.StringIO(battery_query(built_warehouse, sql, "--csv").stdout))][1:]
    if fmt == "json":
        assert [r["claim_id"] for r in json.loads(result.stdout)] == ids
    else:
        for claim_id in ids:
            assert claim_id in result.stdout
    if fmt == "markdown":
        assert result.stdout.splitlines()[0] == "| claim_id | value |"


def test_list_names_every_query_with_its_parameters(built_warehouse):
    result = battery_query(built_warehouse, "--list")
    assert result.returncode == 0
    for name in named_queries():
        assert name in result.stdout
        for param in load_named(name).params:
            assert f"{param.name}={param.default}" in result.stdout


def test_unknown_param_is_refused(built_warehouse):
    assert "no parameter" in refused(battery_query(built_warehouse, "--name", "machines_full_workday", "--param", "nope=1"))

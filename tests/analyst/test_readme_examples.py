"""Every query example in README.md runs as written against a built warehouse and returns rows:
the `make query ...` and `battery query ...` command lines, and the SQL of the Python examples."""
from __future__ import annotations

import json
import os
import re
import shlex
import subprocess

import duckdb
import pytest

from pipelines.settings import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", README, flags=re.S)


def _command_lines(prefix: str) -> list[str]:
    lines = []
    for lang, body in BLOCKS:
        if lang == "bash":
            lines += [line.split("  #")[0].strip() for line in body.splitlines() if line.startswith(prefix)]
    return lines


MAKE_QUERIES = _command_lines("make query")
BATTERY_QUERIES = _command_lines(".venv/bin/battery query")
PYTHON_SQL = [
    sql
    for lang, body in BLOCKS
    if lang == "python"
    for sql in re.findall(r'con\.sql\("(.*?)"\)', body)
]
SQL_BLOCKS = [body for lang, body in BLOCKS if lang == "sql"]


def test_the_readme_has_query_examples():
    assert MAKE_QUERIES and BATTERY_QUERIES and PYTHON_SQL


def _rows(stdout: str, argv: list[str]) -> int:
    fmt = "csv" if "--csv" in argv or "FORMAT=csv" in argv else "table"
    for i, word in enumerate(argv):
        if word == "--format":
            fmt = argv[i + 1]
        elif word.startswith("FORMAT="):
            fmt = word.split("=", 1)[1]
    lines = stdout.strip().splitlines()
    if "--list" in argv or "LIST=1" in argv:
        return len(lines)
    if fmt == "json":
        return len(json.loads(stdout))
    if fmt == "csv":
        return len(lines) - 1
    if fmt == "markdown":
        return len(lines) - 2
    return int(re.fullmatch(r"\((\d+) rows?\)", lines[-1])[1])


@pytest.mark.parametrize("line", MAKE_QUERIES + BATTERY_QUERIES)
def test_readme_command_runs_and_returns_rows(line, built_warehouse, tmp_path):
    argv = shlex.split(line)  # the words the user's shell would pass
    env = {**os.environ, "BATTERY_WAREHOUSE_DIR": str(built_warehouse.warehouse_dir)}
    if argv[0] == "make":
        argv = ["make", "-s", "--no-print-directory", *argv[1:], f"DAGSTER_HOME={tmp_path / 'dagster_home'}"]
    else:
        argv = [str(PROJECT_ROOT / argv[0]), *argv[1:]]
    result = subprocess.run(argv, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert _rows(result.stdout, argv) > 0, result.stdout


@pytest.mark.parametrize("sql", PYTHON_SQL + SQL_BLOCKS)
def test_readme_sql_runs_and_returns_rows(sql, built_warehouse):
    with duckdb.connect(str(built_warehouse.published_db), read_only=True) as con:
        assert len(con.sql(sql).fetchall()) > 0

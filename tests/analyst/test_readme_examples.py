"""Every query example in README.md and the guides in docs/ runs as written against a built
warehouse and returns rows: the `make query ...` and `battery query ...` command lines, the SQL
blocks and the SQL of the Python examples. The README's answers (between `<!-- answer: COMMAND -->`
and `<!-- /answer -->`) are the exact output of their command; after a change of data, rewrite
them from a fresh `make build` with `.venv/bin/python -m tests.analyst.test_readme_examples --write`."""
from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import PROJECT_ROOT

README_PATH = PROJECT_ROOT / "README.md"
GUIDES = [README_PATH, *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
TEXTS = {path.relative_to(PROJECT_ROOT).as_posix(): path.read_text(encoding="utf-8") for path in GUIDES}
BLOCKS = [(name, lang, body) for name, text in TEXTS.items() for lang, body in re.findall(r"```(\w+)\n(.*?)```", text, flags=re.S)]
ANSWER = re.compile(r"(<!-- answer: (.*?) -->\n)(.*?)(<!-- /answer -->)", flags=re.S)


def _command_lines(prefix: str) -> list[str]:
    lines = []
    for _name, lang, body in BLOCKS:
        if lang == "bash":
            lines += [line.split("  #")[0].strip() for line in body.splitlines() if line.startswith(prefix)]
    return list(dict.fromkeys(lines))


MAKE_QUERIES = _command_lines("make query")
BATTERY_QUERIES = _command_lines(".venv/bin/battery query")
PYTHON_SQL = list(dict.fromkeys(
    sql
    for _name, lang, body in BLOCKS
    if lang == "python"
    for sql in re.findall(r'con\.sql\("(.*?)"\)', body)
))
SQL_BLOCKS = list(dict.fromkeys(body for _name, lang, body in BLOCKS if lang == "sql"))
ANSWERS = [(command, shown) for _head, command, shown, _tail in ANSWER.findall(TEXTS["README.md"])]


def test_the_guides_have_query_examples():
    assert MAKE_QUERIES and BATTERY_QUERIES and PYTHON_SQL and SQL_BLOCKS


def test_the_readme_is_a_short_front_page_with_answers():
    assert len(README_PATH.read_bytes()) <= 10 * 1024
    assert ANSWERS and all(command.startswith("make query ") for command, _ in ANSWERS)


def _argv(line: str, tmp_path: Path) -> list[str]:
    argv = shlex.split(line)  # the words the user's shell would pass
    if argv[0] == "make":
        return ["make", "-s", "--no-print-directory", *argv[1:], f"DAGSTER_HOME={tmp_path / 'dagster_home'}"]
    return [str(PROJECT_ROOT / argv[0]), *argv[1:]]


def _run(line: str, warehouse_dir: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "BATTERY_WAREHOUSE_DIR": str(warehouse_dir)}
    return subprocess.run(_argv(line, tmp_path), cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)


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
    if lines[-1].startswith("... more rows not shown"):  # a table cut at --max-rows: header, rows, this note
        return len(lines) - 2
    return int(re.fullmatch(r"\((\d+) rows?\)", lines[-1])[1])


@pytest.mark.parametrize("line", MAKE_QUERIES + BATTERY_QUERIES)
def test_guide_command_runs_and_returns_rows(line, built_warehouse, tmp_path):
    result = _run(line, built_warehouse.warehouse_dir, tmp_path)
    assert result.returncode == 0, result.stderr
    assert _rows(result.stdout, shlex.split(line)) > 0, result.stdout


@pytest.mark.parametrize("sql", PYTHON_SQL + SQL_BLOCKS)
def test_guide_sql_runs_and_returns_rows(sql, built_warehouse):
    with duckdb.connect(str(built_warehouse.published_db), read_only=True) as con:
        assert len(con.sql(sql).fetchall()) > 0


@pytest.mark.parametrize(("command", "shown"), ANSWERS, ids=[command for command, _ in ANSWERS])
def test_readme_answer_is_the_commands_output(command, shown, built_warehouse, tmp_path):
    result = _run(command, built_warehouse.warehouse_dir, tmp_path)
    assert result.returncode == 0, result.stderr
    assert shown == result.stdout, (
        "the README's answer is stale: `make build`, then `.venv/bin/python -m tests.analyst.test_readme_examples --write`"
    )


def _slug(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_links_between_the_guides_resolve():
    """Every relative link of README.md and docs/*.md names a file that exists and, with a
    #fragment, a heading of that file."""
    broken = []
    for name, text in TEXTS.items():
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            file_part, _, fragment = target.partition("#")
            path = (PROJECT_ROOT / name).parent / file_part if file_part else PROJECT_ROOT / name
            if not path.exists():
                broken.append(f"{name}: {target}")
            elif fragment and path.suffix == ".md":
                headings = re.findall(r"^#+ (.*)$", path.read_text(encoding="utf-8"), flags=re.M)
                if fragment not in {_slug(h) for h in headings}:
                    broken.append(f"{name}: {target}")
    assert broken == []


def write_answers(warehouse_dir: Path, scratch: Path) -> str:
    """The README with every answer replaced by its command's output on `warehouse_dir`."""

    def answer(match: re.Match) -> str:
        result = _run(match[2], warehouse_dir, scratch)
        if result.returncode != 0:
            raise SystemExit(f"{match[2]} failed: {result.stderr}")
        return match[1] + result.stdout + match[4]

    return ANSWER.sub(answer, TEXTS["README.md"])


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    import tempfile

    from pipelines.settings import current_paths

    with tempfile.TemporaryDirectory() as scratch:
        README_PATH.write_text(write_answers(current_paths().warehouse_dir, Path(scratch)), encoding="utf-8")
    print(f"rewrote the answers of {README_PATH}")

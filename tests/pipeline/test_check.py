"""`battery check`: the sources tree validated without Dagster or the warehouse."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pipelines.tables.check import check_sources

BATTERY = Path(sys.executable).with_name("battery")


def _check(sources: Path, *datasets: str, warehouse: Path) -> subprocess.CompletedProcess:
    env = {"BATTERY_SOURCES_DIR": str(sources), "BATTERY_WAREHOUSE_DIR": str(warehouse), "PATH": "/usr/bin:/bin"}
    return subprocess.run([str(BATTERY), "check", *datasets], capture_output=True, text=True, env=env, timeout=300)


def test_clean_tree_passes_and_writes_nothing(sources_copy, tmp_path):
    warehouse = tmp_path / "warehouse"
    warehouse.mkdir()
    result = _check(sources_copy, warehouse=warehouse)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no blocking problem" in result.stdout
    assert list(warehouse.iterdir()) == []  # the warehouse folder is not touched


def test_broken_value_fails_with_file_line_and_suggestion(sources_copy, tmp_path):
    path = sources_copy / "cell_claims" / "s2_4_quantumscape.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    line = next(i for i, text in enumerate(lines) if ",Wh/kg," in text)
    lines[line] = lines[line].replace(",Wh/kg,", ",Wh/Kg,", 1)
    path.write_text("".join(lines), encoding="utf-8")
    result = _check(sources_copy, "cell_claims", warehouse=tmp_path)
    assert result.returncode == 1
    assert f"sources/cell_claims/s2_4_quantumscape.csv, line {line + 1}, column 'published_unit'" in result.stdout
    assert "did you mean 'Wh/kg'?" in result.stdout
    assert result.stdout.count(f"line {line + 1}, column 'published_unit'") == 1  # each problem once


def test_c_rate_as_a_printed_number_says_what_is_accepted(sources_copy):
    path = sources_copy / "cell_claims" / "s2_4_quantumscape.csv"
    text = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = text[0].rstrip("\n").split(",")
    first = text[1].rstrip("\n").split(",")
    if '"' in text[1]:  # keep the test simple: pick a row without quoted fields
        first = next(r.rstrip("\n").split(",") for r in text[1:] if '"' not in r)
    first[header.index("published_text")] = "C/5"
    path.write_text(text[0] + ",".join(first) + "\n" + "".join(text[1:]), encoding="utf-8")
    problems, _ = check_sources(sources_copy, ["cell_claims"])
    message = "\n".join(map(str, problems))
    assert "not a recognised printed number" in message and "accepted:" in message and "c_rate_text" in message

"""Every BATTERY_* variable is checked before any step runs, with a message naming it and the
form it accepts (issue 24); the retained-releases list sorts by release number."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from pipelines import cli
from pipelines.query import UnknownRelease, release_file
from pipelines.settings import PROJECT_ROOT, VARIABLES, ConfigError, check_environment

BAD = {
    "BATTERY_SOURCES_DIR": "/nonexistent/sources",
    "BATTERY_WAREHOUSE_DIR": "/nonexistent/deeper/warehouse",
    "BATTERY_RELEASES_KEEP": "abc",
    "BATTERY_REFRESH_CRON": "every tuesday",
    "BATTERY_REFRESH_TIMEZONE": "Mars/Olympus_Mons",
    "BATTERY_FRESHNESS_MARGIN_HOURS": "soon",
    "BATTERY_LOCK_TIMEOUT_SECONDS": "-1",
    "BATTERY_SENSOR_INTERVAL_SECONDS": "0.5",
    "BATTERY_EXPORT_CSV": "yes",
}


def test_every_setting_has_a_bad_value_under_test():
    assert set(BAD) == set(VARIABLES)


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_setting_stops_the_build_before_any_step_naming_it_and_its_form(name, workspace, monkeypatch, capsys):
    monkeypatch.setenv(name, BAD[name])
    assert cli.main(["build"]) == 2
    err = capsys.readouterr().err
    assert f"{name}={BAD[name]!r}" in err and VARIABLES[name].form in err and "nothing was run" in err
    assert len(err.strip().splitlines()) <= 2 and "Traceback" not in err
    assert not workspace.build_dir.exists() and not workspace.published_db.exists()  # no step ran


def test_every_bad_setting_is_reported_at_once_and_good_ones_pass():
    with pytest.raises(ConfigError) as raised:
        check_environment(BAD)
    assert all(name in str(raised.value) for name in BAD)
    good = {"BATTERY_RELEASES_KEEP": "3", "BATTERY_REFRESH_CRON": "0 4 * * 1-5", "BATTERY_REFRESH_TIMEZONE": "Europe/Paris",
            "BATTERY_EXPORT_CSV": "1", "BATTERY_FRESHNESS_MARGIN_HOURS": "1.5", "BATTERY_RELEASE_KEEP": "3"}
    [typo] = check_environment(good)  # a misspelt name is not silently ignored
    assert "BATTERY_RELEASE_KEEP" in typo


@pytest.mark.parametrize("name", ["BATTERY_REFRESH_CRON", "BATTERY_RELEASES_KEEP"])
def test_the_code_location_the_daemon_loads_refuses_a_bad_setting_naming_it(name):
    """The sensor and schedule run from the code location: loading it fails with the message
    (before: 33 lines of traceback not naming BATTERY_REFRESH_CRON)."""
    env = {**os.environ, name: BAD[name]}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", "import pipelines.definitions"], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert f"ConfigError: {name}={BAD[name]!r} is not valid: use {VARIABLES[name].form}" in done.stderr
    assert time.monotonic() - started < 60


def test_retained_releases_are_listed_by_number_not_as_text(tmp_path):
    folder = tmp_path / "releases"
    folder.mkdir()
    for n in (10, 2, 1):
        (folder / f"v2026.12.06.{n}.duckdb").write_bytes(b"")
    with pytest.raises(UnknownRelease) as raised:
        release_file("v2026.12.06.99", tmp_path / "battery.duckdb")
    assert "retained releases: v2026.12.06.1, v2026.12.06.2, v2026.12.06.10" in str(raised.value)

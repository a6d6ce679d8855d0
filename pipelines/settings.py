"""Where things live. Every path can be overridden by an environment variable so tests and
the automation run against temporary copies without touching the real warehouse."""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Paths:
    sources: Path
    warehouse_dir: Path

    @property
    def published_db(self) -> Path:
        """The database analysts open; only ever replaced whole (see publish/atomic.py)."""
        return self.warehouse_dir / "battery.duckdb"

    @property
    def build_dir(self) -> Path:
        return self.warehouse_dir / ".build"

    @property
    def staging_db(self) -> Path:
        """The working copy the assets write into; published only when a build succeeds."""
        return self.build_dir / "staging.duckdb"

    @property
    def lock_file(self) -> Path:
        return self.build_dir / "build.lock"

    @property
    def exports_dir(self) -> Path:
        return self.warehouse_dir / "exports"

    @property
    def site_dir(self) -> Path:
        """The static catalogue (publish/site.py), regenerated from the published file."""
        return self.warehouse_dir / "site"

    @property
    def table_exports_dir(self) -> Path:
        """Every published table as Parquet (and CSV), stamped with the file they came from."""
        return self.exports_dir / "tables"


def current_paths() -> Paths:
    return Paths(
        sources=Path(setting("BATTERY_SOURCES_DIR")).resolve(),
        warehouse_dir=Path(setting("BATTERY_WAREHOUSE_DIR")).resolve(),
    )


DEFAULT_REFRESH_CRON = "30 2 * * *"  # 02:30, off-hours


def refresh_cron() -> str:
    """When the daily_refresh schedule rebuilds everything (BATTERY_REFRESH_CRON)."""
    return setting("BATTERY_REFRESH_CRON")


def refresh_timezone() -> str:
    return setting("BATTERY_REFRESH_TIMEZONE")


def freshness_margin_hours() -> float:
    """How late the scheduled refresh may be before the UI flags the warehouse as stale."""
    return setting("BATTERY_FRESHNESS_MARGIN_HOURS")


def lock_timeout_seconds() -> float:
    """How long a build waits for another build, or for a process holding the published file
    open for writing, before it is refused (BATTERY_LOCK_TIMEOUT_SECONDS)."""
    return setting("BATTERY_LOCK_TIMEOUT_SECONDS")


# --------------------------------------------------------------------------- configuration
# Every BATTERY_* variable the pipeline reads, with its default, how it is parsed and the form
# it accepts: the one place they are listed. `battery build`, `battery ui` and the code location
# (definitions.py, so the daemon's sensor and schedule too) check them all before any step runs.


class ConfigError(ValueError):
    """A BATTERY_* variable set to something it cannot be; the message names it and the form."""


def _integer(low: int):
    def parse(text: str) -> int:
        value = int(text.strip())
        if value < low:
            raise ValueError
        return value

    return parse


def _number(low: float):
    def parse(text: str) -> float:
        value = float(text.strip())
        if not (math.isfinite(value) and value >= low):
            raise ValueError
        return value

    return parse


def _folder(must_exist: bool):
    def parse(text: str) -> str:
        path = Path(text).expanduser()
        if must_exist and not path.is_dir():
            raise ValueError
        if not must_exist and not (path.is_dir() or (not path.exists() and path.resolve().parent.is_dir())):
            raise ValueError
        return str(path)

    return parse


def _cron(text: str) -> str:
    from dagster._utils.schedules import is_valid_cron_string  # only where a cron is set

    if not is_valid_cron_string(text.strip()):
        raise ValueError
    return text.strip()


def _timezone(text: str) -> str:
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(text.strip())
    except (ValueError, KeyError, OSError):
        raise ValueError from None
    return text.strip()


def _flag(text: str) -> bool:
    if text.strip() not in ("0", "1"):
        raise ValueError
    return text.strip() == "1"


@dataclass(frozen=True)
class Variable:
    name: str
    default: object
    parse: object  # str -> value; raises ValueError on a text it does not accept
    form: str  # the accepted form, as the error message states it


VARIABLES = {
    v.name: v
    for v in [
        Variable("BATTERY_SOURCES_DIR", str(PROJECT_ROOT / "sources"), _folder(True), "an existing folder (the sources tree)"),
        Variable("BATTERY_WAREHOUSE_DIR", str(PROJECT_ROOT / "warehouse"), _folder(False),
                 "a folder, existing or to be created in an existing folder"),
        Variable("BATTERY_RELEASES_KEEP", 36, _integer(1), "a whole number >= 1 (release files kept; default 36)"),
        Variable("BATTERY_REFRESH_CRON", DEFAULT_REFRESH_CRON, _cron,
                 "a five-field cron expression such as '30 2 * * *' (minute hour day month weekday)"),
        Variable("BATTERY_REFRESH_TIMEZONE", "UTC", _timezone, "an IANA time zone name such as 'UTC' or 'Europe/Paris'"),
        Variable("BATTERY_FRESHNESS_MARGIN_HOURS", 6.0, _number(0), "a number of hours >= 0 (default 6)"),
        Variable("BATTERY_LOCK_TIMEOUT_SECONDS", 120.0, _number(0), "a number of seconds >= 0 (default 120)"),
        Variable("BATTERY_SENSOR_INTERVAL_SECONDS", 5, _integer(1), "a whole number of seconds >= 1 (default 5)"),
        Variable("BATTERY_EXPORT_CSV", False, _flag, "1 (also export CSV) or 0 (Parquet only, the default)"),
    ]
}
# Read by `battery query` / `make query` (pipelines/query.py checks them itself).
QUERY_VARIABLES = ("BATTERY_QUERY_SQL", "BATTERY_QUERY_NAME", "BATTERY_QUERY_PARAM", "BATTERY_QUERY_FORMAT",
                   "BATTERY_QUERY_LIST")


def setting(name: str, env=None):
    """The value of one BATTERY_* variable, parsed; its default when unset or empty."""
    variable = VARIABLES[name]
    text = (os.environ if env is None else env).get(name, "")
    if not text.strip():
        return variable.default
    try:
        return variable.parse(text)
    except ValueError:
        raise ConfigError(f"{name}={text!r} is not valid: use {variable.form}") from None


def check_environment(env=None) -> list[str]:
    """Check every BATTERY_* variable that is set; raise ConfigError listing every invalid one.
    Returns warnings for BATTERY_* names the pipeline does not read (a typo is otherwise silent)."""
    env = os.environ if env is None else env
    problems = []
    for name in VARIABLES:
        try:
            setting(name, env)
        except ConfigError as exc:
            problems.append(str(exc))
    if problems:
        raise ConfigError("\n".join(problems))
    unknown = sorted(n for n in env if n.startswith("BATTERY_") and n not in VARIABLES and n not in QUERY_VARIABLES)
    return [f"{n} is not a setting of this pipeline (known: {', '.join(VARIABLES)}); it is ignored" for n in unknown]

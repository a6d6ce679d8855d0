"""Where things live. Every path can be overridden by an environment variable so tests and
the automation run against temporary copies without touching the real warehouse."""
from __future__ import annotations

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


def current_paths() -> Paths:
    return Paths(
        sources=Path(os.environ.get("BATTERY_SOURCES_DIR", PROJECT_ROOT / "sources")).resolve(),
        warehouse_dir=Path(
            os.environ.get("BATTERY_WAREHOUSE_DIR", PROJECT_ROOT / "warehouse")
        ).resolve(),
    )


DEFAULT_REFRESH_CRON = "30 2 * * *"  # 02:30, off-hours


def refresh_cron() -> str:
    """When the daily_refresh schedule rebuilds everything (BATTERY_REFRESH_CRON)."""
    return os.environ.get("BATTERY_REFRESH_CRON", DEFAULT_REFRESH_CRON)


def refresh_timezone() -> str:
    return os.environ.get("BATTERY_REFRESH_TIMEZONE", "UTC")


def freshness_margin_hours() -> float:
    """How late the scheduled refresh may be before the UI flags the warehouse as stale."""
    return float(os.environ.get("BATTERY_FRESHNESS_MARGIN_HOURS", "6"))

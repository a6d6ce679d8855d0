"""The UI flags a warehouse older than the refresh schedule's period plus a margin, and every
build says when, from which commit and from which sources it was made (issue 10, item 6)."""
from __future__ import annotations

import subprocess
from datetime import datetime, timedelta

from pipelines.assets.warehouse import PUBLISHED_KEY, schedule_period, warehouse_freshness_policy
from pipelines.provenance import git_commit, provenance, sources_digest
from pipelines.settings import PROJECT_ROOT, freshness_margin_hours


def test_the_published_warehouse_has_a_freshness_policy_from_the_schedule():
    from pipelines.definitions import defs

    [spec] = [s for s in defs.resolve_assets_def(PUBLISHED_KEY).specs if s.key == PUBLISHED_KEY]
    schedule = defs.resolve_schedule_def("daily_refresh")
    period = schedule_period(schedule.cron_schedule, schedule.execution_timezone)
    assert spec.freshness_policy == warehouse_freshness_policy()
    assert spec.freshness_policy.fail_window.to_timedelta() == period + timedelta(hours=freshness_margin_hours())
    assert spec.freshness_policy.warn_window.to_timedelta() == period


def test_the_period_follows_the_cron_not_a_constant(monkeypatch):
    assert schedule_period("30 2 * * *", "UTC") == timedelta(days=1)
    assert schedule_period("0 6 * * 1-5", "UTC") == timedelta(days=3)  # Friday to Monday
    monkeypatch.setenv("BATTERY_REFRESH_CRON", "0 */6 * * *")
    monkeypatch.setenv("BATTERY_FRESHNESS_MARGIN_HOURS", "1")
    assert warehouse_freshness_policy().fail_window.to_timedelta() == timedelta(hours=7)


def test_provenance_names_time_commit_and_sources_content(sources_copy):
    facts = provenance(sources_copy)
    built = datetime.strptime(facts["built_at"], "%Y-%m-%d %H:%M:%S UTC")
    assert abs((datetime.utcnow() - built).total_seconds()) < 60
    head = subprocess.run(["git", "-C", str(PROJECT_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    assert head.startswith(git_commit().split()[0])
    before = facts["sources_sha256"]
    csv = sorted(sources_copy.rglob("*.csv"))[0]
    csv.write_text(csv.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert sources_digest(sources_copy) != before

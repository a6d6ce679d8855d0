"""Sizing assets (report Section 5): vehicle packs, construction-machine packs, depot fleets and
Monte Carlo pack uncertainty, built by pipelines/tables/sizing.py, stored as sizing.<table>."""
import pandas as pd
from dagster import AssetsDefinition, Config

from pipelines.assets.computed import table_asset
from pipelines.tables.sizing import (
    build_fleet_summary,
    build_machine_packs,
    build_pack_uncertainty,
    build_vehicle_packs,
)


# (No `from __future__ import annotations` in this module: pydantic reads the config annotations.)
class MonteCarloConfig(Config):
    """Overrides of the Monte Carlo sample count and seed (tests, experiments); unset, a build
    uses sources/analysis_settings/ (monte_carlo_samples, monte_carlo_seed)."""

    n_samples: int | None = None
    seed: int | None = None


def _scenario_count(frame: pd.DataFrame) -> dict:
    return {
        "scenarios": int(frame["scenario_id"].nunique()),
        "interpolated_scenarios": int(frame.loc[frame["interpolated"], "scenario_id"].nunique()),
    }


sizing_assets: list[AssetsDefinition] = [
    table_asset(build_vehicle_packs, metadata=_scenario_count),
    table_asset(build_machine_packs, metadata=_scenario_count),
    table_asset(build_fleet_summary, metadata=lambda frame: {"fleets": int(frame["fleet_id"].nunique())}),
    table_asset(build_pack_uncertainty, config=MonteCarloConfig),
]

"""Sizing assets (report Section 5): vehicle packs, construction-machine packs, depot fleets and
Monte Carlo pack uncertainty, built by pipelines/tables/sizing.py, stored as sizing.<table>."""
import pandas as pd
from dagster import AssetsDefinition, Config

from pipelines.assets.computed import table_asset
from pipelines.compute.sizing import DEFAULT_SEED
from pipelines.tables.sizing import (
    MC_SAMPLES,
    build_fleet_summary,
    build_machine_packs,
    build_pack_uncertainty,
    build_vehicle_packs,
)


# (No `from __future__ import annotations` in this module: pydantic reads the config annotations.)
class MonteCarloConfig(Config):
    """Monte Carlo settings of every sampled pack table; the defaults are what a build uses."""

    n_samples: int = MC_SAMPLES
    seed: int = DEFAULT_SEED


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

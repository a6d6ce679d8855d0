"""Technology packs: claims -> sizing.technology_cells -> sizing.technology_packs (vehicles) and
sizing.technology_machine_packs (construction machines), and their chart.

The `build_*` functions hold the logic without Dagster (tests and the benchmark call them); the
arithmetic is pipelines/compute/technology_packs.py, which reuses the sizing layer's pack_sizing.
Which claims feed a cell value, the rule turning a claim into a distribution, the cell-to-pack
ratios per family and the pack limits are data in sources/ (technology_cell_overrides,
claim_uncertainty, technology_pack_ratios, pack_limits).
"""
import pandas as pd
from dagster import MetadataValue

from pipelines.assets.computed import table_asset
from pipelines.assets.sizing import MonteCarloConfig
from pipelines.tables.ownership import build_battery_ownership, build_machine_battery_ownership
from pipelines.tables.readiness import (
    build_technology_feasibility,
    build_technology_machine_feasibility,
    build_technology_readiness,
    build_unsized_subjects,
)
from pipelines.tables.technology_packs import (
    build_technology_cells,
    build_technology_machine_packs,
    build_technology_packs,
    unsizable,
)


def _not_sized(cells: pd.DataFrame) -> dict:
    """Technologies and products whose claims lack a property sizing needs: listed, never dropped silently."""
    listed = unsizable(cells)
    return {"subjects_not_sized": len(listed), "not_sized": MetadataValue.md("\n".join(f"- {s}" for s in listed) or "none")}


technology_cells_asset = table_asset(build_technology_cells, metadata=_not_sized)
technology_packs_asset = table_asset(build_technology_packs, config=MonteCarloConfig)
technology_machine_packs_asset = table_asset(build_technology_machine_packs, config=MonteCarloConfig)


readiness_assets = [table_asset(f) for f in (build_technology_readiness, build_technology_feasibility, build_technology_machine_feasibility, build_unsized_subjects,
                                             build_battery_ownership, build_machine_battery_ownership)]
technology_pack_assets = [technology_cells_asset, technology_packs_asset, technology_machine_packs_asset, *readiness_assets]

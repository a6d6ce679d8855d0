"""Model assets: the cell model per modelled cell, the streamed design sweep and the
sensitivity tornado, built by pipelines/tables/model.py, stored as model.<table>."""
from __future__ import annotations

from pipelines.assets.computed import table_asset
from pipelines.tables.model import compute_cell_performance_table, compute_cell_sensitivity, design_sweep_chunks

model_assets = [
    table_asset(compute_cell_performance_table),
    table_asset(design_sweep_chunks),
    table_asset(compute_cell_sensitivity),
]

"""Charts as assets: rendered to PNG under warehouse/exports/charts/ and shown in the Dagster
UI through their materialization metadata."""
from __future__ import annotations

import base64

import pandas as pd
from dagster import AssetKey, MaterializeResult, MetadataValue, asset

from pipelines.assets.computed import upstream
from pipelines.assets.table_metadata import OWNERS
from pipelines.publish.charts import ragone_points, render_pack_mass, render_ragone, write_png
from pipelines.schemas.curated.settings import AnalysisSettings
from pipelines.settings import current_paths


def _result(name: str, png: bytes, **extra) -> MaterializeResult:
    path = write_png(png, current_paths().exports_dir / "charts" / f"{name}.png")
    image = base64.b64encode(png).decode()
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(path)),
            "preview": MetadataValue.md(f"![{name}](data:image/png;base64,{image})"),
            "bytes": len(png),
            **extra,
        }
    )


@asset(
    key=AssetKey(["charts", "ragone"]),
    ins={
        "cell_claims": upstream("curated", "cell_claims"),
        "cell_performance": upstream("model", "cell_performance"),
        "modelled_cells": upstream("curated", "modelled_cells"),
    },
    group_name="charts",
    description="Ragone-style chart: gravimetric vs volumetric energy density of published claims and modelled cells, by maturity.",
    kinds={"matplotlib", "png"},
    owners=OWNERS,
)
def ragone(cell_claims: pd.DataFrame, cell_performance: pd.DataFrame, modelled_cells: pd.DataFrame) -> MaterializeResult:
    points = ragone_points(cell_claims, cell_performance, modelled_cells)
    return _result("ragone", render_ragone(points), points=len(points))


@asset(
    key=AssetKey(["charts", "pack_mass_by_vehicle"]),
    ins={
        "vehicle_packs": upstream("sizing", "vehicle_packs"),
        "published_pack_results": upstream("curated", "published_pack_results"),
        "analysis_settings": upstream("curated", "analysis_settings"),
    },
    group_name="charts",
    description="Pack mass per vehicle, current (2024) vs advanced (2030) batteries, computed, with Table 11 as published.",
    kinds={"matplotlib", "png"},
    owners=OWNERS,
)
def pack_mass_by_vehicle(
    vehicle_packs: pd.DataFrame, published_pack_results: pd.DataFrame, analysis_settings: pd.DataFrame
) -> MaterializeResult:
    settings = AnalysisSettings.from_frame(analysis_settings)
    compared = (settings.interpolation_from, settings.interpolation_to)
    return _result("pack_mass_by_vehicle", render_pack_mass(vehicle_packs, published_pack_results, compared))


chart_assets = [ragone, pack_mass_by_vehicle]

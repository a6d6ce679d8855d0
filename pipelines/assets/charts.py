"""Charts as assets: rendered to PNG under warehouse/exports/charts/ and shown in the Dagster
UI through their materialization metadata (the picture, and what was measured on it: label
overlaps, labels cut by the figure edge, error bars drawn)."""
from __future__ import annotations

import base64

import pandas as pd
from dagster import AssetKey, MaterializeResult, MetadataValue, asset

from pipelines.assets.computed import upstream
from pipelines.assets.table_metadata import OWNERS
from pipelines.publish.charts import (
    Chart,
    claims_over_time_points,
    energy_density_points,
    machine_hours_frame,
    pack_mass_frame,
    ragone_points,
    render_claims_over_time,
    render_energy_density_map,
    render_machine_hours,
    render_pack_mass,
    render_ragone,
    write_png,
)
from pipelines.schemas.curated.settings import AnalysisSettings
from pipelines.settings import current_paths

KINDS = {"matplotlib", "png"}
CELL_INPUTS = {
    "cell_claims": upstream("curated", "cell_claims"),
    "cell_performance": upstream("model", "cell_performance"),
    "modelled_cells": upstream("curated", "modelled_cells"),
    "published_cell_results": upstream("curated", "published_cell_results"),
}


def _result(name: str, chart: Chart) -> MaterializeResult:
    path = write_png(chart.png, current_paths().exports_dir / "charts" / f"{name}.png")
    image = base64.b64encode(chart.png).decode()
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(path)),
            "preview": MetadataValue.md(f"![{name}](data:image/png;base64,{image})"),
            "bytes": len(chart.png),
            **chart.metadata(),
        }
    )


def display_names(frame: pd.DataFrame, key: str) -> pd.Series:
    """slug -> display name, from a curated table's display_name column."""
    return frame.drop_duplicates(key).set_index(key)["display_name"]


@asset(
    key=AssetKey(["charts", "energy_density_map"]),
    ins={**CELL_INPUTS, "analysis_settings": upstream("curated", "analysis_settings")},
    group_name="charts",
    description="Energy-density map (Wh/L against Wh/kg): published claims by maturity, ranges as error bars, and the "
    "modelled cells both as computed and as Table 7 publishes them, with the design targets.",
    kinds=KINDS,
    owners=OWNERS,
)
def energy_density_map(
    cell_claims: pd.DataFrame,
    cell_performance: pd.DataFrame,
    modelled_cells: pd.DataFrame,
    published_cell_results: pd.DataFrame,
    analysis_settings: pd.DataFrame,
) -> MaterializeResult:
    settings = AnalysisSettings.from_frame(analysis_settings)
    targets = (settings.design_target_gravimetric, settings.design_target_volumetric)
    points = energy_density_points(cell_claims, cell_performance, modelled_cells, published_cell_results)
    return _result("energy_density_map", render_energy_density_map(points, targets))


@asset(
    key=AssetKey(["charts", "ragone"]),
    ins=CELL_INPUTS,
    group_name="charts",
    description="Ragone plot (specific power W/kg against specific energy Wh/kg) of the claims and modelled cells "
    "that have power figures: modelled cells as computed (pulse and matched-impedance power) and as Table 7 publishes them.",
    kinds=KINDS,
    owners=OWNERS,
)
def ragone(
    cell_claims: pd.DataFrame,
    cell_performance: pd.DataFrame,
    modelled_cells: pd.DataFrame,
    published_cell_results: pd.DataFrame,
) -> MaterializeResult:
    points = ragone_points(cell_claims, cell_performance, modelled_cells, published_cell_results)
    return _result("ragone", render_ragone(points))


@asset(
    key=AssetKey(["charts", "pack_mass_by_vehicle"]),
    ins={
        "vehicle_packs": upstream("sizing", "vehicle_packs"),
        "pack_uncertainty": upstream("sizing", "pack_uncertainty"),
        "published_pack_results": upstream("curated", "published_pack_results"),
        "vehicle_requirements": upstream("curated", "vehicle_requirements"),
        "battery_scenarios": upstream("curated", "battery_scenarios"),
    },
    group_name="charts",
    description="Pack mass per vehicle and battery scenario (computed), the Monte Carlo p5-p95 band as error bars, "
    "and Table 11 as published.",
    kinds=KINDS,
    owners=OWNERS,
)
def pack_mass_by_vehicle(
    vehicle_packs: pd.DataFrame,
    pack_uncertainty: pd.DataFrame,
    published_pack_results: pd.DataFrame,
    vehicle_requirements: pd.DataFrame,
    battery_scenarios: pd.DataFrame,
) -> MaterializeResult:
    frame = pack_mass_frame(
        vehicle_packs,
        pack_uncertainty,
        published_pack_results,
        display_names(vehicle_requirements, "vehicle_id"),
        display_names(battery_scenarios, "scenario_id"),
    )
    return _result("pack_mass_by_vehicle", render_pack_mass(frame))


@asset(
    key=AssetKey(["charts", "machine_operating_hours"]),
    ins={
        "machine_packs": upstream("sizing", "machine_packs"),
        "construction_machines": upstream("curated", "construction_machines"),
        "battery_scenarios": upstream("curated", "battery_scenarios"),
        "analysis_settings": upstream("curated", "analysis_settings"),
    },
    group_name="charts",
    description="Operating hours per charge of each construction machine at today's pack mass, per battery scenario, "
    "against the workday of curated.analysis_settings.",
    kinds=KINDS,
    owners=OWNERS,
)
def machine_operating_hours(
    machine_packs: pd.DataFrame,
    construction_machines: pd.DataFrame,
    battery_scenarios: pd.DataFrame,
    analysis_settings: pd.DataFrame,
) -> MaterializeResult:
    frame = machine_hours_frame(
        machine_packs, display_names(construction_machines, "machine_id"), display_names(battery_scenarios, "scenario_id")
    )
    workday = AnalysisSettings.from_frame(analysis_settings).workday_hours
    return _result("machine_operating_hours", render_machine_hours(frame, workday))


@asset(
    key=AssetKey(["charts", "claims_over_time"]),
    ins={"cell_claims": upstream("curated", "cell_claims"), "technologies": upstream("curated", "technologies")},
    group_name="charts",
    description="Gravimetric energy density claims over time: each claim's best value (value_best, its printed "
    "range as an error bar) against the date it refers to (claim_date), one colour per technology family.",
    kinds=KINDS,
    owners=OWNERS,
)
def claims_over_time(cell_claims: pd.DataFrame, technologies: pd.DataFrame) -> MaterializeResult:
    points = claims_over_time_points(cell_claims, technologies, "gravimetric_energy_density")
    return _result("claims_over_time", render_claims_over_time(points, "Gravimetric energy density"))


chart_assets = [energy_density_map, ragone, pack_mass_by_vehicle, machine_operating_hours, claims_over_time]

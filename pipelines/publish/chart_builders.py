"""One function per chart, named as the chart and taking the tables it reads (parameters named
as the tables, as in pipelines/tables/): the chart assets (pipelines/assets/charts.py) are
declared from these functions, their inputs inferred from the signature, their description from
the docstring's first line. The drawing is in pipelines/publish/charts.py and technology_charts.py."""
from __future__ import annotations

import pandas as pd

from pipelines.publish import charts as draw
from pipelines.publish.charts import Chart
from pipelines.schemas.curated.settings import AnalysisSettings


def display_names(frame: pd.DataFrame, key: str) -> pd.Series:
    """slug -> display name, from a curated table's display_name column."""
    return frame.drop_duplicates(key).set_index(key)["display_name"]


def energy_density_map(
    cell_claims: pd.DataFrame,
    cell_performance: pd.DataFrame,
    modelled_cells: pd.DataFrame,
    published_cell_results: pd.DataFrame,
    analysis_settings: pd.DataFrame,
) -> Chart:
    """Energy-density map (Wh/L against Wh/kg): published claims by maturity, ranges as error bars, and the modelled cells both as computed and as Table 7 publishes them, with the design targets."""
    settings = AnalysisSettings.from_frame(analysis_settings)
    targets = (settings.design_target_gravimetric, settings.design_target_volumetric)
    points = draw.energy_density_points(cell_claims, cell_performance, modelled_cells, published_cell_results)
    return draw.render_energy_density_map(points, targets)


def ragone(
    cell_claims: pd.DataFrame, cell_performance: pd.DataFrame, modelled_cells: pd.DataFrame, published_cell_results: pd.DataFrame
) -> Chart:
    """Ragone plot (specific power W/kg against specific energy Wh/kg) of the claims and modelled cells that have power figures: modelled cells as computed (pulse and matched-impedance power) and as Table 7 publishes them."""
    return draw.render_ragone(draw.ragone_points(cell_claims, cell_performance, modelled_cells, published_cell_results))


def pack_mass_by_vehicle(
    vehicle_packs: pd.DataFrame,
    pack_uncertainty: pd.DataFrame,
    published_pack_results: pd.DataFrame,
    vehicle_requirements: pd.DataFrame,
    battery_scenarios: pd.DataFrame,
) -> Chart:
    """Pack mass per vehicle and battery scenario (computed), the Monte Carlo p5-p95 band as error bars, and Table 11 as published."""
    from pipelines.publish.technology_charts import vehicles_shown

    frame = draw.pack_mass_frame(
        vehicle_packs,
        pack_uncertainty,
        published_pack_results,
        display_names(vehicle_requirements, "vehicle_id"),
        display_names(battery_scenarios, "scenario_id"),
    )
    by_energy = frame.sort_values("battery_energy", kind="stable")["vehicle_id"].drop_duplicates().tolist()
    return draw.render_pack_mass(frame[frame["vehicle_id"].isin(vehicles_shown(by_energy))])


def machine_operating_hours(
    machine_packs: pd.DataFrame, construction_machines: pd.DataFrame, battery_scenarios: pd.DataFrame, analysis_settings: pd.DataFrame
) -> Chart:
    """Operating hours per charge of each construction machine at today's pack mass, per battery scenario, against the workday of curated.analysis_settings."""
    frame = draw.machine_hours_frame(
        machine_packs, display_names(construction_machines, "machine_id"), display_names(battery_scenarios, "scenario_id")
    )
    return draw.render_machine_hours(frame, AnalysisSettings.from_frame(analysis_settings).workday_hours)


def claims_over_time(cell_claims: pd.DataFrame, technologies: pd.DataFrame) -> Chart:
    """Gravimetric energy density claims over time: each claim's point value (value_best: the printed number, or the midpoint of a printed range, drawn as an error bar) against the date it refers to (claim_date), one colour per technology family."""
    points = draw.claims_over_time_points(cell_claims, technologies, "gravimetric_energy_density")
    return draw.render_claims_over_time(points, "Gravimetric energy density")


def technology_pack_mass(
    technology_packs: pd.DataFrame, technologies: pd.DataFrame, products: pd.DataFrame, vehicle_requirements: pd.DataFrame,
    technology_feasibility: pd.DataFrame, unsized_subjects: pd.DataFrame,
) -> Chart:
    """Pack mass per technology (rows) and vehicle (columns) with each technology's claimed cells: median with the 5-95 % band, marked by whether it fits and whether its cells are available at the required stage (first and last scenario year); subjects not sized counted."""
    from pipelines.publish.technology_charts import render_technology_pack_mass

    names = display_names(vehicle_requirements, "vehicle_id")
    return render_technology_pack_mass(technology_packs, technologies, products, names, technology_feasibility, len(unsized_subjects))


def battery_cost_per_mile(
    battery_ownership: pd.DataFrame, technologies: pd.DataFrame, products: pd.DataFrame, vehicle_requirements: pd.DataFrame,
    subject_readiness: pd.DataFrame,
) -> Chart:
    """Battery cost per mile over each vehicle's service life with each sized technology's cells: median with the 5-95 % band, coloured by where the cell cost comes from, readiness in the row label."""
    from pipelines.publish.technology_charts import render_battery_cost_per_mile

    names = display_names(vehicle_requirements, "vehicle_id")
    return render_battery_cost_per_mile(battery_ownership, technologies, products, names, subject_readiness)


CHARTS = [energy_density_map, ragone, pack_mass_by_vehicle, machine_operating_hours, claims_over_time, technology_pack_mass,
          battery_cost_per_mile]

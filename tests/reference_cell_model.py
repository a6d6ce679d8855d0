"""The cell model of pipelines/compute/cell_model.py written a second time, for one design in
plain Python floats: an independent cross-check of the vectorised arithmetic (tests/compute/
test_cell_model.py) and the row-by-row baseline of benchmarks/cell_model_throughput.py. It
lives with the tests on purpose: the pipeline has one implementation of the equations.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

from pipelines.compute.cell_model import _MICRO, _MM, _UM, DESIGN_INPUTS, PULSE_EFFICIENCY, _outputs


def _div(a: float, b: float) -> float:
    """a / b with numpy's IEEE result for b == 0 (±inf, or NaN for 0/0)."""
    if b == 0.0:
        return math.nan if a == 0.0 or math.isnan(a) else math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def compute_cell_performance_rowwise(design: Mapping[str, float]) -> dict[str, float]:
    """The equations of ``compute_cell_performance`` for one design, in plain Python floats.

    Same inputs (scalars), same output names and units. Used as the cross-check of the
    vectorised version and as the row-by-row baseline of the benchmark.
    """
    missing = [k for k in DESIGN_INPUTS if k not in design]
    if missing:
        raise KeyError(f"missing design input(s): {', '.join(missing)}")
    d = {k: float(design[k]) for k in DESIGN_INPUTS}
    # (1)
    cathode_specific_capacity = _div(d["cathode_material_specific_capacity"], 1.0 + d["cathode_additional_material_ratio"])
    cathode_solid_fraction = 1.0 - d["cathode_porosity"]
    cathode_volumetric_capacity = cathode_specific_capacity * d["cathode_density"] * cathode_solid_fraction
    # (2)
    t_c = d["cathode_thickness"] * _UM
    cathode_areal_capacity = cathode_volumetric_capacity * t_c
    # (3)
    cell_area = _div(d["cell_capacity"], cathode_areal_capacity)
    # (4)
    cathode_mass = cell_area * t_c * d["cathode_density"] * cathode_solid_fraction
    # (5)-(10)
    anode_capacity = d["cell_capacity"] * d["anode_oversize_factor"]
    anode_effective_density = d["anode_density"] * (1.0 - d["anode_porosity"])
    anode_mass = _div(anode_capacity, d["anode_specific_capacity"])
    anode_areal_capacity = _div(anode_capacity, cell_area)
    anode_volumetric_capacity = d["anode_specific_capacity"] * anode_effective_density
    t_a = _div(anode_areal_capacity, anode_volumetric_capacity)
    # (11)/(14), (15), (17)
    t_s = d["sse_thickness"] * _UM
    sse_mass = cell_area * t_s * d["separator_density"] * (1.0 - d["separator_porosity"])
    separator_electrolyte_mass = cell_area * t_s * d["electrolyte_density"] * d["separator_porosity"]
    electrode_electrolyte_mass = cell_area * d["electrolyte_density"] * (t_c * d["cathode_porosity"] + t_a * d["anode_porosity"])
    electrolyte_mass = separator_electrolyte_mass + electrode_electrolyte_mass
    # (20)
    t_cc = d["current_collector_thickness"] * _UM
    cu_mass = d["cu_density"] * cell_area * t_cc
    al_mass = d["al_density"] * cell_area * t_cc
    # (22), (23)
    total_mass = cathode_mass + anode_mass + sse_mass + electrolyte_mass + cu_mass + al_mass
    total_thickness_cm = t_c + t_a + t_s + 2.0 * t_cc
    volume = total_thickness_cm * cell_area
    mass_density = _div(total_mass, volume)
    # (21)-(23)
    cell_energy = d["cell_capacity"] * d["average_voltage"]
    gravimetric_energy_density = _div(cell_energy, total_mass) * 1000.0
    volumetric_energy_density = _div(cell_energy, volume) * 1000.0
    # (12), (13), (19)
    sse_interface_resistance = d["sse_resistivity"] * t_s
    r_sse = _div(sse_interface_resistance, cell_area)
    r_electrode = _div(d["electrode_area_specific_resistance"], cell_area)
    path_sq = (d["current_path_length"] * _MM) ** 2
    r_cu = _div(d["cu_resistivity"] * _MICRO * path_sq, t_cc * cell_area)
    r_al = _div(d["al_resistivity"] * _MICRO * path_sq, t_cc * cell_area)
    r_total = r_sse + r_electrode + r_cu + r_al
    v_sq = d["pulse_voltage"] ** 2
    mass_kg = total_mass / 1000.0
    pulse_power_95 = _div(_div(PULSE_EFFICIENCY * (1.0 - PULSE_EFFICIENCY) * v_sq, r_total), mass_kg)
    matched_impedance_power = _div(_div(v_sq, 4.0 * r_total), mass_kg)
    return _outputs(locals())

"""Cell resistance and pulse power from the report's own equations (12-21), with no input
fitted to Table 7.

The cell model (pipelines/compute/cell_model.py) matches Table 7's resistance and pulse power
by construction: its electrode area-specific resistance and pulse voltage are back-solved from
them (sources/cell_model_assumptions, calibrated_against). This module computes the same two
numbers independently, from what Section 4.1 and Table 6 give:

* eq 12-13 (and 16 for a liquid-filled separator): the separator's area-specific resistance
  (Table 6 "SSE Interface Resistance", the model's sse_resistance) over the cell area;
* eq 18: electrolyte in the electrode pores, (resistivity / porosity^1.5) x electrode thickness,
  over the cell area (the printed "x cell cm²" cannot give ohms; "÷" is used). Applied only to
  an electrode whose pores hold liquid (porosity > 0 and electrolyte_density > 0); a dense
  electrode (porosity 0) has no pore path for eq 18 and contributes nothing;
* eq 19: the Cu and Al foils (the model's cu_resistance and al_resistance, from the printed
  resistivities and foil thickness and the assumed current path);
* pulse power EF(1-EF)V²/R per kg (Table 7 footnote) with V the average voltage of eq 21 (the
  voltage behind the cell energy), not the back-solved pulse voltage.

Inputs the report does not print (liquid_electrolyte_resistivity) are curated in
sources/cell_model_assumptions with provenance and reason.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from pipelines.schemas.vocabulary import INDEPENDENT_INPUT_UNITS, PULSE_EFFICIENCY  # noqa: F401 (re-exported)

_UM = 1e-4  # µm -> cm


def independent_resistance_and_power(
    inputs: Mapping[str, np.ndarray], outputs: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """internal_resistance [mOhm] and pulse_power_95 [W/kg] per design from eq 12-21.

    inputs: the cell model's design inputs (cathode_thickness µm, cathode_porosity,
    anode_porosity, electrolyte_density g/cm3, average_voltage V) plus
    liquid_electrolyte_resistivity [Ohm·cm]. outputs: the model's cell_area [cm2],
    anode_thickness [µm], sse_resistance [mOhm], cu_resistance and al_resistance [pOhm],
    total_mass [g]. Also returns the parts: electrolyte_resistance [mOhm] (eq 18).
    """
    area = np.asarray(outputs["cell_area"], dtype=float)
    liquid = np.asarray(inputs["electrolyte_density"], dtype=float) > 0
    rho = np.asarray(inputs["liquid_electrolyte_resistivity"], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        asr = np.zeros(np.broadcast_shapes(area.shape, rho.shape))
        for thickness, porosity in (
            (np.asarray(inputs["cathode_thickness"], dtype=float), np.asarray(inputs["cathode_porosity"], dtype=float)),
            (np.asarray(outputs["anode_thickness"], dtype=float), np.asarray(inputs["anode_porosity"], dtype=float)),
        ):
            filled = liquid & (porosity > 0)
            asr = asr + np.where(filled, rho / np.where(filled, porosity, 1.0) ** 1.5 * thickness * _UM, 0.0)
        electrolyte = asr / area * 1e3  # mOhm
        total = (
            np.asarray(outputs["sse_resistance"], dtype=float)
            + electrolyte
            + (np.asarray(outputs["cu_resistance"], dtype=float) + np.asarray(outputs["al_resistance"], dtype=float)) * 1e-9
        )
        v_sq = np.asarray(inputs["average_voltage"], dtype=float) ** 2
        power = PULSE_EFFICIENCY * (1.0 - PULSE_EFFICIENCY) * v_sq / (total * 1e-3) / (np.asarray(outputs["total_mass"], dtype=float) / 1000.0)
    return {"internal_resistance": total, "pulse_power_95": power, "electrolyte_resistance": electrolyte}

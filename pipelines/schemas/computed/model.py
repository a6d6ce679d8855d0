"""The model layer: the Section 4.1 cell model computed from its design parameters."""
from __future__ import annotations

from pandera.typing import Series

from pipelines.schemas.base import DERIVED, ComputedTable, catalogue_field, field, wide_model
from pipelines.schemas.vocabulary import DESIGN_INPUT_UNITS, DESIGN_INPUTS, OUTPUT_UNITS

# What each model output means (units come from the model itself, OUTPUT_UNITS).
OUTPUT_DESCRIPTIONS: dict[str, str] = {
    "cathode_specific_capacity": "Composite cathode capacity per gram (active material capacity / (1 + additional material ratio))",
    "cathode_volumetric_capacity": "Eq 1: cathode capacity per cm³ of cathode layer",
    "cathode_areal_capacity": "Eq 2: cathode capacity per cm² of electrode",
    "cell_area": "Eq 3: electrode area needed for the cell capacity",
    "cathode_mass": "Eq 4: mass of the cathode layer (solid part)",
    "anode_capacity": "Eq 5: anode capacity (cell capacity x oversize factor)",
    "anode_effective_density": "Eq 6: anode density net of its porosity",
    "anode_mass": "Eq 7: anode mass",
    "anode_areal_capacity": "Eq 8: anode capacity per cm² of electrode",
    "anode_volumetric_capacity": "Eq 9: anode capacity per cm³ of anode layer",
    "anode_thickness": "Eq 10: anode layer thickness",
    "sse_mass": "Eq 11/14: mass of the separator or solid-electrolyte layer (solid part)",
    "separator_electrolyte_mass": "Eq 15: liquid electrolyte held in the separator pores",
    "electrode_electrolyte_mass": "Eq 17: liquid electrolyte held in the electrode pores",
    "electrolyte_mass": "All liquid electrolyte in the cell (eq 15 + eq 17)",
    "cu_mass": "Eq 20: copper current-collector mass",
    "al_mass": "Eq 20: aluminium current-collector mass",
    "total_mass": "Sum of all component masses (denominator of eq 22)",
    "total_thickness": "Stack thickness: cathode + anode + separator + two foils",
    "volume": "Stack volume: thickness x electrode area (denominator of eq 23)",
    "mass_density": "Cell mass per unit volume",
    "cell_energy": "Eq 21: cell capacity x average voltage",
    "gravimetric_energy_density": "Eq 22: cell energy per kg",
    "volumetric_energy_density": "Eq 23: cell energy per litre",
    "sse_interface_resistance": "Eq 12: area-specific resistance of the separator / solid electrolyte",
    "sse_resistance": "Eq 13: separator / solid-electrolyte resistance over the electrode area",
    "electrode_resistance": "Electrode and interface resistance over the electrode area (eq 16-18 folded into one area-specific value)",
    "cu_resistance": "Eq 19: copper foil resistance (in the unit Table 6 prints)",
    "al_resistance": "Eq 19: aluminium foil resistance (in the unit Table 6 prints)",
    "cu_areal_resistance": "Copper foil resistance x electrode area",
    "al_areal_resistance": "Aluminium foil resistance x electrode area",
    "internal_resistance": "Total cell resistance: separator + electrodes + foils",
    "pulse_power_95": "Pulse power per kg at 95% efficiency, EF(1-EF)V²/R",
    "matched_impedance_power": "Matched-impedance power per kg, V²/4R",
}
INPUT_DESCRIPTIONS: dict[str, str] = {
    "cathode_thickness": "Cathode layer thickness",
    "cathode_density": "Cathode layer density",
    "cathode_material_specific_capacity": "Specific capacity of the cathode active material",
    "cathode_additional_material_ratio": "Inactive cathode material per gram of active material",
    "anode_density": "Anode material density",
    "separator_density": "Separator / solid-electrolyte density",
    "sse_thickness": "Separator / solid-electrolyte thickness",
    "cu_resistivity": "Copper resistivity",
    "al_resistivity": "Aluminium resistivity",
    "current_collector_thickness": "Thickness of each current-collector foil",
    "cu_density": "Copper density",
    "cell_capacity": "Cell capacity",
    "anode_oversize_factor": "Anode capacity over cell capacity",
    "average_voltage": "Average discharge voltage",
    "cathode_porosity": "Cathode pore fraction",
    "anode_specific_capacity": "Anode specific capacity",
    "anode_porosity": "Anode pore fraction",
    "separator_porosity": "Separator pore fraction",
    "electrolyte_density": "Density of the liquid electrolyte in the pores",
    "al_density": "Aluminium density",
    "sse_resistivity": "Ionic resistivity of the separator / solid electrolyte",
    "electrode_area_specific_resistance": "Area-specific resistance of electrodes and interfaces",
    "current_path_length": "Current path length along a foil to its tab",
    "pulse_voltage": "Voltage behind the pulse-power figures",
}
assert set(OUTPUT_DESCRIPTIONS) == set(OUTPUT_UNITS), "every model output needs a description"
assert set(INPUT_DESCRIPTIONS) == set(DESIGN_INPUTS), "every model input needs a description"

OUTPUTS = {name: (OUTPUT_UNITS[name], OUTPUT_DESCRIPTIONS[name]) for name in OUTPUT_UNITS}
INPUTS = {name: (DESIGN_INPUT_UNITS[name], "Input: " + INPUT_DESCRIPTIONS[name]) for name in DESIGN_INPUTS}
SWEEP_OUTPUTS = ("total_mass", "volume", "cell_energy", "gravimetric_energy_density", "volumetric_energy_density", "internal_resistance", "pulse_power_95")

# The report's Table 7 prints four of the model outputs for every modelled cell; the table
# carries each printed value beside the computed one, and the deviation between them.
PUBLISHED_TABLE = "Table 7"
PUBLISHED_OUTPUTS = ("gravimetric_energy_density", "volumetric_energy_density", "internal_resistance", "pulse_power_95")
PUBLISHED_BESIDE = {
    **{
        f"published_{name}": (OUTPUTS[name][0], f"{PUBLISHED_TABLE} as published (curated.published_cell_results): {name}")
        for name in PUBLISHED_OUTPUTS
    },
    **{
        f"{name}_deviation_pct": (
            "%",
            f"(computed - published) / published x 100 for {name}; null where {PUBLISHED_TABLE} prints no value or 0",
        )
        for name in PUBLISHED_OUTPUTS
    },
}

CellPerformance = wide_model(
    "CellPerformance",
    keys={"cell_id": (str, "")},  # described by the field catalogue
    quantities=OUTPUTS,
    optional=PUBLISHED_BESIDE,
    description=(
        "The report's bottom-up cell model (Section 4.1, equations 1-23) computed for each of the nine "
        "modelled cells from Table 6 and the curated assumptions: area, component masses and "
        "thicknesses, volume, energy, energy densities, resistance and power; beside them, the values "
        "Table 7 publishes for the same cells (published_*) and the deviation in percent."
    ),
    grain="one row per modelled cell",
    provenance="pipelines/compute/cell_model.py over curated.cell_design_parameters and curated.cell_model_assumptions",
)

DesignSweep = wide_model(
    "DesignSweep",
    keys={"design_id": (int, "Sequence number of the sampled design"), "anode_choice": (str, "Anode material drawn for the design")},
    quantities={**INPUTS, **{k: OUTPUTS[k] for k in SWEEP_OUTPUTS}},
    unique=("design_id",),
    flags={
        "reaches_design_target": "True where the design reaches both design targets of curated.analysis_settings "
        "(design_target_gravimetric and design_target_volumetric)"
    },
    description=(
        "The cell model over a seeded random sample (or grid) of designs around a base cell, with the "
        "ranges in sources/design_sweep: which designs reach the design target (500 Wh/kg and 1000 Wh/L as shipped)."
    ),
    grain="one row per sampled design",
    provenance="pipelines/compute/cell_model.py sample_designs + compute_cell_performance",
)


class CellSensitivity(ComputedTable):
    cell_id: Series[str] = catalogue_field("cell_id", origin=DERIVED)
    input: Series[str] = field("Model input perturbed", origin=DERIVED)
    direction: Series[str] = field(
        "Perturbation of the input, down or up by curated.analysis_settings.sensitivity_step (e.g. -10% or +10%)",
        origin=DERIVED,
        str_matches=r"^[+-]\d+(\.\d+)?%$",
    )
    output: Series[str] = field("Model output observed", origin=DERIVED)
    base: Series[float] = field("Output at the cell's own inputs, in the output's unit (model.cell_performance)", origin=DERIVED)
    perturbed: Series[float] = field("Output with the input perturbed, in the output's unit", origin=DERIVED)
    relative_change: Series[float] = field(
        "Relative change of the output (null where the base output is 0)", unit="%", origin=DERIVED, nullable=True
    )

    class Config:
        unique = ["cell_id", "input", "direction", "output"]
        description = "Tornado sensitivity: change of Wh/kg and Wh/L of each modelled cell for +/-10% in each input."
        metadata = {
            "grain": "one row per cell, input, direction and output",
            "provenance": "pipelines/compute/cell_model.py sensitivity()",
        }

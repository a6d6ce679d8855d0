"""Vocabularies shared by the schemas and the computations, defined once.

The pandera models (schemas/) check columns against these lists and the computations (compute/)
iterate over them; both import them from here, the lowest layer that needs them, so no schema
imports a computation.
"""
from __future__ import annotations

# --------------------------------------------------------------------------- cell model
# Inputs printed in Table 6 (slug = Table 6 parameter slug, value in the printed unit).
TABLE6_INPUTS: tuple[str, ...] = (
    "cathode_thickness",  # µm
    "cathode_density",  # g/cm³, density of the cathode composite
    "cathode_material_specific_capacity",  # Ah/g of active material
    "cathode_additional_material_ratio",  # g additional (inactive) per g active, -
    "anode_density",  # g/cm³
    "separator_density",  # g/cm³ (SSE or polymer/porous separator)
    "sse_thickness",  # µm, separator / SSE layer
    "cu_resistivity",  # µΩ·cm (printed as "Cu Conductivity")
    "al_resistivity",  # µΩ·cm (printed as "Al Conductivity")
    "current_collector_thickness",  # µm, each of the Cu and Al foils
    "cu_density",  # g/cm³
)

# Inputs the report uses but does not print (sources/cell_model_assumptions).
ASSUMED_INPUTS: tuple[str, ...] = (
    "cell_capacity",  # Ah
    "anode_oversize_factor",  # anode Ah / cell Ah, -
    "average_voltage",  # V, average discharge voltage for the energy
    "cathode_porosity",  # volume fraction, -
    "anode_specific_capacity",  # Ah/g of anode solid
    "anode_porosity",  # volume fraction, -
    "separator_porosity",  # volume fraction, -
    "electrolyte_density",  # g/cm³ of the liquid filling pores (0 = pores carry no mass)
    "al_density",  # g/cm³
    "sse_resistivity",  # Ω·cm, ionic resistivity of the separator layer
    "electrode_area_specific_resistance",  # Ω·cm², electrodes + interfaces other than the SSE
    "current_path_length",  # mm, current path along a foil sheet to its tab
    "pulse_voltage",  # V used in the pulse and matched-impedance power
)

DESIGN_INPUTS: tuple[str, ...] = TABLE6_INPUTS + ASSUMED_INPUTS

DESIGN_INPUT_UNITS: dict[str, str] = {
    "cathode_thickness": "µm",
    "cathode_density": "g/cm3",
    "cathode_material_specific_capacity": "Ah/g",
    "cathode_additional_material_ratio": "ratio",
    "anode_density": "g/cm3",
    "separator_density": "g/cm3",
    "sse_thickness": "µm",
    "cu_resistivity": "µOhm·cm",
    "al_resistivity": "µOhm·cm",
    "current_collector_thickness": "µm",
    "cu_density": "g/cm3",
    "cell_capacity": "Ah",
    "anode_oversize_factor": "ratio",
    "average_voltage": "V",
    "cathode_porosity": "ratio",
    "anode_specific_capacity": "Ah/g",
    "anode_porosity": "ratio",
    "separator_porosity": "ratio",
    "electrolyte_density": "g/cm3",
    "al_density": "g/cm3",
    "sse_resistivity": "Ohm·cm",
    "electrode_area_specific_resistance": "Ohm·cm2",
    "current_path_length": "mm",
    "pulse_voltage": "V",
}

# Outputs in the order compute_cell_performance returns them, with units. Names equal to a
# Table 6 parameter slug or a Table 7 metric carry that slug's canonical unit.
OUTPUT_UNITS: dict[str, str] = {
    "cathode_specific_capacity": "Ah/g",
    "cathode_volumetric_capacity": "Ah/cm3",
    "cathode_areal_capacity": "Ah/cm2",
    "cell_area": "cm2",
    "cathode_mass": "g",
    "anode_capacity": "Ah",
    "anode_effective_density": "g/cm3",
    "anode_mass": "g",
    "anode_areal_capacity": "Ah/cm2",
    "anode_volumetric_capacity": "Ah/cm3",
    "anode_thickness": "µm",
    "sse_mass": "g",
    "separator_electrolyte_mass": "g",
    "electrode_electrolyte_mass": "g",
    "electrolyte_mass": "g",
    "cu_mass": "g",
    "al_mass": "g",
    "total_mass": "g",
    "total_thickness": "µm",
    "volume": "cm3",
    "mass_density": "g/cm3",
    "cell_energy": "Wh",
    "gravimetric_energy_density": "Wh/kg",
    "volumetric_energy_density": "Wh/L",
    "sse_interface_resistance": "Ohm·cm2",
    "sse_resistance": "mOhm",
    "electrode_resistance": "mOhm",
    "cu_resistance": "pOhm",
    "al_resistance": "pOhm",
    "cu_areal_resistance": "µOhm·cm2",
    "al_areal_resistance": "µOhm·cm2",
    "internal_resistance": "mOhm",
    "pulse_power_95": "W/kg",
    "matched_impedance_power": "W/kg",
}

# Efficiency that defines the Table 7 pulse-power metric (P = EF(1-EF)V²/R), not a design input.
PULSE_EFFICIENCY = 0.95

# Unprinted inputs of eq 16/18 (curated in sources/cell_model_assumptions), with units.
INDEPENDENT_INPUT_UNITS: dict[str, str] = {"liquid_electrolyte_resistivity": "Ohm·cm"}

# Sampling distributions of the cell-model design sweep (sources/design_sweep).
DESIGN_SWEEP_DISTRIBUTIONS = ("uniform", "choice")

# --------------------------------------------------------------------------- sizing
# Scenario metrics (Table 10 slugs) in the order pack_sizing takes them.
SCENARIO_METRICS: tuple[str, ...] = (
    "cell_gravimetric_energy_density",
    "cell_volumetric_energy_density",
    "cell_cost",
    "gravimetric_cell_to_pack_ratio",
    "volumetric_cell_to_pack_ratio",
    "pack_cost_factor",
)

# Kinds of asset a battery scenario sizes (sources/vehicle_peak_power etc.).
ASSET_TYPES = ["vehicle", "machine"]
# Sampling distributions of the pack Monte Carlo (sources/scenario_uncertainty).
SCENARIO_DISTRIBUTIONS = ("triangular", "uniform", "fixed")
# Pack quantities the Monte Carlo samples, with their units.
UNCERTAIN_METRICS = {"pack_mass": "kg", "pack_volume": "L", "pack_cost_total": "USD"}

# --------------------------------------------------------------------------- reconciliation
# calibrated: within tolerance, but only because an input was fitted to this very number.
# not_comparable: the published value is text, so there is nothing to compare.
STATUSES = ("reproduced", "calibrated", "deviates", "not_computed", "not_comparable")
# Pack quantities of sizing.vehicle_packs a Section 5 claim can be recomputed as.
PACK_QUANTITIES = ("pack_mass", "pack_volume", "pack_cost_total", "pack_specific_power")
# How the sizing recomputes a Section 5 claim (sources/claim_recomputations, column statistic);
# which claim is recomputed how, for which vehicle and scenarios, is data.
CLAIM_STATISTICS: dict[str, str] = {
    "pack_for_range": "the pack for the range claimed by range_claim_id x the vehicle's Table 9 energy "
    "consumption, sized in scenario_id",
    "packaging_reduction": "100 x (1 - the quantity with compared_scenario_id's cell-to-pack ratios / with "
    "scenario_id's), both at scenario_id's cell figures: the saving packaging alone brings (%)",
    "reduction": "100 x (1 - compared_scenario_id's pack / scenario_id's pack) of sizing.vehicle_packs, the "
    "median over the vehicles (%)",
    "factor": "scenario_id's pack / compared_scenario_id's pack of sizing.vehicle_packs, the median over the "
    "vehicles (times smaller)",
    "max": "the largest value over both scenarios' rows of sizing.vehicle_packs",
}

# --------------------------------------------------------------------------- technology database
# What a claimed number means (curated.cell_claims): the level it is measured at, the stage of the
# sample it was measured on, and whether it is declared, measured, a target or an estimate. An
# empty cell is `unspecified` (the claim's source does not say).
CLAIM_BASES = ("material", "cell", "module", "pack", "system", "unspecified")
# The bases that are one physical object (a particular cell, module, pack or system). An
# organisation's claim at one of these levels that names no product is about an unnamed object,
# and two unnamed objects of one organisation need not be the same one (quality.claim_conflicts).
OBJECT_BASES = ("cell", "module", "pack", "system")
# The bases whose figures describe a cell, so may feed a cell property of the pack sizing
# (sizing.technology_cells): a pack's, module's or system's Wh/kg already includes the pack's
# inactive mass the sizing adds, and a material's excludes the cell's.
CELL_SIZING_BASES = ("cell", "unspecified")
SAMPLE_STAGES = (
    "theoretical", "lab_cell", "prototype", "a_sample", "b_sample", "c_sample", "production", "unspecified",
)
DECLARED_OR_MEASURED = ("declared", "measured", "target", "estimate", "unspecified")
# How closely a claim's cited reference belongs to it: cited in the claim's own sentence, in its
# paragraph, in a figure or table caption, or only somewhere in its section.
REFERENCE_SCOPES = ("sentence", "paragraph", "caption", "section")
# Kinds of source document (curated.documents.kind); the web kinds need a URL and an accessed date,
# and each of their claims a quote holding the printed number.
DOCUMENT_KINDS = (
    "research_report", "peer_reviewed_paper", "company_datasheet", "press_release", "presentation", "website",
    "news_article", "blog_post", "survey", "book", "other",
)
WEB_DOCUMENT_KINDS = ("company_datasheet", "press_release", "website", "news_article", "blog_post", "survey")
# Maturity order of cell_claims.status, most mature first.
MATURITY = ["commercial", "early_production", "under_development", "laboratory", "literature"]
# Readiness of a technology or product (sources/technology_readiness/), least to most ready.
READINESS_STAGES: list[str] = ["theoretical", "lab_cell", "prototype", "pilot_samples", "early_production", "commercial"]
# How a readiness row's year reads: reached (it happened that year), expected (forecast for that
# year), by (no later than that year: a fact when the year is not after the document, else a forecast).
YEAR_QUALIFIERS: list[str] = ["reached", "expected", "by"]
# Why a technology or product is not sized (sizing.unsized_subjects), most telling first: the first
# that applies is its reason. Material-level figures are the claims of MATERIAL_LEVEL_METRICS or of
# evidence theoretical_limit.
UNSIZED_REASONS: dict[str, str] = {
    "no_claim": "no claim about it in curated.cell_claims",
    "material_level_only": "only material-level figures (theoretical limits, specific capacities), no cell energy density",
    "above_cell_level_only": "its energy densities are pack-, module- or system-level figures only (the sizing needs a cell's)",
    "no_energy_density_claim": "no cell Wh/kg and no cell Wh/L claim",
    "no_wh_per_kg_claim": "no cell Wh/kg claim",
    "no_wh_per_l_claim": "no cell Wh/L claim",
}
MATERIAL_LEVEL_METRICS: list[str] = ["specific_capacity", "theoretical_specific_energy", "specific_capacity_ratio"]
# Where a battery-ownership input comes from, most specific first: the subject's own claims, its
# technology's (for a product), its family's, then the fallback: (cell cost) the baseline Table 10
# scenario, (cycle life) the assumption of sources/cycle_life_fallbacks/ (the claims of the families it names).
OWNERSHIP_INPUT_BASES: list[str] = ["claimed", "technology", "family", "scenario", "assumption"]
COST_BASES: list[str] = OWNERSHIP_INPUT_BASES[:4]
CYCLE_LIFE_BASES: list[str] = [*OWNERSHIP_INPUT_BASES[:3], "assumption"]
# The "typical" statistic of analysis.technology_comparison, stated once.
TYPICAL_RULE = "median of the claims' value_best (a range counts as its midpoint, a bound as printed)"
HEADLINES = {
    "gravimetric": ("Wh/kg", "gravimetric energy density"),
    "volumetric": ("Wh/L", "volumetric energy density"),
    "cycle_life": ("cycles", "cycle life"),
    "cost": ("USD/kWh", "cost (cell, pack or unspecified price)"),
}
CONFLICT_SIDE = [
    "claim_id", "document_id", "document_date", "section", "source_table", "published_text", "conditions", "qualifier",
    "value_best", "interval_min", "interval_max", "evidence", "sample_stage", "declared_or_measured", "claim_date",
    "source_file", "source_line",
]


# --------------------------------------------------------------------------- technology packs
# Cell property sized from claims -> the claim metric that states it; the pack ratios per family.
CELL_PROPERTIES: dict[str, str] = {
    "cell_gravimetric_energy_density": "gravimetric_energy_density",
    "cell_volumetric_energy_density": "volumetric_energy_density",
    "cell_cost": "cell_cost",
}
PACK_RATIOS: list[str] = ["gravimetric_cell_to_pack_ratio", "volumetric_cell_to_pack_ratio", "pack_cost_factor"]

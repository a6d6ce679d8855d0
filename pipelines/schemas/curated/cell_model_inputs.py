"""Section 4.1: the modelled cells, their design parameters (Table 6) and the published
model results (Table 7 and its executive-summary copy, Table ES-1)."""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from pipelines.schemas.base import (
    DERIVED,
    SLUG,
    CuratedRows,
    PublishedNumber,
    calibrated_against_field,
    catalogue_field,
    derived_agrees,
    field,
    key_rule,
    same_across_tables,
)
from pipelines.schemas.vocabulary import (
    DESIGN_INPUT_UNITS,
    DESIGN_INPUTS,
    DESIGN_SWEEP_DISTRIBUTIONS,
    INDEPENDENT_INPUT_UNITS,
    TABLE6_INPUTS,
)

# Cells are identified by curated.modelled_cells; the tables below reference it (foreign keys).
CELLS = {"foreign_keys": {"cell_id": "modelled_cells.cell_id"}}
FAMILIES = ["lithium_metal", "graphite", "silicon", "sodium_ion"]
UM_TO_CM = 1e-4


class ModelledCells(CuratedRows):
    """The nine cell designs of Section 4.1 and how each table labels them."""

    cell_id: Series[str] = catalogue_field("cell_id", unique=True, str_matches=SLUG)
    display_name: Series[str] = field("Name of the cell for charts and tables (ours, not printed; unique)", unique=True)
    table6_label: Series[str] = field("Column label in Table 6, as printed")
    table7_label: Series[str] = field("Row label in Tables 7 and ES-1, as printed (typos kept)")
    anode: Series[str] = field("Anode material")
    electrolyte: Series[str] = field("Separator / electrolyte system")
    cathode: Series[str] = field("Cathode material")
    liquid_electrolyte_in_cathode: Series[bool] = field("True where the cathode holds liquid electrolyte")
    family: Series[str] = field("Technology family: " + ", ".join(FAMILIES), isin=FAMILIES)
    technology_id: Series[str] = catalogue_field("technology_id")
    description: Series[str] = field("One-line description, in our own words")

    class Config:
        description = "The nine cell designs modelled in Section 4.1 of the report."


def _t6(df: pd.DataFrame, target: str, formula, rel_tol: float = 0.03) -> pd.Series:
    return derived_agrees(df, ["cell_id"], target, formula, rel_tol)


class CellDesignParameters(PublishedNumber):
    """Table 6, long: one row per modelled cell and printed parameter."""

    cell_id: Series[str] = catalogue_field("cell_id")
    parameter: Series[str] = field("Table 6 row as a metric slug (curated.metrics)")

    # PublishedNumber names the metric column `metric`; Table 6 calls it `parameter`.
    metric: Series[str] = field("Same as parameter (kept for joins with other long tables)", origin=DERIVED)

    unique_key = key_rule("cell_id", "parameter", name="one row per cell and parameter")

    @pa.dataframe_check(name="value of a model input is a number within its physical domain (a density, thickness or capacity > 0)")
    def value_inputs_in_domain(cls, df: pd.DataFrame) -> pd.Series:
        printed = ~df["parameter"].isin(list(INPUT_DOMAIN)) | df["value"].notna()
        return printed & within_input_domain(df["parameter"], df["value"])

    @pa.dataframe_check(name="eq 2: cathode Ah/cm² ≈ Ah/cm³ × thickness", raise_warning=True)
    def areal_capacity(cls, df):
        return _t6(df, "cathode_areal_capacity", lambda w: w["cathode_volumetric_capacity"] * w["cathode_thickness"] * UM_TO_CM)

    @pa.dataframe_check(name="eq 4: cathode mass ≈ area × thickness × (Ah/cm³ ÷ Ah/g)", raise_warning=True)
    def cathode_mass(cls, df):
        return _t6(
            df,
            "cathode_mass",
            lambda w: w["cell_area"] * w["cathode_thickness"] * UM_TO_CM * w["cathode_volumetric_capacity"] / w["cathode_specific_capacity"],
            rel_tol=0.05,
        )

    @pa.dataframe_check(name="eq 11: SSE mass ≈ area × SSE thickness × separator density", raise_warning=True)
    def sse_mass(cls, df):
        return _t6(df, "sse_mass", lambda w: w["cell_area"] * w["sse_thickness"] * UM_TO_CM * w["separator_density"], rel_tol=0.05)

    @pa.dataframe_check(name="mass density ≈ total mass / volume", raise_warning=True)
    def mass_density(cls, df):
        return _t6(df, "mass_density", lambda w: w["total_mass"] / w["volume"])

    @pa.dataframe_check(name="eq 22: Wh/kg ≈ cell energy / total mass", raise_warning=True)
    def gravimetric(cls, df):
        return _t6(df, "gravimetric_energy_density", lambda w: w["cell_energy"] / w["total_mass"] * 1000)

    @pa.dataframe_check(name="eq 23: Wh/L ≈ cell energy / volume", raise_warning=True)
    def volumetric(cls, df):
        return _t6(df, "volumetric_energy_density", lambda w: w["cell_energy"] / w["volume"] * 1000)

    @pa.dataframe_check(name="total mass ≥ sum of printed component masses", raise_warning=True)
    def parts_within_whole(cls, df):
        parts = ["cathode_mass", "anode_mass", "sse_mass", "al_mass"]
        return _t6(df, "total_mass", lambda w: w["total_mass"].clip(lower=w[parts].sum(axis=1)), rel_tol=0.0)

    class Config:
        metadata = CELLS
        description = (
            "Table 6: design inputs and derived metrics of the nine modelled cells, one row per "
            "cell and parameter, with the printed text, unit and parsed value."
        )


class PublishedCellResults(PublishedNumber):
    """Tables 7 and ES-1: the model results as the report published them."""

    cell_id: Series[str] = catalogue_field("cell_id")
    conditions: Series[str] = field("Condition printed with the value (e.g. 95% efficiency)", nullable=True)

    unique_key = key_rule("source_table", "cell_id", "metric", name="one row per table, cell and metric")

    @pa.dataframe_check(name="Table 7 and Table ES-1 print the same value", raise_warning=True)
    def tables_agree(cls, df: pd.DataFrame) -> pd.Series:
        return same_across_tables(df, ["cell_id", "metric"])

    class Config:
        metadata = CELLS
        description = "Tables 7 and ES-1: published Wh/kg, Wh/L, resistance and pulse power of the modelled cells."


# ----------------------------------------------------------------- inputs of the cell model


def _model_inputs() -> tuple[list[str], dict[str, str]]:

    return [*DESIGN_INPUTS, *INDEPENDENT_INPUT_UNITS], {**DESIGN_INPUT_UNITS, **INDEPENDENT_INPUT_UNITS}


# Physical domain of every cell-model input, in the model's unit (_model_inputs()):
# (low, high, low_inclusive). A thickness, density, capacity, voltage or resistivity of 0 is
# impossible (the model would divide by it); a porosity is a fraction below 1; a value that
# may be 0 (no electrolyte mass, no extra resistance) says so. The upper ends are far above
# any real cell: they only stop a unit slip (mm typed as µm) and an overflow.
POSITIVE, NON_NEGATIVE = False, True
INPUT_DOMAIN: dict[str, tuple[float, float, bool]] = {
    "cathode_thickness": (0.0, 10_000.0, POSITIVE),  # µm
    "cathode_density": (0.0, 25.0, POSITIVE),  # g/cm3
    "cathode_material_specific_capacity": (0.0, 10.0, POSITIVE),  # Ah/g
    "cathode_additional_material_ratio": (0.0, 100.0, NON_NEGATIVE),  # Table 6 prints 29.86 once
    "anode_density": (0.0, 25.0, POSITIVE),
    "separator_density": (0.0, 25.0, POSITIVE),
    "sse_thickness": (0.0, 10_000.0, POSITIVE),  # µm
    "cu_resistivity": (0.0, 1e6, POSITIVE),  # µOhm·cm
    "al_resistivity": (0.0, 1e6, POSITIVE),
    "current_collector_thickness": (0.0, 1_000.0, POSITIVE),  # µm
    "cu_density": (0.0, 25.0, POSITIVE),
    "cell_capacity": (0.0, 10_000.0, POSITIVE),  # Ah
    "anode_oversize_factor": (0.0, 100.0, POSITIVE),
    "average_voltage": (0.0, 10.0, POSITIVE),  # V
    "cathode_porosity": (0.0, 1.0, NON_NEGATIVE),  # high end exclusive: a layer of pores only
    "anode_specific_capacity": (0.0, 10.0, POSITIVE),  # Ah/g
    "anode_porosity": (0.0, 1.0, NON_NEGATIVE),
    "separator_porosity": (0.0, 1.0, NON_NEGATIVE),
    "electrolyte_density": (0.0, 25.0, NON_NEGATIVE),  # 0 = pores carry no mass
    "al_density": (0.0, 25.0, POSITIVE),
    "sse_resistivity": (0.0, 1e9, NON_NEGATIVE),  # Ohm·cm
    "electrode_area_specific_resistance": (0.0, 1e6, NON_NEGATIVE),  # Ohm·cm2
    "current_path_length": (0.0, 10_000.0, POSITIVE),  # mm
    "pulse_voltage": (0.0, 10.0, POSITIVE),  # V
    "liquid_electrolyte_resistivity": (0.0, 1e9, POSITIVE),  # Ohm·cm, independent eq 12-21 resistance
}
assert set(INPUT_DOMAIN) == set(_model_inputs()[0]), "every model input declares its physical domain"
_FRACTIONS = {"cathode_porosity", "anode_porosity", "separator_porosity"}


def within_input_domain(parameter: pd.Series, value: pd.Series) -> pd.Series:
    """Row-wise: True where `value` lies in the physical domain of the model input named by
    `parameter` (rows naming no model input, and empty values, pass; NaN and inf fail)."""
    known = parameter.isin(list(INPUT_DOMAIN))
    lo = parameter.map({k: d[0] for k, d in INPUT_DOMAIN.items()}).astype(float)
    hi = parameter.map({k: d[1] for k, d in INPUT_DOMAIN.items()}).astype(float)
    low_ok = parameter.isin([k for k, d in INPUT_DOMAIN.items() if d[2]])  # the lower bound itself is allowed
    v = pd.to_numeric(value, errors="coerce").astype(float)
    above_low = (v > lo) | (low_ok & (v == lo))
    below_high = (v < hi) | (~parameter.isin(list(_FRACTIONS)) & (v == hi))
    return ~known | value.isna() | (above_low & below_high)


class CellModelAssumptions(CuratedRows):
    """Inputs the Section 4.1 model uses but the report does not print, per modelled cell."""

    cell_id: Series[str] = catalogue_field("cell_id")
    parameter: Series[str] = field(
        "Model input (pipelines/compute/cell_model.py DESIGN_INPUTS, or an input of the independent "
        "eq 12-21 resistance in pipelines/compute/cell_resistance.py)",
        isin=_model_inputs()[0],
    )
    value: Series[float] = field("Value of the input, in `unit`")
    unit: Series[str] = field("Unit of value: the model's unit for this input")
    provenance: Series[str] = field("Where the value comes from (e.g. 'inferred from Table 6/7', 'correction of Table 6')")
    reason: Series[str] = field("One-line reason for the value, in our own words")
    calibrated_against: Series[str] = calibrated_against_field()

    unique_key = key_rule("cell_id", "parameter", name="one value per cell and input")

    @pa.dataframe_check(name="unit is the model's unit for the input")
    def unit_matches_model(cls, df: pd.DataFrame) -> pd.Series:
        return df["unit"] == df["parameter"].map(_model_inputs()[1])

    @pa.dataframe_check(name="value within the physical domain of the model input (porosities in [0, 1), a capacity > 0)")
    def value_in_domain(cls, df: pd.DataFrame) -> pd.Series:
        return within_input_domain(df["parameter"], df["value"])

    @pa.dataframe_check(name="a value that replaces a printed input says it is a correction")
    def corrections_declared(cls, df: pd.DataFrame) -> pd.Series:


        return ~df["parameter"].isin(TABLE6_INPUTS) | df["provenance"].str.startswith("correction")

    class Config:
        metadata = CELLS
        description = (
            "Cell-model inputs the report uses but does not print (capacity, voltages, porosities, "
            "densities, resistivities), inferred per cell from Tables 6 and 7 with a reason each."
        )


class DesignSweepRanges(CuratedRows):
    """What the design sweep varies, and over which range or choices."""

    parameter: Series[str] = field("Model input to vary", unique=True, isin=_model_inputs()[0])
    low: Series[float] = field("Lower end for a uniform draw, in `unit`", nullable=True)
    high: Series[float] = field("Upper end for a uniform draw, in `unit`", nullable=True)
    distribution: Series[str] = field("uniform (between low and high) or choice (one of choices)", isin=list(DESIGN_SWEEP_DISTRIBUTIONS))
    choices: Series[str] = field("';'-separated values, optionally labelled (li_metal=2.89); rows sharing labels are drawn together", nullable=True)
    unit: Series[str] = field("Unit of low, high and choices: the model's unit for the input")
    note: Series[str] = catalogue_field("note", description="Why this range, in our own words")

    @pa.dataframe_check(name="low <= high")
    def ordered(cls, df: pd.DataFrame) -> pd.Series:
        return df["low"].isna() | df["high"].isna() | (df["low"] <= df["high"])

    @pa.dataframe_check(name="uniform needs low and high; choice needs choices")
    def complete(cls, df: pd.DataFrame) -> pd.Series:
        uniform = df["distribution"].eq("uniform")
        return (uniform & df["low"].notna() & df["high"].notna()) | (~uniform & df["choices"].notna())

    @pa.dataframe_check(name="unit is the model's unit for the input")
    def unit_matches_model(cls, df: pd.DataFrame) -> pd.Series:
        return df["unit"] == df["parameter"].map(_model_inputs()[1])

    @pa.dataframe_check(name="low, high and choices within the physical domain of the model input")
    def low_in_domain(cls, df: pd.DataFrame) -> pd.Series:
        ok = within_input_domain(df["parameter"], df["low"]) & within_input_domain(df["parameter"], df["high"])
        choices = df["choices"].fillna("").astype(str).str.split(";").explode()
        numbers = choices.str.split("=").str[-1].str.strip()
        numbers = numbers[numbers.ne("")]
        in_domain = within_input_domain(df.loc[numbers.index, "parameter"], pd.to_numeric(numbers, errors="coerce"))
        in_domain &= pd.to_numeric(numbers, errors="coerce").notna()
        return ok & in_domain.groupby(level=0).all().reindex(df.index, fill_value=True)

    class Config:
        description = "Ranges and choices of the cell-model design sweep (what is varied, and how)."


class DesignSweepSettings(CuratedRows):
    n_designs: Series[int] = field("Number of designs to sample", gt=0, le=5_000_000)
    seed: Series[int] = field("Random seed (the sweep is reproducible)", ge=0)
    base_cell_id: Series[str] = field("Modelled cell (curated.modelled_cells) whose values the parameters not varied keep")
    method: Series[str] = field("random (seeded draws) or grid (full factorial near n_designs)", isin=["random", "grid"])
    note: Series[str] = catalogue_field("note", description="Why these settings, in our own words")

    @pa.dataframe_check(name="exactly one settings row")
    def single_row(cls, df: pd.DataFrame) -> pd.Series:
        return pd.Series(len(df) == 1, index=df.index)

    class Config:
        metadata = {"foreign_keys": {"base_cell_id": "modelled_cells.cell_id"}}
        description = "Sample size, seed, method and base cell of the cell-model design sweep."

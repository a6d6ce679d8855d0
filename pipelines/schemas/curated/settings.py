"""The analysis settings the computations read (sources/analysis_settings/): the rows' pandera
model and the typed, frozen object a computation receives (read once from the curated table)."""
from __future__ import annotations

import dataclasses

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from pipelines.schemas.base import CuratedRows, catalogue_field, field


def _setting(unit: str):
    return dataclasses.field(metadata={"unit": unit})


@dataclasses.dataclass(frozen=True)
class AnalysisSettings:
    """Every setting a computation reads, typed; the unit is the one its row must carry."""

    workday_hours: float = _setting("h")
    overnight_charging_hours: float = _setting("h")
    work_break_charging_hours: float = _setting("h")
    baseline_scenario: str = _setting("scenario_id")
    interpolation_from: str = _setting("scenario_id")
    interpolation_to: str = _setting("scenario_id")
    design_target_gravimetric: float = _setting("Wh/kg")
    design_target_volumetric: float = _setting("Wh/L")
    cell_model_tolerance: float = _setting("ratio")
    pack_tolerance: float = _setting("ratio")
    sensitivity_step: float = _setting("ratio")
    machine_table: str = _setting("source_table")
    monte_carlo_seed: int = _setting("seed")
    monte_carlo_samples: int = _setting("samples")
    monte_carlo_tolerance: float = _setting("ratio")

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> AnalysisSettings:
        """From curated.analysis_settings: numbers as floats, identifiers as text."""
        values = frame.set_index("setting")["value"]
        typed = {"str": str, "int": lambda v: int(float(v)), "float": float}
        return cls(**{f.name: typed[f.type](values[f.name]) for f in dataclasses.fields(cls)})


# setting -> the unit its value must carry (from the typed object above: one list of settings).
SETTINGS: dict[str, str] = {f.name: f.metadata["unit"] for f in dataclasses.fields(AnalysisSettings)}
# settings whose value is an identifier (a scenario_id, a table name), not a number
TEXT_SETTINGS = [f.name for f in dataclasses.fields(AnalysisSettings) if f.type == "str"]


class AnalysisSettingRows(CuratedRows):
    setting: Series[str] = field("Name of the setting", unique=True, isin=list(SETTINGS))
    value: Series[str] = field("Its value (a number in `unit`, or an identifier)")
    unit: Series[str] = field("Unit of the value, or the kind of identifier")
    provenance: Series[str] = field("Where the value comes from")
    note: Series[str] = catalogue_field("note", description="What the setting does, in our own words")

    @pa.dataframe_check(name="every setting the computations read is present")
    def complete(cls, df: pd.DataFrame) -> pd.Series:
        return pd.Series(set(SETTINGS) <= set(df["setting"]), index=df.index)

    @pa.dataframe_check(name="unit is the one the setting is read in")
    def unit_matches(cls, df: pd.DataFrame) -> pd.Series:
        return df["unit"] == df["setting"].map(SETTINGS)

    @pa.dataframe_check(name="numeric settings are positive numbers")
    def numeric(cls, df: pd.DataFrame) -> pd.Series:
        numeric = ~df["setting"].isin(TEXT_SETTINGS)
        return ~numeric | (pd.to_numeric(df["value"], errors="coerce") > 0)

    class Config:
        description = "Settings of the computations (workday, charging windows, scenarios, design target, tolerances)."

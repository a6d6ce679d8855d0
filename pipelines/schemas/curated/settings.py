"""The analysis settings the computations read (sources/analysis_settings/)."""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from pipelines.schemas.base import CuratedRows, field

# Every setting the code reads, with the unit its value must carry. Values live in sources/.
SETTINGS: dict[str, str] = {
    "workday_hours": "h",
    "overnight_charging_hours": "h",
    "work_break_charging_hours": "h",
    "baseline_scenario": "scenario_id",
    "interpolation_from": "scenario_id",
    "interpolation_to": "scenario_id",
    "design_target_gravimetric": "Wh/kg",
    "design_target_volumetric": "Wh/L",
    "cell_model_tolerance": "ratio",
    "pack_tolerance": "ratio",
}


class AnalysisSettings(CuratedRows):
    setting: Series[str] = field("Name of the setting", unique=True, isin=list(SETTINGS))
    value: Series[str] = field("Its value (a number in `unit`, or an identifier)")
    unit: Series[str] = field("Unit of the value, or the kind of identifier")
    provenance: Series[str] = field("Where the value comes from")
    note: Series[str] = field("What the setting does, in our own words", nullable=True)

    @pa.dataframe_check(name="every setting the computations read is present")
    def complete(cls, df: pd.DataFrame) -> pd.Series:
        return pd.Series(set(SETTINGS) <= set(df["setting"]), index=df.index)

    @pa.dataframe_check(name="unit is the one the setting is read in")
    def unit_matches(cls, df: pd.DataFrame) -> pd.Series:
        return df["unit"] == df["setting"].map(SETTINGS)

    @pa.dataframe_check(name="numeric settings are positive numbers")
    def numeric(cls, df: pd.DataFrame) -> pd.Series:
        numeric = df["unit"] != "scenario_id"
        return ~numeric | (pd.to_numeric(df["value"], errors="coerce") > 0)

    class Config:
        description = "Settings of the computations (workday, charging windows, scenarios, design target, tolerances)."


def settings_from(frame: pd.DataFrame) -> dict[str, float | str]:
    """setting -> value, numbers as floats, identifiers as text."""
    values = frame.set_index("setting")["value"]
    units = frame.set_index("setting")["unit"]
    return {k: (v if units[k] == "scenario_id" else float(v)) for k, v in values.items()}

"""sizing.battery_ownership / sizing.machine_battery_ownership: battery cost of ownership of every
vehicle and construction machine with each sized technology and product (pipelines/compute/ownership.py)."""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from pipelines.schemas.base import DERIVED, SLUG, ComputedTable, catalogue_field, field, key_rule
from pipelines.schemas.computed.technology_packs import SUBJECT_TYPES
from pipelines.schemas.vocabulary import COST_BASES, CYCLE_LIFE_BASES


def d(description: str, unit: str | None = None, **checks):
    """A computed column."""
    return field(description, unit=unit, origin=DERIVED, **checks)


def _quantiles(annotations: dict, namespace: dict, name: str, what: str, unit: str, nullable: bool) -> None:
    for p, label in (("p5", "5th percentile"), ("p50", "Median"), ("p95", "95th percentile")):
        annotations[f"{name}_{p}"] = Series[float]
        namespace[f"{name}_{p}"] = d(f"{label} of {what}, Monte Carlo", unit, nullable=nullable, ge=0)


def _model(kind: str, per: str, per_unit: str, annual: str, annual_text: str, annual_unit: str, use: str, use_text: str,
           use_unit: str) -> type[pa.DataFrameModel]:
    annotations: dict[str, object] = {}
    namespace: dict[str, object] = {}

    def add(name, kind_, column):
        annotations[name], namespace[name] = Series[kind_], column

    add(f"{kind}_id", str, catalogue_field(f"{kind}_id", origin=DERIVED, str_matches=SLUG))
    add("subject_type", str, d("technology or product (sizing.technology_cells)", isin=SUBJECT_TYPES))
    add("subject_id", str, d("technology_id or product_id whose claimed cells build the pack", str_matches=SLUG))
    add("technology_id", str, catalogue_field("technology_id", description="Technology of the subject (curated.technologies)", origin=DERIVED))
    add("product_id", str, catalogue_field("product_id", description="Product, for a product subject (curated.products)", origin=DERIVED))
    add("family", str, d("Technology family"))
    add("battery_energy", float, d("Battery energy of the pack", "kWh", gt=0, bounds=(0, 100_000)))
    add("service_life", float, d("Years in service (curated.ownership_assumptions)", "years", gt=0, bounds=(0, 60)))
    add(annual, float, d(annual_text + " (curated.ownership_assumptions)", annual_unit, gt=0, bounds=(0, 500_000)))
    add("usable_depth_of_discharge", float, d("Share of the pack's energy used per full cycle (curated.ownership_assumptions)", "ratio", gt=0, le=1))
    add(use, float, d(use_text, use_unit, gt=0, bounds=(0, 100_000)))
    add("assumption_basis", str, d("report or assumption: where service life, annual use and depth of discharge come from", isin=["report", "assumption"]))
    add("cycles_needed", float, d("Full cycles over the service life: annual use x years x energy per use / (kWh x depth of discharge)", "cycles", gt=0))
    _quantiles(annotations, namespace, "cycle_life", "the cycle life drawn from the feeding claims", "cycles", True)
    _quantiles(annotations, namespace, "pack_cost", "the pack's cost (pack USD/kWh of the sizing's draws x kWh)", "USD", False)
    _quantiles(annotations, namespace, "replacements", "the packs bought after the first over the service life", "packs", True)
    _quantiles(annotations, namespace, "lifetime_battery_cost", "the battery cost over the service life (pack cost x packs bought)", "USD", True)
    _quantiles(annotations, namespace, f"battery_cost_per_{per}", f"the battery cost per {per.replace('_', ' ')} (lifetime cost / lifetime use)", per_unit, True)
    add("cost_basis", str, d("Where the cell cost comes from: claimed (the subject's claims, the sizing's own draws), technology "
                              "(its technology's claims), family (its family's claims) or scenario (the baseline Table 10 cell cost)", isin=COST_BASES))
    add("cost_claim_ids", str, d("Claims (curated.cell_claims) feeding the cell cost, ';'-separated; null for the scenario", nullable=True))
    add("cost_scenario_id", str, d("Scenario whose cell cost is used when no claim feeds it", nullable=True))
    add("cycle_life_basis", str, d("Where the cycle life comes from: claimed (the subject's claims), technology, family, or assumption "
                                    "(no claim covers the subject: the claims of the families curated.cycle_life_fallbacks names for "
                                    "its technology); null when neither gives one", nullable=True, isin=CYCLE_LIFE_BASES))
    add("cycle_life_claim_ids", str, d("Claims feeding the cycle life, ';'-separated (for the assumption, those of the fallback families)",
                                       nullable=True))
    add("missing_inputs", str, d("What is missing when the cost per use cannot be computed; null otherwise", nullable=True))
    add("n_samples", int, d("Monte Carlo draws per subject (those of the technology packs)", gt=0))
    add("seed", int, d("Seed of the draws (the technology packs'; cycle life uses the stream (seed, 1))", ge=0))

    def ordered(cls, df: pd.DataFrame) -> pd.Series:
        ok = pd.Series(True, index=df.index)
        for q in ("cycle_life", "pack_cost", "replacements", "lifetime_battery_cost", f"battery_cost_per_{per}"):
            lo, mid, hi = (df[f"{q}_p{p}"] for p in ("5", "50", "95"))
            tol = 1e-9 * hi.abs().fillna(0)
            ok &= lo.isna() | ((lo <= mid + tol) & (mid <= hi + tol))
        return ok

    namespace["ordered"] = pa.dataframe_check(name="p5 <= p50 <= p95")(ordered)
    namespace["unique_key"] = key_rule(f"{kind}_id", "subject_type", "subject_id", name=f"one row per {kind} and subject")
    config = {
        "description": (
            f"Battery cost of ownership of every {kind} with each sized technology and product: pack cost, packs bought "
            f"over the service life and battery cost per {per.replace('_', ' ')}, as Monte Carlo percentiles over the pack "
            "sizing's draws and the claimed cycle life, with the claims (or fallback) feeding each input."
        ),
        "metadata": {
            "grain": f"one row per {kind} and technology or product sized in the technology packs",
            "provenance": "pipelines/compute/ownership.py over sizing.technology_packs' draws, sizing.technology_cells, "
            "curated.cell_claims (cycle life, cell cost), curated.ownership_assumptions and curated.cycle_life_fallbacks",
        },
    }
    body = {**namespace, "__annotations__": annotations, "__module__": __name__, "Config": type("Config", (), config)}
    return type("BatteryOwnership" if kind == "vehicle" else "MachineBatteryOwnership", (ComputedTable,), body)


BatteryOwnership = _model("vehicle", "mile", "USD/mile", "annual_distance", "Miles driven per year", "miles",
                          "energy_consumption", "Energy per mile driven (Table 9)", "kWh/mile")
MachineBatteryOwnership = _model("machine", "operating_hour", "USD/h", "annual_operating_hours", "Hours worked per year", "h",
                                 "average_power", "Average power while working: Table 12 kWh / operating hours", "kW")

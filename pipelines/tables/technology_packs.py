"""Technology cells and packs (issue 14) as plain functions: which claims feed each cell property
per technology or product, and the Monte Carlo pack per vehicle and construction machine."""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.compute.inference import infer_densities
from pipelines.compute.sizing import pack_sizing
from pipelines.compute.technology_packs import REQUIRED, claim_intervals, size_subjects
from pipelines.errors import SourceError, SourceProblem
from pipelines.schemas.curated.settings import AnalysisSettings
from pipelines.schemas.vocabulary import CELL_PROPERTIES, CELL_SIZING_BASES, PACK_RATIOS
from pipelines.tables import table
from pipelines.tables.sizing import _where, file_scenarios, machines_wide, monte_carlo_choice, vehicles_wide

# --------------------------------------------------------------------------- cell values


def check_overrides(overrides: pd.DataFrame, cell_claims: pd.DataFrame) -> None:
    """An override's claims must state its property for its technology (and product): a
    blocking error naming file, line and column otherwise (unknown ids are caught by the
    ingest's foreign-key check)."""
    rows = overrides.assign(claim_id=overrides["claim_ids"].str.split(";")).explode("claim_id")
    rows["claim_id"] = rows["claim_id"].str.strip()
    claims = cell_claims.set_index("claim_id")
    metric = rows["claim_id"].map(claims["metric"])
    tech = rows["claim_id"].map(claims["technology_id"])
    product = rows["claim_id"].map(claims["product_id"])
    bad = metric.ne(rows["property"].map(CELL_PROPERTIES)) | tech.ne(rows["technology_id"])
    bad |= rows["product_id"].notna() & product.ne(rows["product_id"])
    if bad.any():
        problems = [
            SourceProblem(f, int(n), "claim_ids", "the claim states the override's property for its technology (and product)",
                          f"claim '{c}' is {m} of {t}/{p}")
            for f, n, c, m, t, p in zip(rows.loc[bad, "source_file"], rows.loc[bad, "source_line"], rows.loc[bad, "claim_id"],
                                        metric[bad], tech[bad], product[bad])
        ]
        raise SourceError("technology_cell_overrides", problems)


@table("sizing.technology_cells")
def build_technology_cells(
    cell_claims: pd.DataFrame,
    technologies: pd.DataFrame,
    products: pd.DataFrame,
    technology_cell_overrides: pd.DataFrame,
    claim_uncertainty: pd.DataFrame,
) -> pd.DataFrame:
    """One row per subject (every technology and product with a claim) and cell property: the
    claims feeding it (all of the subject's claims of the property, unless overridden), their
    mean best value and the envelope of their intervals; null where none is claimed."""
    check_overrides(technology_cell_overrides, cell_claims)
    family = technologies.set_index("technology_id")["family"]
    tech_subjects = pd.DataFrame({"subject_type": "technology", "subject_id": cell_claims["technology_id"].dropna().unique()})
    tech_subjects = tech_subjects.assign(technology_id=tech_subjects["subject_id"], product_id=None)
    prod_ids = cell_claims["product_id"].dropna().unique()
    prod_subjects = pd.DataFrame({"subject_type": "product", "subject_id": prod_ids, "product_id": prod_ids})
    prod_subjects["technology_id"] = prod_subjects["product_id"].map(products.set_index("product_id")["technology_id"])
    subjects = pd.concat([tech_subjects, prod_subjects], ignore_index=True)
    subjects["family"] = subjects["technology_id"].map(family)
    grid = subjects.merge(pd.DataFrame({"property": list(CELL_PROPERTIES)}), how="cross")

    cell_level = cell_claims["basis"].isin(CELL_SIZING_BASES)  # a pack's Wh/kg is not its cells'
    claims = claim_intervals(cell_claims[cell_claims["value_best"].notna() & cell_level], claim_uncertainty)
    claims = claims[claims["metric"].isin(CELL_PROPERTIES.values())]
    claims = claims.assign(property=claims["metric"].map({m: p for p, m in CELL_PROPERTIES.items()}))
    cols = ["claim_id", "property", "value_best", "low", "high"]
    by_tech = claims.assign(subject_type="technology", subject_id=claims["technology_id"])[["subject_type", "subject_id", *cols]]
    by_prod = claims[claims["product_id"].notna()].assign(subject_type="product", subject_id=lambda f: f["product_id"])
    feeding = pd.concat([by_tech, by_prod[["subject_type", "subject_id", *cols]]], ignore_index=True)

    ov = technology_cell_overrides.assign(
        subject_type=np.where(technology_cell_overrides["product_id"].isna(), "technology", "product"),
        subject_id=technology_cell_overrides["product_id"].fillna(technology_cell_overrides["technology_id"]),
    )
    overridden = pd.MultiIndex.from_frame(ov[["subject_type", "subject_id", "property"]])
    keep = ~pd.MultiIndex.from_frame(feeding[["subject_type", "subject_id", "property"]]).isin(overridden)
    chosen = ov.assign(claim_id=ov["claim_ids"].str.split(";")).explode("claim_id")[["subject_type", "subject_id", "property", "claim_id"]]
    chosen = chosen.assign(claim_id=chosen["claim_id"].str.strip()).merge(claims[cols], on=["claim_id", "property"])
    feeding = pd.concat([feeding[keep], chosen], ignore_index=True).sort_values("claim_id", kind="stable")

    agg = feeding.groupby(["subject_type", "subject_id", "property"]).agg(
        value=("value_best", "mean"), low=("low", "min"), high=("high", "max"), claim_count=("claim_id", "size"),
        claim_ids=("claim_id", ";".join),
    ).reset_index()
    out = grid.merge(agg, on=["subject_type", "subject_id", "property"], how="left")
    out["claim_count"] = out["claim_count"].fillna(0).astype(int)
    out["overridden"] = pd.MultiIndex.from_frame(out[["subject_type", "subject_id", "property"]]).isin(overridden)
    out["unit"] = out["property"].map({"cell_gravimetric_energy_density": "Wh/kg", "cell_volumetric_energy_density": "Wh/L", "cell_cost": "USD/kWh"})
    out = infer_densities(out)
    lacking = out[out["property"].isin(REQUIRED) & out["value"].isna()]
    missing = lacking.groupby(["subject_type", "subject_id"])["property"].agg(";".join)
    key = pd.MultiIndex.from_frame(out[["subject_type", "subject_id"]])
    out["missing_properties"] = missing.reindex(key).to_numpy()
    out["sizable"] = out["missing_properties"].isna()
    return out.sort_values(["subject_type", "subject_id", "property"], kind="stable").reset_index(drop=True)


def unsizable(technology_cells: pd.DataFrame) -> list[str]:
    """'<type> <id>: lacks <properties>' for every subject that cannot be sized."""
    rows = technology_cells.loc[~technology_cells["sizable"], ["subject_type", "subject_id", "missing_properties"]].drop_duplicates()
    return [f"{t} {s}: lacks {m.replace(';', ', ')}" for t, s, m in rows.itertuples(index=False, name=None)]


# --------------------------------------------------------------------------- sizing inputs


def subject_inputs(technology_cells: pd.DataFrame, cell_claims: pd.DataFrame, claim_uncertainty: pd.DataFrame,
                   technology_pack_ratios: pd.DataFrame, battery_scenarios: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(inputs, subjects): one mixture component per feeding claim and per family ratio, and the
    sizable subjects with their point cell values and ratios. The claims feeding a value are
    named once, in sizing.technology_cells.claim_ids, not on every asset's row: a subject fed
    by n claims would otherwise repeat n ids on each of its rows (vehicles x subjects x n)."""
    cells = technology_cells[technology_cells["sizable"] & technology_cells["value"].notna()]
    cells = cells.assign(subject=cells["subject_type"] + ":" + cells["subject_id"])
    claimed, inferred = cells[~cells["inferred"]], cells[cells["inferred"]]
    parts = claimed.assign(claim_id=claimed["claim_ids"].str.split(";")).explode("claim_id")
    intervals = claim_intervals(cell_claims, claim_uncertainty).set_index("claim_id")
    cell_inputs = pd.DataFrame({
        "subject_id": np.concatenate([parts["subject"].to_numpy(), inferred["subject"].to_numpy()]),
        "metric": np.concatenate([parts["property"].to_numpy(), inferred["property"].to_numpy()]),
        "low": np.concatenate([parts["claim_id"].map(intervals["low"]).to_numpy(float), inferred["low"].to_numpy(float)]),
        "high": np.concatenate([parts["claim_id"].map(intervals["high"]).to_numpy(float), inferred["high"].to_numpy(float)]),
    })  # an inferred density is one uniform component over its interval (pipelines/compute/inference.py)
    ratios = family_ratios(technology_pack_ratios, battery_scenarios)
    subjects = cells.drop_duplicates("subject")[["subject", "subject_type", "subject_id", "technology_id", "product_id", "family"]]
    inferred_props = inferred.groupby("subject")["property"].agg(";".join)
    subjects = subjects.assign(inferred_properties=subjects["subject"].map(inferred_props))
    no_ratio = ~subjects["family"].isin(ratios["family"])
    if no_ratio.any():
        raise ValueError(
            "sources/technology_pack_ratios/ has no ratios for the family of: "
            + ", ".join(f"{s} (family {f})" for s, f in zip(subjects.loc[no_ratio, "subject"], subjects.loc[no_ratio, "family"]))
        )
    r = subjects[["subject", "family"]].merge(ratios, on="family")
    ratio_inputs = pd.DataFrame({"subject_id": r["subject"], "metric": r["metric"], "low": r["low"], "high": r["high"]})
    wide_vals = cells.pivot(index="subject", columns="property", values="value")
    for prop in CELL_PROPERTIES:
        subjects[prop] = subjects["subject"].map(wide_vals[prop]) if prop in wide_vals else np.nan
    point = r.pivot(index="subject", columns="metric", values="value")
    for metric in PACK_RATIOS:
        subjects[metric] = subjects["subject"].map(point[metric])
    return pd.concat([cell_inputs, ratio_inputs], ignore_index=True), subjects


def family_ratios(technology_pack_ratios: pd.DataFrame, battery_scenarios: pd.DataFrame) -> pd.DataFrame:
    """family, metric, value (typed, else the scenario's Table 10 ratio), low, high (value when fixed)."""
    scen = file_scenarios(battery_scenarios).set_index("scenario_id")
    r = technology_pack_ratios
    table10 = pd.Series([scen.at[s, m] for s, m in zip(r["scenario_id"], r["metric"])], index=r.index, dtype=float)
    value = r["value"].astype(float).fillna(table10)
    low, high = r["low"].astype(float).fillna(value), r["high"].astype(float).fillna(value)
    outside = (value < low) | (value > high)
    if outside.any():
        raise ValueError(
            "technology_pack_ratios: the ratio lies outside its low-high range: "
            + "; ".join(f"{w}, columns 'low'/'high'" for w in _where(r, outside))
        )
    counts = r.groupby("family")["metric"].nunique()
    short = counts[counts < len(PACK_RATIOS)]
    if len(short):
        raise ValueError(f"technology_pack_ratios: families without all three ratios: {short.index.tolist()}")
    return pd.DataFrame({"family": r["family"], "metric": r["metric"], "value": value, "low": low, "high": high})


def scenario_inputs(battery_scenarios: pd.DataFrame) -> pd.DataFrame:
    """The Table 10 scenarios as subjects of the same path: every metric a fixed interval [v, v]."""
    wide = file_scenarios(battery_scenarios).drop(columns=["year", "interpolated"])
    long = wide.melt(id_vars="scenario_id", var_name="metric", value_name="low").rename(columns={"scenario_id": "subject_id"})
    return long.assign(high=long["low"])


def limits_by_asset(pack_limits: pd.DataFrame) -> pd.DataFrame:
    """curated.pack_limits with asset_type (vehicle / machine) and asset_id (its vehicle_id or machine_id)."""
    vehicle = pack_limits["vehicle_id"].notna()
    return pack_limits.assign(asset_type=np.where(vehicle, "vehicle", "machine"),
                              asset_id=pack_limits["vehicle_id"].where(vehicle, pack_limits["machine_id"]))


def check_limits(pack_limits: pd.DataFrame, vehicle_ids, machine_ids) -> None:
    """Every vehicle and machine has a limit row, and every row names one of them."""
    known = {"vehicle": set(vehicle_ids), "machine": set(machine_ids)}
    limits = limits_by_asset(pack_limits)
    unknown = pd.Series([a not in known[t] for t, a in zip(limits["asset_type"], limits["asset_id"])], index=limits.index, dtype=bool)
    problems = [
        SourceProblem(f, int(n), f"{t}_id", f"names a {t} of curated.{'vehicle_requirements' if t == 'vehicle' else 'construction_machines'}",
                      f"got '{a}'")
        for f, n, t, a in limits.loc[unknown, ["source_file", "source_line", "asset_type", "asset_id"]].itertuples(index=False, name=None)
    ]
    if problems:
        raise SourceError("pack_limits", problems)
    for kind, ids in known.items():
        missing = sorted(ids - set(limits.loc[limits["asset_type"].eq(kind), "asset_id"]))
        if missing:
            raise ValueError(f"sources/pack_limits/ gives no limit for {kind}(s) {missing}: add a row (basis report or assumption)")


def vehicle_assets(vehicle_requirements: pd.DataFrame, pack_limits: pd.DataFrame) -> pd.DataFrame:
    veh = vehicles_wide(vehicle_requirements)
    lim = limits_by_asset(pack_limits)
    lim = lim[lim["asset_type"].eq("vehicle")]
    out = veh.rename(columns={"vehicle_id": "asset_id", "energy_needed": "battery_energy"})[["asset_id", "battery_energy"]]
    return out.merge(lim[["asset_id", "max_pack_mass", "max_pack_volume", "basis"]], on="asset_id", how="left")


def machine_assets(construction_machines: pd.DataFrame, pack_limits: pd.DataFrame, battery_scenarios: pd.DataFrame,
                   settings: AnalysisSettings) -> pd.DataFrame:
    """Machines with their average power and the mass of their pack with the baseline scenario's
    cells (the same-mass pack of sizing.machine_packs)."""
    wide, types = machines_wide(construction_machines, settings.machine_table)
    base = file_scenarios(battery_scenarios).set_index("scenario_id").loc[settings.baseline_scenario]
    energy = wide["energy_storage"].to_numpy(float)
    sized = pack_sizing(energy, base["cell_gravimetric_energy_density"], base["cell_volumetric_energy_density"], base["cell_cost"],
                        base["gravimetric_cell_to_pack_ratio"], base["volumetric_cell_to_pack_ratio"], base["pack_cost_factor"])
    out = pd.DataFrame({
        "asset_id": wide["machine_id"], "battery_energy": energy, "operating_time": wide["operating_time"].to_numpy(float),
        "average_power": energy / wide["operating_time"].to_numpy(float), "baseline_pack_mass": sized["pack_mass"],
    }).merge(types.rename(columns={"machine_id": "asset_id"}), on="asset_id", how="left")
    lim = limits_by_asset(pack_limits)
    lim = lim[lim["asset_type"].eq("machine")]
    return out.merge(lim[["asset_id", "max_pack_mass", "max_pack_volume", "basis"]], on="asset_id", how="left")


# --------------------------------------------------------------------------- builders


def _packs(assets: pd.DataFrame, inputs: pd.DataFrame, subjects: pd.DataFrame, n_samples: int, seed: int, workday_h=None) -> pd.DataFrame:
    sized = size_subjects(inputs, assets, n_samples=n_samples, seed=seed, workday_h=workday_h)
    out = sized.merge(subjects.rename(columns={"subject": "subject_id", "subject_id": "_sid"}), on="subject_id")
    out = out.drop(columns="subject_id").rename(columns={"_sid": "subject_id"})
    extra = [c for c in ("max_pack_mass", "max_pack_volume", "basis", "average_power", "baseline_pack_mass", "operating_time", "machine_type")
             if c in assets.columns]
    out = out.merge(assets[["asset_id", *extra]].rename(columns={"basis": "limit_basis"}), on="asset_id", how="left")
    return out.assign(n_samples=int(n_samples), seed=int(seed))


@table("sizing.technology_packs")
def build_technology_packs(technology_cells, cell_claims, claim_uncertainty, technology_pack_ratios, battery_scenarios,
                           vehicle_requirements, construction_machines, pack_limits, analysis_settings: AnalysisSettings,
                           n_samples: int | None = None, seed: int | None = None) -> pd.DataFrame:
    n_samples, seed = monte_carlo_choice(analysis_settings, n_samples, seed)
    check_limits(pack_limits, vehicles_wide(vehicle_requirements)["vehicle_id"], construction_machines["machine_id"])
    inputs, subjects = subject_inputs(technology_cells, cell_claims, claim_uncertainty, technology_pack_ratios, battery_scenarios)
    out = _packs(vehicle_assets(vehicle_requirements, pack_limits), inputs, subjects, n_samples, seed)
    out = out.rename(columns={"asset_id": "vehicle_id"}).drop(columns=[c for c in out.columns if c.startswith("operating_hours")])
    return out.sort_values(["vehicle_id", "pack_mass_p50"], kind="stable").reset_index(drop=True)


@table("sizing.technology_machine_packs")
def build_technology_machine_packs(technology_cells, cell_claims, claim_uncertainty, technology_pack_ratios, battery_scenarios,
                                   vehicle_requirements, construction_machines, pack_limits, analysis_settings: AnalysisSettings,
                                   n_samples: int | None = None, seed: int | None = None) -> pd.DataFrame:
    settings = analysis_settings
    n_samples, seed = monte_carlo_choice(settings, n_samples, seed)
    check_limits(pack_limits, vehicles_wide(vehicle_requirements)["vehicle_id"], construction_machines["machine_id"])
    inputs, subjects = subject_inputs(technology_cells, cell_claims, claim_uncertainty, technology_pack_ratios, battery_scenarios)
    assets = machine_assets(construction_machines, pack_limits, battery_scenarios, settings)
    out = _packs(assets, inputs, subjects, n_samples, seed, workday_h=settings.workday_hours)
    out = out.rename(columns={"asset_id": "machine_id"}).assign(
        workday_hours=float(settings.workday_hours), baseline_scenario_id=settings.baseline_scenario
    )
    out["covers_workday"] = out["operating_hours_same_mass_p50"] >= out["workday_hours"] * (1 - 1e-12)
    return out.sort_values(["machine_id", "pack_mass_p50"], kind="stable").reset_index(drop=True)



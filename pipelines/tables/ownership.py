"""Battery cost of ownership per technology x vehicle and technology x machine (issue 23) as plain
functions: which claims feed the pack cost and the cycle life of each sized subject (with a
labelled fallback where the subject claims none), and the Monte Carlo quantiles of
pipelines/compute/ownership.py over the pack sizing's own draws."""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.compute.ownership import mixture_draws, ownership_quantiles
from pipelines.compute.sizing import pack_sizing, subject_stream
from pipelines.compute.technology_packs import claim_intervals, sample_inputs
from pipelines.errors import SourceError, SourceProblem
from pipelines.schemas.curated.settings import AnalysisSettings
from pipelines.schemas.memo import same_inputs_once
from pipelines.schemas.vocabulary import OWNERSHIP_INPUT_BASES
from pipelines.tables import table
from pipelines.tables.sizing import file_scenarios, machines_wide, vehicles_wide
from pipelines.tables.technology_packs import subject_inputs

BASES = OWNERSHIP_INPUT_BASES


def _candidates(subjects: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    """subject (type:id), claim_id, level (index in BASES) for every claim at the technology and
    family level; the subject's own claims are level 0."""
    own_t = subjects[subjects["subject_type"].eq("technology")].merge(claims, left_on="subject_id", right_on="technology_id")
    own_p = subjects[subjects["subject_type"].eq("product")].merge(claims, left_on="subject_id", right_on="product_id")
    tech = subjects[subjects["subject_type"].eq("product")].merge(claims, on="technology_id")
    fam = subjects.merge(claims, on="family")
    parts = [f.assign(level=i)[["subject", "claim_id", "level"]] for i, f in enumerate((pd.concat([own_t, own_p]), tech, fam))]
    return pd.concat(parts, ignore_index=True)


def _most_specific(candidates: pd.DataFrame) -> pd.DataFrame:
    """Per subject, the claims of its most specific level."""
    best = candidates.groupby("subject")["level"].transform("min")
    return candidates[candidates["level"].eq(best)].drop_duplicates(["subject", "claim_id"])


def _assumed(subjects: pd.DataFrame, covered, fallbacks: pd.DataFrame, life_claims: pd.DataFrame) -> pd.DataFrame:
    """subject, claim_id, level (BASES' assumption) for each subject no cycle-life claim covers whose
    technology has fallback rows: every cycle-life claim of the families they name."""
    uncovered = subjects.loc[~subjects["subject"].isin(covered), ["subject", "technology_id"]]
    rows = uncovered.merge(fallbacks[["technology_id", "from_family"]], on="technology_id")
    rows = rows.merge(life_claims[["claim_id", "family"]], left_on="from_family", right_on="family")
    return rows.assign(level=BASES.index("assumption"))[["subject", "claim_id", "level"]].drop_duplicates(["subject", "claim_id"])


@same_inputs_once  # the vehicle and the machine tables: the same draws, computed once
def ownership_inputs(technology_cells, cell_claims, claim_uncertainty, technology_pack_ratios, battery_scenarios,
                     technologies, cycle_life_fallbacks, settings: AnalysisSettings, n_samples: int, seed: int):
    """Per sized subject: pack USD/kWh samples (S, N) from the sizing's own draws (a subject without a
    cost claim gets its fallback's claims as cell-cost components, which draws nothing else
    differently), cycle-life samples (S, N) (a subject no cycle-life claim covers takes the claims
    of the families sources/cycle_life_fallbacks/ names for its technology, from its own stream),
    and which claims feed each, with their basis."""
    inputs, subjects = subject_inputs(technology_cells, cell_claims, claim_uncertainty, technology_pack_ratios, battery_scenarios)
    intervals = claim_intervals(cell_claims[cell_claims["value_best"].notna()], claim_uncertainty)
    intervals = intervals.assign(family=intervals["technology_id"].map(technologies.set_index("technology_id")["family"]))
    cols = ["claim_id", "technology_id", "product_id", "family", "low", "high"]
    has_cost = set(inputs.loc[inputs["metric"].eq("cell_cost"), "subject_id"])
    claimed_cost = technology_cells[technology_cells["property"].eq("cell_cost") & technology_cells["claim_ids"].notna()]
    claimed_cost = claimed_cost.assign(subject=claimed_cost["subject_type"] + ":" + claimed_cost["subject_id"])
    claimed_cost = claimed_cost.assign(claim_id=claimed_cost["claim_ids"].str.split(";")).explode("claim_id")
    claimed_cost = claimed_cost[claimed_cost["subject"].isin(subjects["subject"])].assign(level=0)[["subject", "claim_id", "level"]]
    cost_claims = intervals[intervals["metric"].eq("cell_cost")][cols]
    lacking = subjects[~subjects["subject"].isin(has_cost)]
    fallback = _candidates(lacking, cost_claims)
    fallback = _most_specific(fallback[fallback["level"] > 0])
    cost = pd.concat([claimed_cost, fallback], ignore_index=True)
    extra = fallback.merge(cost_claims[["claim_id", "low", "high"]], on="claim_id")
    base = file_scenarios(battery_scenarios).set_index("scenario_id").loc[settings.baseline_scenario, "cell_cost"]
    in_scenario = lacking[~lacking["subject"].isin(fallback["subject"])]
    scen = pd.DataFrame({"subject_id": in_scenario["subject"], "metric": "cell_cost", "low": float(base), "high": float(base)})
    aug = pd.concat([inputs, pd.DataFrame({"subject_id": extra["subject"], "metric": "cell_cost", "low": extra["low"], "high": extra["high"]}),
                     scen], ignore_index=True)
    order = pd.Index(np.sort(inputs["subject_id"].unique()))  # the sizing's order: the same draws
    x = sample_inputs(aug, order, n_samples, seed, metrics=("cell_cost", "pack_cost_factor"))  # only what the cost reads
    cc, cf = x[:, 0, :], x[:, 1, :]
    per_kwh = pack_sizing(1.0, 1.0, 1.0, cc, 1.0, 1.0, cf)["pack_cost_total"]  # the cost of 1 kWh of pack: the sizing's rule

    life_claims = intervals[intervals["metric"].eq("cycle_life")][cols]
    life = _most_specific(_candidates(subjects, life_claims))
    life = pd.concat([life, _assumed(subjects, life["subject"], cycle_life_fallbacks, life_claims)], ignore_index=True)
    life = life.merge(intervals[["claim_id", "low", "high"]], on="claim_id")
    cycles = mixture_draws(order.get_indexer(life["subject"]), life["low"].to_numpy(), life["high"].to_numpy(), len(order), n_samples,
                           [subject_stream(seed, str(subject), "ownership_cycle_life") for subject in order])

    def named(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.sort_values("claim_id").groupby("subject").agg(claim_ids=("claim_id", ";".join), level=("level", "min"))

    fed = pd.DataFrame(index=order)
    c, lc = named(cost), named(life)
    fed["cost_claim_ids"] = c["claim_ids"]
    fed["cost_basis"] = c["level"].map(dict(enumerate(BASES))).reindex(order).fillna("scenario")
    fed.loc[fed["cost_basis"].eq("scenario"), "cost_claim_ids"] = None
    fed["cost_scenario_id"] = np.where(fed["cost_basis"].eq("scenario"), settings.baseline_scenario, None)
    fed["cycle_life_claim_ids"] = lc["claim_ids"]
    fed["cycle_life_basis"] = lc["level"].map(dict(enumerate(BASES)))
    return order, per_kwh, cycles, fed, subjects.set_index("subject")


def check_assumptions(ownership_assumptions: pd.DataFrame, kind: str, ids) -> pd.DataFrame:
    """The rows of one asset kind, indexed by its id: every sized asset has one, and none names an
    unknown asset (file, line and column otherwise)."""
    column = f"{kind}_id"
    rows = ownership_assumptions[ownership_assumptions[column].notna()]
    unknown = ~rows[column].isin(set(ids))
    if unknown.any():
        raise SourceError("ownership_assumptions", [
            SourceProblem(f, int(n), column, f"names a {kind} that is sized", f"got '{a}'")
            for f, n, a in rows.loc[unknown, ["source_file", "source_line", column]].itertuples(index=False, name=None)
        ])
    missing = sorted(set(ids) - set(rows[column]))
    if missing:
        raise ValueError(f"sources/ownership_assumptions/ gives no row for {kind}(s) {missing}: add one (basis report or assumption)")
    return rows.set_index(column)


def ownership(packs: pd.DataFrame, kind: str, per_use: pd.Series, annual: str, inputs) -> pd.DataFrame:
    """One row per (asset, sized subject) of packs: the ownership quantiles and what fed them."""
    order, per_kwh, cycles, fed, subjects, assumptions = inputs
    assets = packs.groupby(f"{kind}_id")["battery_energy"].first()
    a = assumptions.reindex(assets.index)
    q = ownership_quantiles(assets.to_numpy(), per_use.reindex(assets.index).to_numpy(), a[annual].to_numpy(), a["service_life"].to_numpy(),
                            a["usable_depth_of_discharge"].to_numpy(), per_kwh, cycles)
    n_a, n_s = len(assets), len(order)
    per = "mile" if kind == "vehicle" else "operating_hour"
    out = pd.DataFrame({f"{kind}_id": np.repeat(assets.index.to_numpy(), n_s), "subject": np.tile(order.to_numpy(), n_a)})
    out["battery_energy"] = np.repeat(assets.to_numpy(), n_s)
    out["service_life"] = np.repeat(a["service_life"].to_numpy(), n_s)
    out[annual] = np.repeat(a[annual].to_numpy(), n_s)
    out["usable_depth_of_discharge"] = np.repeat(a["usable_depth_of_discharge"].to_numpy(), n_s)
    out["energy_consumption" if kind == "vehicle" else "average_power"] = np.repeat(per_use.reindex(assets.index).to_numpy(), n_s)
    out["assumption_basis"] = np.repeat(a["basis"].to_numpy(), n_s)
    out["cycles_needed"] = np.repeat(q["cycles_needed"], n_s)
    cyc = q["cycle_life"]  # (S, 3)
    for i, p in enumerate(("p5", "p50", "p95")):
        out[f"cycle_life_{p}"] = np.tile(cyc[:, i], n_a)
        for key, name in (("pack_cost", "pack_cost"), ("replacements", "replacements"), ("lifetime_cost", "lifetime_battery_cost"),
                          ("cost_per_use", f"battery_cost_per_{per}")):
            out[f"{name}_{p}"] = q[key][:, :, i].ravel()
    out = out.join(fed, on="subject").join(subjects[["subject_type", "subject_id", "technology_id", "product_id", "family"]], on="subject")
    out["missing_inputs"] = np.where(out["cycle_life_basis"].isna(), "cycle_life: no claim for the subject, its technology or its family, "
                                     "and no row for its technology in sources/cycle_life_fallbacks/", None)
    out["n_samples"] = int(packs["n_samples"].iloc[0])
    out["seed"] = int(packs["seed"].iloc[0])
    out = out.drop(columns="subject")
    return out.sort_values([f"{kind}_id", f"battery_cost_per_{per}_p50", "subject_type", "subject_id"], kind="stable",
                           na_position="last").reset_index(drop=True)


@table("sizing.battery_ownership")
def build_battery_ownership(technology_packs, technology_cells, cell_claims, claim_uncertainty, technology_pack_ratios, battery_scenarios,
                            technologies, vehicle_requirements, ownership_assumptions, cycle_life_fallbacks,
                            analysis_settings: AnalysisSettings) -> pd.DataFrame:
    """Battery cost of ownership of every vehicle with every sized technology and product."""
    n, seed = int(technology_packs["n_samples"].iloc[0]), int(technology_packs["seed"].iloc[0])
    base = ownership_inputs(technology_cells, cell_claims, claim_uncertainty, technology_pack_ratios, battery_scenarios, technologies,
                            cycle_life_fallbacks, analysis_settings, n, seed)
    assumptions = check_assumptions(ownership_assumptions, "vehicle", technology_packs["vehicle_id"].unique())
    per_mile = vehicles_wide(vehicle_requirements).set_index("vehicle_id")["energy_consumption"].astype(float)
    return ownership(technology_packs, "vehicle", per_mile, "annual_distance", (*base, assumptions))


@table("sizing.machine_battery_ownership")
def build_machine_battery_ownership(technology_machine_packs, technology_cells, cell_claims, claim_uncertainty, technology_pack_ratios,
                                    battery_scenarios, technologies, construction_machines, ownership_assumptions,
                                    cycle_life_fallbacks, analysis_settings: AnalysisSettings) -> pd.DataFrame:
    """Battery cost of ownership of every construction machine with every sized technology and product."""
    packs = technology_machine_packs
    n, seed = int(packs["n_samples"].iloc[0]), int(packs["seed"].iloc[0])
    base = ownership_inputs(technology_cells, cell_claims, claim_uncertainty, technology_pack_ratios, battery_scenarios, technologies,
                            cycle_life_fallbacks, analysis_settings, n, seed)
    assumptions = check_assumptions(ownership_assumptions, "machine", packs["machine_id"].unique())
    wide, _ = machines_wide(construction_machines, analysis_settings.machine_table)
    per_hour = (wide["energy_storage"].astype(float) / wide["operating_time"].astype(float)).set_axis(wide["machine_id"])
    return ownership(packs, "machine", per_hour, "annual_operating_hours", (*base, assumptions))

"""Readiness (issue 23) as plain functions: every technology and product with the stage its
documents give (analysis.subject_readiness), and every technology pack per scenario year with
whether its subject is available at the stage the asset requires (sizing.technology_feasibility,
sizing.technology_machine_feasibility). The rules are in pipelines/compute/readiness.py."""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.compute.readiness import RANK, availability, current_readiness, readiness_rows, stage_label, stages_by_year
from pipelines.errors import SourceError, SourceProblem
from pipelines.schemas.curated.settings import AnalysisSettings
from pipelines.schemas.vocabulary import CELL_SIZING_BASES, MATERIAL_LEVEL_METRICS, UNSIZED_REASONS
from pipelines.tables import table
from pipelines.tables.sizing import sizing_scenarios
from pipelines.tables.technology_packs import limits_by_asset


def all_subjects(technologies: pd.DataFrame, products: pd.DataFrame) -> pd.DataFrame:
    """Every technology and every product: subject_type, subject_id, technology_id, product_id."""
    tech = pd.DataFrame({"subject_type": "technology", "subject_id": technologies["technology_id"].to_numpy(),
                         "technology_id": technologies["technology_id"].to_numpy(), "product_id": None})
    prod = pd.DataFrame({"subject_type": "product", "subject_id": products["product_id"].to_numpy(),
                         "technology_id": products["technology_id"].to_numpy(), "product_id": products["product_id"].to_numpy()})
    return pd.concat([tech, prod], ignore_index=True)


def check_readiness_subjects(technology_readiness: pd.DataFrame, subjects: pd.DataFrame) -> None:
    """Every readiness row names a technology (curated.technologies) or product (curated.products)."""
    known = pd.MultiIndex.from_frame(subjects[["subject_type", "subject_id"]])
    bad = ~pd.MultiIndex.from_frame(technology_readiness[["subject_type", "subject_id"]]).isin(known)
    if bad.any():
        rows = technology_readiness.loc[bad, ["source_file", "source_line", "subject_type", "subject_id"]]
        raise SourceError("technology_readiness", [
            SourceProblem(f, int(n), "subject_id", f"names a {t} of curated.{t.replace('technology', 'technologie')}s", f"got '{s}'")
            for f, n, t, s in rows.itertuples(index=False, name=None)
        ])


@table("analysis.subject_readiness")
def build_technology_readiness(technology_readiness: pd.DataFrame, documents: pd.DataFrame, technologies: pd.DataFrame,
                               products: pd.DataFrame) -> pd.DataFrame:
    """One row per technology and product: the highest stage its documents state as a fact, the
    next stage forecast, and where it is said; 'unknown' where no document says."""
    subjects = all_subjects(technologies, products)
    check_readiness_subjects(technology_readiness, subjects)
    rows = readiness_rows(technology_readiness, documents)
    cur = current_readiness(rows, subjects)
    out = pd.DataFrame({
        "subject_type": cur["subject_type"], "subject_id": cur["subject_id"], "technology_id": cur["technology_id"],
        "product_id": cur["product_id"], "stage": cur["now_stage"], "stage_year": cur["now_year"].astype("Int64"),
        "stage_year_qualifier": cur["now_year_qualifier"], "next_stage": cur["next_stage"],
        "next_stage_year": cur["next_year"].astype("Int64"), "next_stage_year_qualifier": cur["next_year_qualifier"],
        "evidence": cur["now_evidence"], "document_id": cur["now_document_id"], "section": cur["now_section"],
        "quote": cur["now_quote"], "next_stage_quote": cur["next_quote"], "claim_ids": cur["now_claim_ids"],
        "readiness_documents": cur["documents"], "known": cur["known"],
    })
    return out.sort_values(["subject_type", "subject_id"], ascending=[False, True], kind="stable").reset_index(drop=True)


def feasibility(packs: pd.DataFrame, asset: str, technology_readiness: pd.DataFrame, documents: pd.DataFrame,
                pack_limits: pd.DataFrame, scenarios: pd.DataFrame) -> pd.DataFrame:
    """packs (one row per asset and subject) x scenario years: fits (feasible_probability, as
    sized), the stage the asset requires (pack_limits.required_stage), the subject's stage by the
    year, available / availability, and buildable_probability (feasible_probability where
    available, else 0)."""
    years = scenarios.groupby("year")["scenario_id"].agg(lambda s: ";".join(sorted(s))).rename("scenario_ids").reset_index()
    rows = readiness_rows(technology_readiness, documents)
    by_year = stages_by_year(rows, packs[["subject_type", "subject_id"]], years["year"])
    cols = [asset, "subject_type", "subject_id", "technology_id", "product_id", "family", "feasible_probability", "limit_basis"]
    grid = packs[cols].merge(years, how="cross").merge(by_year, on=["subject_type", "subject_id", "year"], how="left")
    limits = pack_limits.set_index("asset_id")["required_stage"]
    grid["required_stage"] = grid[asset].map(limits)
    avail = availability(grid, grid["required_stage"].map(RANK).to_numpy())
    grid["stage_by_year"] = stage_label(grid["stage_rank"])
    grid["available"] = avail["available"]
    grid["availability"] = avail["availability"]
    grid["buildable_probability"] = np.where(grid["available"], grid["feasible_probability"], 0.0)
    out = grid.drop(columns=["stage_rank", "reached_rank", "known"])
    return out.sort_values([asset, "year", "subject_type", "subject_id"], kind="stable").reset_index(drop=True)


@table("sizing.technology_feasibility")
def build_technology_feasibility(technology_packs: pd.DataFrame, technology_readiness: pd.DataFrame, documents: pd.DataFrame,
                                 pack_limits: pd.DataFrame, battery_scenarios: pd.DataFrame, scenario_years: pd.DataFrame,
                                 analysis_settings: AnalysisSettings) -> pd.DataFrame:
    scenarios = sizing_scenarios(battery_scenarios, scenario_years, analysis_settings)
    limits = limits_by_asset(pack_limits)
    limits = limits[limits["asset_type"].eq("vehicle")]
    return feasibility(technology_packs, "vehicle_id", technology_readiness, documents, limits, scenarios)


@table("sizing.technology_machine_feasibility")
def build_technology_machine_feasibility(technology_machine_packs: pd.DataFrame, technology_readiness: pd.DataFrame,
                                         documents: pd.DataFrame, pack_limits: pd.DataFrame, battery_scenarios: pd.DataFrame,
                                         scenario_years: pd.DataFrame, analysis_settings: AnalysisSettings) -> pd.DataFrame:
    scenarios = sizing_scenarios(battery_scenarios, scenario_years, analysis_settings)
    limits = limits_by_asset(pack_limits)
    limits = limits[limits["asset_type"].eq("machine")]
    return feasibility(technology_machine_packs, "machine_id", technology_readiness, documents, limits, scenarios)


# --------------------------------------------------------------------------- subjects not sized

@table("sizing.unsized_subjects")
def build_unsized_subjects(technology_cells: pd.DataFrame, cell_claims: pd.DataFrame, technologies: pd.DataFrame,
                           products: pd.DataFrame) -> pd.DataFrame:
    """Every technology and product that sizing.technology_packs does not size, with the reason:
    together with the sized subjects they are all of curated.technologies and curated.products."""
    subjects = all_subjects(technologies, products)
    keys = ["subject_type", "subject_id"]
    sized = technology_cells.loc[technology_cells["sizable"], keys].drop_duplicates()
    out = subjects[~pd.MultiIndex.from_frame(subjects[keys]).isin(pd.MultiIndex.from_frame(sized))].copy()
    claims = pd.concat([
        cell_claims.assign(subject_type="technology", subject_id=cell_claims["technology_id"]),
        cell_claims[cell_claims["product_id"].notna()].assign(subject_type="product", subject_id=lambda f: f["product_id"]),
    ], ignore_index=True)
    stats = claims.groupby(keys).agg(claims=("claim_id", "size"))
    numeric = claims[claims["value_best"].notna()]
    densities = numeric["metric"].isin(["gravimetric_energy_density", "volumetric_energy_density"])
    stats["above_cell"] = numeric[densities & ~numeric["basis"].isin(CELL_SIZING_BASES)].groupby(keys).size().reindex(stats.index).fillna(0) > 0
    numeric = numeric[numeric["basis"].isin(CELL_SIZING_BASES)]  # what the sizing reads (CELL_SIZING_BASES)
    for column, metric in (("has_wh_per_kg", "gravimetric_energy_density"), ("has_wh_per_l", "volumetric_energy_density")):
        stats[column] = numeric[numeric["metric"].eq(metric)].groupby(keys).size().reindex(stats.index).fillna(0) > 0
    material = claims["evidence"].eq("theoretical_limit") | claims["metric"].isin(MATERIAL_LEVEL_METRICS)
    stats["material"] = claims[material].groupby(keys).size().reindex(stats.index).fillna(0) > 0
    out = out.join(stats, on=keys)
    n = out["claims"].fillna(0).astype(int)
    kg, litre, material, above = (out[c].astype("boolean").fillna(False).astype(bool)
                                  for c in ("has_wh_per_kg", "has_wh_per_l", "material", "above_cell"))
    neither = ~kg & ~litre
    reason = np.select(
        [n.eq(0), neither & material, neither & above, neither, ~kg, ~litre],
        list(UNSIZED_REASONS), default="no_energy_density_claim",
    )
    family = technologies.set_index("technology_id")["family"]
    out = pd.DataFrame({
        "subject_type": out["subject_type"], "subject_id": out["subject_id"], "technology_id": out["technology_id"],
        "product_id": out["product_id"], "family": out["technology_id"].map(family), "reason": reason,
        "explanation": pd.Series(reason, index=out.index).map(UNSIZED_REASONS), "claims": n,
    })
    return out.sort_values(["subject_type", "subject_id"], ascending=[False, True], kind="stable").reset_index(drop=True)

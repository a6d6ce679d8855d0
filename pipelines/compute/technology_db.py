"""Technology database computations: the claim -> reference bridge, conflicting claim pairs,
and the one-row-per-technology comparison. Pure pandas/numpy over the curated tables."""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.schemas.vocabulary import CONFLICT_SIDE, HEADLINES, MATURITY, TYPICAL_RULE  # noqa: F401 (re-exported)


def claim_references(cell_claims: pd.DataFrame) -> pd.DataFrame:
    """One row per claim and cited reference: (claim_id, document_id, reference_id)."""
    cited = cell_claims[["claim_id", "document_id", "reference_ids"]].dropna(subset=["reference_ids"])
    ids = cited["reference_ids"].astype(str).str.split(";").explode().str.strip()
    out = cited.loc[ids.index, ["claim_id", "document_id"]].assign(reference_id=ids.astype(int).to_numpy())
    return out.drop_duplicates().reset_index(drop=True)


def claim_intervals(claims: pd.DataFrame) -> pd.DataFrame:
    """What each printed number allows: a point widened by its printed precision, a range or
    a ± as printed, an open interval for >, ≥, <, ≤, 'up to'. Not-numeric claims are dropped."""
    q = claims["qualifier"]
    half = claims["precision"].fillna(0.0).astype(float)
    value = claims["value"].astype(float)
    point = q.isin(["exact", "approx"])
    lo = np.where(point, value - half, claims["value_min"].astype(float))
    hi = np.where(point, value + half, claims["value_max"].astype(float))
    lo = np.where(q.isin(["lt", "le", "up_to"]), -np.inf, lo)
    hi = np.where(q.isin(["gt", "ge"]), np.inf, hi)
    out = claims.assign(interval_min=lo, interval_max=hi)
    return out[q.ne("not_numeric") & out["interval_min"].notna() & out["interval_max"].notna()]


def claim_conflicts(cell_claims: pd.DataFrame) -> pd.DataFrame:
    """Pairs of claims about the same product (or, for claims naming no product, the same
    technology) and metric, under the same printed conditions, from different documents or
    different sections / tables of one document, whose intervals do not overlap."""
    claims = claim_intervals(cell_claims)
    claims = claims.assign(
        subject=claims["product_id"].fillna("technology:" + claims["technology_id"]),
        conditions_key=claims["conditions"].fillna(""),
    )
    keys = ["subject", "metric", "unit", "conditions_key"]
    pairs = claims.merge(claims, on=keys, suffixes=("_a", "_b"))
    pairs = pairs[pairs["claim_id_a"] < pairs["claim_id_b"]]
    elsewhere = (
        pairs["document_id_a"].ne(pairs["document_id_b"])
        | pairs["section_a"].ne(pairs["section_b"])
        | pairs["source_table_a"].fillna("").ne(pairs["source_table_b"].fillna(""))
    )
    apart = (pairs["interval_max_a"] < pairs["interval_min_b"]) | (pairs["interval_max_b"] < pairs["interval_min_a"])
    pairs = pairs[elsewhere & apart]
    gap = np.maximum(pairs["interval_min_b"] - pairs["interval_max_a"], pairs["interval_min_a"] - pairs["interval_max_b"])
    out = pd.DataFrame(
        {
            "technology_id": pairs["technology_id_a"],
            "product_id": pairs["product_id_a"],
            "metric": pairs["metric"],
            "unit": pairs["unit"],
            "conditions": pairs["conditions_a"],
            **{f"{c}_{side}": pairs[f"{c}_{side}"] for side in ("a", "b") for c in CONFLICT_SIDE},
            "gap": gap,
        }
    )
    for side in ("a", "b"):  # an open end is stored as null, not ±inf
        for end in ("interval_min", "interval_max"):
            column = f"{end}_{side}"
            out[column] = out[column].where(np.isfinite(out[column]))
    return out.sort_values(["technology_id", "metric", "claim_id_a", "claim_id_b"]).reset_index(drop=True)


# The statistics of a headline, named for what they are (no "best" that is a midpoint):
#   highest / lowest  the highest / lowest number any claim prints (a range's ends, a bound as printed);
#   typical           the median of the claims' value_best (TYPICAL_RULE);
#   latest            the claims of the most recent claim_date across documents: the median of their
#                     value_best, with the claims and documents behind it.
def _printed_extremes(rows: pd.DataFrame) -> pd.DataFrame:
    """Per claim, the highest and lowest number it prints (value, value_min, value_max)."""
    printed = rows[["value", "value_min", "value_max"]].astype(float)
    return rows.assign(printed_high=printed.max(axis=1), printed_low=printed.min(axis=1))


def _headline(claims: pd.DataFrame, metrics: pd.DataFrame, headline: str) -> pd.DataFrame:
    """Highest, lowest, typical and latest value of one headline per technology, with the claims and
    documents behind each figure."""
    chosen = metrics[metrics["headline"] == headline]
    rows = _printed_extremes(claims.merge(chosen[["metric"]], on="metric").dropna(subset=["value_best"]))
    by = rows.groupby("technology_id")
    out = pd.DataFrame(index=pd.Index(sorted(rows["technology_id"].unique()), name="technology_id"))
    for stat, column, ascending in (("highest", "printed_high", False), ("lowest", "printed_low", True)):
        ranked = rows.sort_values(["technology_id", column, "claim_id"], ascending=[True, ascending, True])
        top = ranked.drop_duplicates("technology_id").set_index("technology_id")
        out[f"{headline}_{stat}"] = top[column]
        out[f"{headline}_{stat}_text"] = top["published_text"]
        out[f"{headline}_{stat}_claim_id"] = top["claim_id"]
        same = rows[rows[column].to_numpy() == rows["technology_id"].map(top[column]).to_numpy()]
        out[f"{headline}_{stat}_documents"] = same.groupby("technology_id")["document_id"].nunique()
    out[f"{headline}_typical"] = by["value_best"].median()
    newest = rows[rows["claim_date"].to_numpy() == rows["technology_id"].map(by["claim_date"].max()).to_numpy()]
    latest = newest.sort_values("claim_id").groupby("technology_id")
    out[f"{headline}_latest"] = latest["value_best"].median()
    out[f"{headline}_latest_date"] = latest["claim_date"].first()
    out[f"{headline}_latest_claim_ids"] = latest["claim_id"].agg(";".join)
    out[f"{headline}_latest_documents"] = latest["document_id"].nunique()
    out[f"{headline}_claims"] = by.size()
    out[f"{headline}_documents"] = by["document_id"].nunique()
    return out


def technology_comparison(
    technologies: pd.DataFrame, cell_claims: pd.DataFrame, comparison_metrics: pd.DataFrame, subject_readiness: pd.DataFrame
) -> pd.DataFrame:
    """One row per technology of curated.technologies, with or without claims: its readiness
    (analysis.subject_readiness) as maturity, and per headline metric the highest and lowest printed
    value, the typical value (TYPICAL_RULE) and the latest by claim date across documents, with how
    many claims and documents back each figure."""
    out = technologies.set_index("technology_id")[["label", "family"]].copy()
    ready = subject_readiness[subject_readiness["subject_type"].eq("technology")].set_index("subject_id")
    out["maturity"] = ready["stage"].reindex(out.index).fillna("unknown")
    out["maturity_year"] = ready["stage_year"].reindex(out.index).astype("Int64")
    out["maturity_year_qualifier"] = ready["stage_year_qualifier"].reindex(out.index)
    out["next_stage"] = ready["next_stage"].reindex(out.index)
    out["next_stage_year"] = ready["next_stage_year"].reindex(out.index).astype("Int64")
    grouped = cell_claims.groupby("technology_id")
    out["claims"] = grouped.size().reindex(out.index).fillna(0).astype(int)
    out["documents"] = grouped["document_id"].nunique().reindex(out.index).fillna(0).astype(int)
    out["products"] = grouped["product_id"].nunique().reindex(out.index).fillna(0).astype(int)
    for headline in HEADLINES:
        part = _headline(cell_claims, comparison_metrics, headline).reindex(out.index)
        for column in part.columns:
            if column.endswith(("_claims", "_documents")):
                part[column] = part[column].fillna(0).astype(int)
        out = out.join(part)
    return out.reset_index().sort_values(["family", "technology_id"]).reset_index(drop=True)

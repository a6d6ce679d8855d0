"""Technology database computations: the claim -> reference bridge, conflicting claim pairs,
and the one-row-per-technology comparison. Pure pandas/numpy over the curated tables."""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.schemas.vocabulary import CONFLICT_SIDE, HEADLINES, MATURITY, OBJECT_BASES, TYPICAL_RULE  # noqa: F401 (re-exported)


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


def comparable_conditions(pairs: pd.DataFrame) -> pd.Series:
    """THE like-with-like rule of quality.claim_conflicts (one place): two claims about the same
    subject and metric are compared only where

    - their `basis` is the same (a cell figure never meets a pack figure), and `unspecified`
      meets only `unspecified`: a claim that does not say its level compares with nothing
      stricter than itself;
    - their test C-rate is the same, or neither gives one;
    - their test temperature is the same, or neither gives one;
    - a claim that names no product is compared only as a figure for a technology as a whole:
      an organisation's claim at the level of one object (`OBJECT_BASES`: cell, module, pack,
      system) without a product is about an unnamed object, and two such claims may be about
      two different cells (Li-S Energy's 2.5 Ah test cell and its 10 Ah cell), so they meet
      nothing. Technology-level figures (basis `material` or `unspecified`) and the literature's
      typical figures (no organisation) are compared.

    Sample stage, declared vs measured, evidence and date do not keep two claims apart: they are
    the reasons the pair may differ, named in `why_they_may_differ`."""
    same_basis = pairs["basis_a"].eq(pairs["basis_b"])
    unnamed_object = [
        pairs[f"product_id_{side}"].isna() & pairs[f"organisation_id_{side}"].notna() & pairs[f"basis_{side}"].isin(OBJECT_BASES)
        for side in ("a", "b")
    ]
    same = same_basis & ~unnamed_object[0] & ~unnamed_object[1]
    for column in ("c_rate", "test_temperature"):
        a, b = pairs[f"{column}_a"].astype(float), pairs[f"{column}_b"].astype(float)
        same &= (a.isna() & b.isna()) | np.isclose(a.fillna(np.nan), b.fillna(np.nan), rtol=1e-9, atol=0.0)
    return same


def _reasons(pairs: pd.DataFrame) -> pd.Series:
    """Why two comparable claims may differ, ';'-separated (vectorised over the pairs)."""
    def part(mask: pd.Series, text: pd.Series | str) -> pd.Series:
        return pd.Series(text, index=pairs.index, dtype=object).where(mask, "")

    date_a, date_b = pairs["document_date_a"], pairs["document_date_b"]
    newer = np.where(date_a > date_b, "a", "b")
    parts = [
        part(
            pairs["document_id_a"].ne(pairs["document_id_b"]) & date_a.ne(date_b),
            "newer document (" + pd.Series(newer, index=pairs.index) + ": "
            + np.maximum(date_a, date_b).dt.strftime("%Y-%m-%d") + " vs " + np.minimum(date_a, date_b).dt.strftime("%Y-%m-%d") + ")",
        ),
        part(
            pairs["claim_date_a"].ne(pairs["claim_date_b"]),
            "different claim dates (" + pairs["claim_date_a"].dt.strftime("%Y-%m") + " vs " + pairs["claim_date_b"].dt.strftime("%Y-%m") + ")",
        ),
        part(
            pairs["sample_stage_a"].ne(pairs["sample_stage_b"]),
            "different sample stage (" + pairs["sample_stage_a"] + " vs " + pairs["sample_stage_b"] + ")",
        ),
        part(
            pairs["declared_or_measured_a"].ne(pairs["declared_or_measured_b"]),
            pairs["declared_or_measured_a"] + " vs " + pairs["declared_or_measured_b"],
        ),
        part(pairs["evidence_a"].ne(pairs["evidence_b"]), "different evidence (" + pairs["evidence_a"] + " vs " + pairs["evidence_b"] + ")"),
        part(pairs["conditions_a"].fillna("").ne(pairs["conditions_b"].fillna("")), "different printed conditions"),
    ]
    joined = parts[0]
    for text in parts[1:]:
        joined = joined + pd.Series(np.where(joined.ne("") & text.ne(""), "; ", ""), index=pairs.index) + text
    return joined.where(joined.ne(""), "none recorded: the same kind of figure, printed differently")


def claim_conflicts(cell_claims: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """Pairs of claims about the same product (or, for claims naming no product, the same
    technology from the same organisation) and metric, comparable under comparable_conditions (same basis and test
    conditions), from different documents or different sections / tables of one document,
    whose intervals do not overlap; each pair names both documents and their dates and why the
    two may differ."""
    claims = claim_intervals(cell_claims)
    claims = claims.assign(
        # a product, else a technology as one organisation (or the literature, no organisation) states it
        subject=claims["product_id"].fillna(
            "technology:" + claims["technology_id"] + "/" + claims["organisation_id"].fillna("")
        ),
        document_date=claims["document_id"].map(documents.set_index("document_id")["publication_start"]),
    )
    keys = ["subject", "metric", "unit"]
    pairs = claims.merge(claims, on=keys, suffixes=("_a", "_b"))
    pairs = pairs[pairs["claim_id_a"] < pairs["claim_id_b"]]
    elsewhere = (
        pairs["document_id_a"].ne(pairs["document_id_b"])
        | pairs["section_a"].ne(pairs["section_b"])
        | pairs["source_table_a"].fillna("").ne(pairs["source_table_b"].fillna(""))
    )
    apart = (pairs["interval_max_a"] < pairs["interval_min_b"]) | (pairs["interval_max_b"] < pairs["interval_min_a"])
    pairs = pairs[elsewhere & apart & comparable_conditions(pairs)]
    gap = np.maximum(pairs["interval_min_b"] - pairs["interval_max_a"], pairs["interval_min_a"] - pairs["interval_max_b"])
    out = pd.DataFrame(
        {
            "technology_id": pairs["technology_id_a"],
            "product_id": pairs["product_id_a"],
            "metric": pairs["metric"],
            "unit": pairs["unit"],
            "basis": pairs["basis_a"],
            "c_rate": pairs["c_rate_a"].astype(float),
            "test_temperature": pairs["test_temperature_a"].astype(float),
            **{f"{c}_{side}": pairs[f"{c}_{side}"] for side in ("a", "b") for c in CONFLICT_SIDE},
            "across_documents": pairs["document_id_a"].ne(pairs["document_id_b"]),
            "why_they_may_differ": _reasons(pairs),
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

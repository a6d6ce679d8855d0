"""Readiness of technologies and products by year, and whether a pack can be built in a scenario
year (pure pandas/numpy over the curated readiness rows; no I/O, no row loops).

A readiness row (sources/technology_readiness/) says a subject reached, or is expected to reach, a
stage in a year. Its year counts from the document's publication year when empty. A row is a
forecast when its qualifier is `expected`, or `by` with a year after the document's publication
year; otherwise it is a fact. By year Y a subject is at the highest stage of its rows whose year is
<= Y; it is available for a required stage when that stage or a later one is reached (`reached`)
or forecast (`expected`) by Y. A subject without a row is `unknown`, never available.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.schemas.vocabulary import READINESS_STAGES

RANK = {stage: i for i, stage in enumerate(READINESS_STAGES)}
UNKNOWN = "unknown"


def readiness_rows(readiness: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """The curated rows with rank (index in READINESS_STAGES), effective year and forecast flag."""
    doc_year = readiness["document_id"].map(documents.set_index("document_id")["publication_start"].dt.year)
    year = readiness["year"].astype("Float64").astype(float)
    effective = year.fillna(doc_year.astype(float))
    q = readiness["year_qualifier"]
    forecast = q.eq("expected") | (q.eq("by") & (year > doc_year.astype(float)).fillna(False))
    return readiness.assign(rank=readiness["stage"].map(RANK).astype(int), effective_year=effective, forecast=forecast.astype(bool))


def stages_by_year(rows: pd.DataFrame, subjects: pd.DataFrame, years) -> pd.DataFrame:
    """subjects (subject_type, subject_id) x years: the highest stage known by each year
    (stage_rank, -1 for none), the highest stage reached as a fact (reached_rank) and whether the
    subject has any readiness row (known)."""
    years = pd.DataFrame({"year": np.unique(np.asarray(list(years), dtype=int))})
    grid = subjects[["subject_type", "subject_id"]].drop_duplicates().merge(years, how="cross")
    cand = rows[["subject_type", "subject_id", "rank", "effective_year", "forecast"]].merge(years, how="cross")
    cand = cand[cand["effective_year"] <= cand["year"]]
    keys = ["subject_type", "subject_id", "year"]
    best = cand.groupby(keys)["rank"].max().rename("stage_rank")
    fact = cand[~cand["forecast"]].groupby(keys)["rank"].max().rename("reached_rank")
    out = grid.join(best, on=keys).join(fact, on=keys)
    out["stage_rank"] = out["stage_rank"].fillna(-1).astype(int)
    out["reached_rank"] = out["reached_rank"].fillna(-1).astype(int)
    known = pd.MultiIndex.from_frame(rows[["subject_type", "subject_id"]])
    out["known"] = pd.MultiIndex.from_frame(out[["subject_type", "subject_id"]]).isin(known)
    return out


def stage_label(rank: pd.Series | np.ndarray) -> np.ndarray:
    """Stage name of each rank; 'unknown' for -1."""
    names = np.array([UNKNOWN, *READINESS_STAGES], dtype=object)
    return names[np.asarray(rank, dtype=int) + 1]


def availability(by_year: pd.DataFrame, required_rank: pd.Series | np.ndarray) -> pd.DataFrame:
    """by_year (stages_by_year rows, aligned with required_rank): available (bool) and availability:
    reached (a fact by the year), expected (only forecast by the year), not_yet, unknown (no row)."""
    req = np.asarray(required_rank, dtype=int)
    reached = by_year["reached_rank"].to_numpy() >= req
    expected = by_year["stage_rank"].to_numpy() >= req
    label = np.where(reached, "reached", np.where(expected, "expected", np.where(by_year["known"].to_numpy(), "not_yet", UNKNOWN)))
    return pd.DataFrame({"available": expected, "availability": label}, index=by_year.index)


def current_readiness(rows: pd.DataFrame, subjects: pd.DataFrame) -> pd.DataFrame:
    """One row per subject: its highest stage as a fact (stage, stage_year, stage_qualifier, quote,
    section, evidence, document_id, claim_ids) and its highest forecast stage above it (next_*);
    stage 'unknown' where the subject has no row."""
    keys = ["subject_type", "subject_id"]
    cols = ["stage", "year", "year_qualifier", "quote", "section", "evidence", "document_id", "claim_ids"]
    order = rows.sort_values([*keys, "rank", "effective_year"], ascending=[True, True, False, True], kind="stable")
    facts = order[~order["forecast"]].drop_duplicates(keys)
    now = facts.set_index(keys)[[*cols, "rank"]]
    fc = order[order["forecast"]].sort_values([*keys, "rank", "effective_year"], ascending=[True, True, False, True], kind="stable")
    fc = fc.drop_duplicates(keys).set_index(keys)[["stage", "year", "year_qualifier", "quote", "rank"]]
    out = subjects.join(now.add_prefix("now_"), on=keys).join(fc.add_prefix("next_"), on=keys)
    higher = out["next_rank"].notna() & (out["next_rank"].fillna(-1) > out["now_rank"].fillna(-1))
    for c in ("stage", "year", "year_qualifier", "quote", "rank"):
        out[f"next_{c}"] = out[f"next_{c}"].where(higher)
    docs = rows.groupby(keys)["document_id"].nunique().rename("documents")
    out = out.join(docs, on=keys)
    out["documents"] = out["documents"].fillna(0).astype(int)
    out["known"] = out["documents"] > 0
    out["now_stage"] = out["now_stage"].fillna(UNKNOWN)
    return out

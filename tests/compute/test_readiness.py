"""Readiness as data (issue 23): a pack is buildable in a scenario year only when its technology or
product reaches the asset's required stage by that year."""
from __future__ import annotations

import pandas as pd
import pytest

from pipelines.compute.readiness import RANK
from pipelines.errors import SourceError
from pipelines.ingest.curate import curate_tables
from pipelines.schemas.computed.readiness import TechnologyFeasibility, TechnologyReadinessNow
from pipelines.schemas.validate import validate
from pipelines.schemas.vocabulary import READINESS_STAGES
from pipelines.tables.readiness import all_subjects, build_technology_readiness, check_readiness_subjects, feasibility
from pipelines.tables.sizing import sizing_scenarios
from pipelines.tables.technology_packs import limits_by_asset
from tests.helpers import REAL_SOURCES

NEEDED = ("technology_readiness", "documents", "technologies", "products", "pack_limits", "battery_scenarios",
          "scenario_years", "analysis_settings")


@pytest.fixture(scope="module")
def curated() -> dict[str, pd.DataFrame]:
    return curate_tables(NEEDED, REAL_SOURCES)


@pytest.fixture(scope="module")
def scenarios(curated) -> pd.DataFrame:
    from pipelines.schemas.curated.settings import AnalysisSettings

    return sizing_scenarios(curated["battery_scenarios"], curated["scenario_years"], AnalysisSettings.from_frame(curated["analysis_settings"]))


def _readiness_row(subject: str, stage: str, year: int, qualifier: str, line: int) -> dict:
    return {"subject_type": "technology", "subject_id": subject, "stage": stage, "year": year, "year_qualifier": qualifier,
            "document_id": "burke_zhao_2025", "section": "9.9", "quote": "made up", "evidence": "company_claim",
            "claim_ids": None, "note": None, "source_file": "sources/technology_readiness/made_up.csv", "source_line": line}


def _packs(vehicles, subject: str) -> pd.DataFrame:
    return pd.DataFrame({"vehicle_id": vehicles, "subject_type": "technology", "subject_id": subject, "technology_id": subject,
                         "product_id": None, "family": "li_air", "feasible_probability": 1.0, "limit_basis": "assumption"})


def test_a_made_up_lab_cell_is_not_feasible_before_its_expected_year(curated, scenarios):
    """A lab cell reached in the first scenario year, commercial expected in the last: every pack
    fits (feasible_probability 1), yet none is buildable before the expected year, and every one
    is from it on."""
    years = sorted(scenarios["year"].unique())
    first, expected = int(years[0]), int(years[-1])
    readiness = pd.concat([curated["technology_readiness"], pd.DataFrame([
        _readiness_row("made_up_air", "lab_cell", first, "reached", 2),
        _readiness_row("made_up_air", "commercial", expected, "expected", 3),
    ])], ignore_index=True)
    limits = limits_by_asset(curated["pack_limits"])
    limits = limits[limits["asset_type"].eq("vehicle")]
    out = feasibility(_packs(limits["asset_id"].to_numpy(), "made_up_air"), "vehicle_id", readiness, curated["documents"], limits, scenarios)
    before, after = out[out["year"] < expected], out[out["year"] >= expected]
    assert len(before) and len(after)
    assert not before["available"].any() and (before["buildable_probability"] == 0).all()
    assert set(before["availability"]) == {"not_yet"} and set(before["stage_by_year"]) == {"lab_cell"}
    assert after["available"].all() and (after["buildable_probability"] == after["feasible_probability"]).all()
    assert set(after["availability"]) == {"expected"}
    # the feasibility of the pack itself keeps its meaning
    assert (out["feasible_probability"] == 1.0).all()


def test_without_a_readiness_row_a_subject_is_unknown_and_never_available(curated, scenarios):
    limits = limits_by_asset(curated["pack_limits"])
    limits = limits[limits["asset_type"].eq("vehicle")]
    out = feasibility(_packs(limits["asset_id"].to_numpy(), "nobody_says"), "vehicle_id", curated["technology_readiness"],
                      curated["documents"], limits, scenarios)
    assert set(out["availability"]) == {"unknown"} and not out["available"].any()
    validate(out.assign(technology_id="lithium_air"), TechnologyFeasibility, "sizing.technology_feasibility")


def test_every_technology_and_product_has_a_readiness_row_known_or_unknown(curated):
    out = validate(build_technology_readiness(curated["technology_readiness"], curated["documents"], curated["technologies"],
                                              curated["products"]), TechnologyReadinessNow, "analysis.subject_readiness")
    assert set(out.loc[out["subject_type"].eq("technology"), "subject_id"]) == set(curated["technologies"]["technology_id"])
    assert set(out.loc[out["subject_type"].eq("product"), "subject_id"]) == set(curated["products"]["product_id"])
    assert out.loc[~out["known"], "stage"].eq("unknown").all()
    # the current stage is a fact: never a stage whose only row is a forecast
    facts = curated["technology_readiness"]
    for stage, subject in out.loc[out["known"] & out["stage"].ne("unknown"), ["stage", "subject_id"]].itertuples(index=False):
        assert ((facts["subject_id"] == subject) & (facts["stage"] == stage)).any()
    # a forecast next stage is above the current one
    has_next = out["next_stage"].notna()
    now_rank = out.loc[has_next, "stage"].map(RANK).fillna(-1)
    assert (out.loc[has_next, "next_stage"].map(RANK) > now_rank).all()


def test_a_readiness_row_for_an_unknown_subject_names_file_and_line(curated):
    bad = pd.DataFrame([_readiness_row("no_such_tech", READINESS_STAGES[0], 2020, "reached", 7)])
    with pytest.raises(SourceError) as error:
        check_readiness_subjects(bad, all_subjects(curated["technologies"], curated["products"]))
    assert "made_up.csv" in str(error.value) and "7" in str(error.value) and "no_such_tech" in str(error.value)


def test_every_technology_and_product_is_sized_or_unsized_with_a_reason():
    """The union of the sized subjects (sizing.technology_cells sizable) and sizing.unsized_subjects
    is every technology and product, with no subject in both, and every unsized one has a reason."""
    from pipelines.schemas.computed.readiness import UnsizedSubjects
    from pipelines.schemas.vocabulary import UNSIZED_REASONS
    from pipelines.tables.readiness import build_unsized_subjects
    from pipelines.tables.technology_packs import build_technology_cells

    c = curate_tables(("cell_claims", "technologies", "products", "technology_cell_overrides", "claim_uncertainty"), REAL_SOURCES)
    cells = build_technology_cells(c["cell_claims"], c["technologies"], c["products"], c["technology_cell_overrides"], c["claim_uncertainty"])
    unsized = validate(build_unsized_subjects(cells, c["cell_claims"], c["technologies"], c["products"]), UnsizedSubjects,
                       "sizing.unsized_subjects")
    sized = {tuple(k) for k in cells.loc[cells["sizable"], ["subject_type", "subject_id"]].drop_duplicates().to_numpy()}
    not_sized = {tuple(k) for k in unsized[["subject_type", "subject_id"]].to_numpy()}
    every = {("technology", t) for t in c["technologies"]["technology_id"]} | {("product", p) for p in c["products"]["product_id"]}
    assert sized | not_sized == every and not (sized & not_sized)
    assert unsized["reason"].isin(list(UNSIZED_REASONS)).all() and unsized["explanation"].str.len().gt(0).all()
    # a subject with no claim says so; one with a Wh/kg but no Wh/L claim says that
    no_claims = set(c["technologies"]["technology_id"]) - set(c["cell_claims"]["technology_id"])
    assert set(unsized.loc[unsized["subject_id"].isin(no_claims) & unsized["subject_type"].eq("technology"), "reason"]) <= {"no_claim"}
    claims = c["cell_claims"].dropna(subset=["value_best"])
    has_kg = set(claims.loc[claims["metric"].eq("gravimetric_energy_density"), "technology_id"])
    has_l = set(claims.loc[claims["metric"].eq("volumetric_energy_density"), "technology_id"])
    only_kg = unsized["subject_type"].eq("technology") & unsized["subject_id"].isin(has_kg - has_l)
    assert unsized.loc[only_kg, "reason"].eq("no_wh_per_l_claim").all()


def test_two_documents_may_state_the_same_stage_of_a_subject_but_one_document_only_once(curated):
    """The key is subject, stage and document: a second document stating a stage already in the
    table is kept (and counted among the subject's documents); the same document twice is blocked."""
    from pipelines.schemas.curated.readiness import TechnologyReadiness

    rows = curated["technology_readiness"]
    first = rows.iloc[[0]]
    other_doc = curated["documents"].loc[~curated["documents"]["document_id"].isin(rows["document_id"]), "document_id"].iloc[0]
    second = first.assign(document_id=other_doc, source_line=first["source_line"] + 1000)
    kept = validate(pd.concat([rows, second], ignore_index=True), TechnologyReadiness, "technology_readiness")
    subject = first[["subject_type", "subject_id"]].iloc[0].tolist()
    out = build_technology_readiness(kept, curated["documents"], curated["technologies"], curated["products"])
    before = build_technology_readiness(rows, curated["documents"], curated["technologies"], curated["products"])
    pick = (out["subject_type"] == subject[0]) & (out["subject_id"] == subject[1])
    was = (before["subject_type"] == subject[0]) & (before["subject_id"] == subject[1])
    assert out.loc[pick, "readiness_documents"].item() == before.loc[was, "readiness_documents"].item() + 1
    with pytest.raises(SourceError) as error:
        validate(pd.concat([rows, first.assign(source_line=first["source_line"] + 1000)], ignore_index=True),
                 TechnologyReadiness, "technology_readiness")
    assert "one row per subject, stage and document" in str(error.value)

"""Planner answers (issue 23) from a built warehouse: the named queries on readiness, feasibility,
unsized subjects and battery cost of ownership, and the query fixes, each checked for a property."""
from __future__ import annotations

import math

import pytest

from pipelines.ingest.curate import curate_tables
from pipelines.query import bind_params, load_named, run
from tests.helpers import REAL_SOURCES


def named(warehouse, name: str, *params: str) -> list[dict]:
    query = load_named(name)
    columns, rows = run(query.sql, bind_params(query, list(params)), db=warehouse.published_db)
    return [dict(zip(columns, row)) for row in rows]


def sql(warehouse, text: str) -> list[tuple]:
    return run(text, db=warehouse.published_db)[1]


def test_high_energy_technologies_keeps_a_claim_without_wh_per_l_when_its_threshold_is_zero(built_warehouse):
    rows = named(built_warehouse, "high_energy_technologies", "min_wh_per_kg=600", "min_wh_per_l=0")
    only_kg = [r for r in rows if r["value_source"] == "published claim" and r["wh_per_l"] is None]
    assert only_kg and all(r["wh_per_kg"] >= 600 for r in only_kg)
    # the claims database holds a Wh/kg-only claim of at least 600: it is among them
    top = sql(built_warehouse, """SELECT max(value) FROM curated.cell_claims c WHERE metric = 'gravimetric_energy_density'
        AND NOT EXISTS (SELECT 1 FROM curated.cell_claims v WHERE v.entity = c.entity AND v.metric = 'volumetric_energy_density')""")[0][0]
    assert top >= 600 and any(r["wh_per_kg"] == round(top) for r in only_kg)
    # a threshold above 0 is never passed by a missing figure
    assert all(r["wh_per_l"] is not None for r in named(built_warehouse, "high_energy_technologies") if r["value_source"] == "published claim")


def test_feasible_technologies_filters_on_subject_type_year_and_availability(built_warehouse):
    products = named(built_warehouse, "feasible_technologies", "subject_type=product", "year=all", "available=all")
    assert products and {r["subject_type"] for r in products} == {"product"}
    default = named(built_warehouse, "feasible_technologies")
    latest = sql(built_warehouse, "SELECT max(year) FROM sizing.technology_feasibility")[0][0]
    assert default and {r["year"] for r in default} == {latest} and all(r["available"] for r in default)
    assert all(r["feasible_probability"] >= 0.5 for r in default) and {r["limit_basis"] for r in default} <= {"report", "assumption"}
    assert all(r["limit_note"] for r in default) and all(r["subjects_not_sized"] > 0 for r in default[:1])
    unavailable = named(built_warehouse, "feasible_technologies", "available=false", "year=all")
    assert unavailable and not any(r["available"] for r in unavailable) and all(r["buildable_probability"] == 0 for r in unavailable)


def test_no_lab_cell_or_prototype_is_buildable_before_its_stage_is_reached_or_expected(built_warehouse):
    """In the published warehouse: a pack is buildable only when its subject's stage by the year is
    the required one or above."""
    rows = sql(built_warehouse, """SELECT stage_by_year, required_stage, available, buildable_probability FROM sizing.technology_feasibility
        UNION ALL SELECT stage_by_year, required_stage, available, buildable_probability FROM sizing.technology_machine_feasibility""")
    from pipelines.schemas.vocabulary import READINESS_STAGES

    rank = {s: i for i, s in enumerate(READINESS_STAGES)} | {"unknown": -1}
    assert rows
    for stage, required, available, buildable in rows:
        assert available == (rank[stage] >= rank[required])
        assert available or buildable == 0
    lab = sql(built_warehouse, "SELECT count(*) FROM sizing.technology_feasibility WHERE stage_by_year IN ('lab_cell', 'prototype') AND available")
    assert lab[0][0] == 0


def test_every_technology_is_in_the_comparison_and_sized_or_unsized(built_warehouse):
    technologies = {r[0] for r in sql(built_warehouse, "SELECT technology_id FROM curated.technologies")}
    comparison = named(built_warehouse, "technology_comparison")
    assert {r["technology_id"] for r in comparison} == technologies
    assert not [c for c in comparison[0] if "best" in c], "no statistic is called best"
    without = {r[0] for r in sql(built_warehouse, "SELECT technology_id FROM analysis.technology_comparison WHERE gravimetric_claims = 0")}
    assert all(r["gravimetric_highest_printed"] == "no claim" for r in comparison if r["technology_id"] in without)
    sized = {r[0] for r in sql(built_warehouse, "SELECT DISTINCT subject_id FROM sizing.technology_packs WHERE subject_type = 'technology'")}
    unsized = named(built_warehouse, "unsized_subjects", "subject_type=technology")
    assert sized | {r["subject_id"] for r in unsized} == technologies and all(r["reason"] and r["explanation"] for r in unsized)
    # maturity is the readiness stage, not a claim status
    from pipelines.schemas.vocabulary import READINESS_STAGES

    assert {r["maturity"] for r in comparison} <= {"unknown", *READINESS_STAGES}


def test_comparison_units_are_in_column_comments(built_warehouse):
    comments = dict(sql(built_warehouse, """SELECT column_name, comment FROM duckdb_columns()
        WHERE schema_name = 'analysis' AND table_name = 'technology_comparison'"""))
    for column, unit in (("gravimetric_highest", "Wh/kg"), ("volumetric_typical", "Wh/L"), ("cycle_life_latest", "cycles"),
                         ("cost_lowest", "USD/kWh")):
        assert unit in comments[column]
    assert "median" in comments["gravimetric_typical"]


def test_battery_cost_per_mile_answers_every_sized_pair(built_warehouse):
    rows = named(built_warehouse, "battery_cost_per_mile")
    pairs = set(sql(built_warehouse, "SELECT vehicle_id, subject_type, subject_id FROM sizing.technology_packs"))
    assert {(r["vehicle_id"], r["subject_type"], r["subject_id"]) for r in rows} == pairs
    for r in rows:
        assert r["missing_inputs"] is None and r["cycle_life_basis"] is not None, r
        lo, mid, hi = (r[f"battery_cost_usd_per_mile_p{p}"] for p in (5, 50, 95))
        assert all(v is not None and math.isfinite(v) and v > 0 for v in (lo, mid, hi)) and lo <= mid <= hi, r


def test_a_cycle_life_fallback_is_labelled_assumption_with_the_claims_it_feeds(built_warehouse):
    """Rows fed by curated.cycle_life_fallbacks say cycle_life_basis = assumption and name claims of
    the families the fallback rows give for their technology (and only rows no claim covers)."""
    rows = sql(built_warehouse, """
        SELECT o.technology_id, o.cycle_life_claim_ids, string_agg(DISTINCT f.from_family, ';') AS families
        FROM (SELECT DISTINCT technology_id, cycle_life_claim_ids FROM sizing.battery_ownership
              WHERE cycle_life_basis = 'assumption') AS o
        JOIN curated.cycle_life_fallbacks AS f USING (technology_id) GROUP BY ALL""")
    assert rows
    fed_families = dict(sql(built_warehouse, """
        SELECT c.claim_id, t.family FROM curated.cell_claims AS c JOIN curated.technologies AS t USING (technology_id)
        WHERE c.metric = 'cycle_life'"""))
    covered = {t for (t,) in sql(built_warehouse, """
        SELECT DISTINCT t.technology_id FROM curated.technologies AS t JOIN curated.cell_claims AS c
        ON c.metric = 'cycle_life' AND (c.technology_id = t.technology_id OR c.technology_id IN
           (SELECT technology_id FROM curated.technologies WHERE family = t.family))""")}
    for technology, claim_ids, families in rows:
        assert technology not in covered
        assert {fed_families[c] for c in claim_ids.split(";")} == set(families.split(";"))


def test_pack_limits_name_vehicle_id_and_machine_id():
    limits = curate_tables(["pack_limits"], REAL_SOURCES)["pack_limits"]
    assert "asset_id" not in limits.columns and {"vehicle_id", "machine_id", "required_stage", "basis", "note"} <= set(limits.columns)
    assert (limits["vehicle_id"].notna() ^ limits["machine_id"].notna()).all()


def test_section5_cost_claims_name_their_technology():
    claims = curate_tables(["application_claims"], REAL_SOURCES)["application_claims"]
    cost = claims[claims["metric"].isin(["cell_cost", "battery_price", "pack_cost", "cost_reduction"])]
    assert len(cost) > 0 and cost["technology_id"].notna().all()


@pytest.mark.parametrize(("name", "says"), [("technology_readiness", "Stages"), ("battery_cost_per_mile", "Units:"),
                                           ("feasible_technologies", "Units:"), ("technology_comparison", "Units:")])
def test_new_queries_name_their_units_or_vocabulary_in_the_header(name, says):
    header = "\n".join(line for line in load_named(name).sql.splitlines() if line.startswith("--"))
    assert says in header

"""The technology database: keys on every table, the curator's path with a made-up document,
and the bad inputs a curator can make (each a blocking error naming file, line and column)."""
from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.errors import SourceError
from pipelines.ingest.curate import curate
from pipelines.schemas.base import column_docs, foreign_keys
from pipelines.schemas.published_values import best_values, parse_published
from pipelines.schemas.registry import CURATED
from pipelines.settings import PROJECT_ROOT
from tests.helpers import changed_datasets_job

QUERIES = PROJECT_ROOT / "warehouse" / "queries"
TECHNOLOGY_TABLES = (
    "cell_claims", "safety", "technology_overview", "sodium_vs_lithium", "ssb_cost_projections",
    "modelled_cells", "battery_scenarios",
)

# A made-up datasheet: it lives only in this test, never in sources/.
DATASHEET = {
    "document_id": "acme_datasheet_2024",
    "title": "ACME NA-100 sodium-ion cell datasheet",
    "authors": "",
    "publisher": "ACME Cells",
    "publication_date": "2024-06",
    "kind": "company_datasheet",
    "report_number": "NA-100 rev B",
    "doi": "",
    "url": "https://example.org/acme-na100.pdf",
    "accessed": "2024-07-01",
    "licence": "",
    "note": "Invented for the curator's-path test.",
    "date_inferred": "false",
}
CLAIMS_HEADER = [
    "claim_id", "entity", "product_id", "developer", "organisation_id", "technology", "technology_id", "status",
    "evidence", "claim_date", "metric", "published_label", "published_text", "published_unit", "conditions",
    "document_id", "section", "source_table", "reference_ids", "note", "quote", "reference_scope",
]
CLAIMS = [
    ["acme_na100_grav", "ACME NA-100", "acme_na100", "ACME Cells", "acme", "sodium-ion", "sodium_ion", "commercial",
     "company_claim", "", "gravimetric_energy_density", "Energy density", "165", "Wh/kg", "",
     "acme_datasheet_2024", "p. 1", "Specifications", "", "", "Energy density: 165 Wh/kg", ""],
    ["acme_na100_cycles", "ACME NA-100", "acme_na100", "ACME Cells", "acme", "sodium-ion", "sodium_ion", "commercial",
     "company_claim", "2023", "cycle_life", "Cycle life", ">4000", "cycles", "",
     "acme_datasheet_2024", "p. 2", "", "", "tested in 2023", "Cycle life >4000 cycles (tested 2023)", ""],
]
ORGANISATION = {"organisation_id": "acme", "name": "ACME Cells", "kind": "company", "country": "", "note": ""}
PRODUCT = {"product_id": "acme_na100", "name": "ACME NA-100", "organisation_id": "acme", "technology_id": "sodium_ion",
           "cell_format": "", "note": ""}


def _build_changed(names: list[str]):
    """What the sources_changed sensor runs for these changed datasets: their downstream closure."""
    from dagster import DagsterInstance

    return changed_datasets_job(*names).execute_in_process(instance=DagsterInstance.ephemeral(), raise_on_error=False)


def _add_datasheet(sources: Path) -> None:
    _append_row(sources / "documents" / "documents.csv", DATASHEET)
    _append_row(sources / "organisations" / "organisations.csv", ORGANISATION)
    _append_row(sources / "products" / "products.csv", PRODUCT)


def _append_row(path: Path, row: dict) -> None:
    with path.open("a", encoding="utf-8", newline="") as handle:
        csv.DictWriter(handle, fieldnames=list(row), lineterminator="\n").writerow(row)


def _write_claims(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([CLAIMS_HEADER, *rows])


def test_every_technology_table_joins_the_taxonomy(built_warehouse):
    with duckdb.connect(str(built_warehouse.published_db), read_only=True) as con:
        for table in TECHNOLOGY_TABLES:
            orphans = con.execute(
                f"SELECT count(*) FROM curated.{table} t LEFT JOIN curated.technologies USING (technology_id) "
                "WHERE t.technology_id IS NULL OR technologies.label IS NULL"
            ).fetchone()[0]
            assert orphans == 0, table
        unknown_documents = con.execute(
            "SELECT count(*) FROM curated.cell_claims c ANTI JOIN curated.documents d USING (document_id)"
        ).fetchone()[0]
        assert unknown_documents == 0
        missing = con.execute(
            "SELECT count(*) FROM curated.cell_claims WHERE evidence IS NULL OR claim_date IS NULL "
            "OR (qualifier <> 'not_numeric' AND value_best IS NULL)"
        ).fetchone()[0]
        assert missing == 0


def test_every_published_number_names_a_document():
    for name, model in CURATED.items():
        columns = {d.name for d in column_docs(model)}
        if "published_text" in columns and "value" in columns:
            assert "document_id" in columns and foreign_keys(model)["document_id"] == ("documents", "document_id"), name


def test_value_best_follows_the_one_rule():
    printed = pd.Series(["532", "~3", ">400", "Up to 4", "200-700", "9±2", "N/a"])
    parsed = parse_published(printed)
    best = best_values(parsed["qualifier"], parsed["value"], parsed["value_min"], parsed["value_max"])
    midpoint = (parsed["value_min"] + parsed["value_max"]) / 2
    assert best["value_best"][4] == midpoint[4]
    assert best["value_best"][2] == parsed["value_min"][2] and best["value_best"][3] == parsed["value_max"][3]
    assert best["value_best"][[0, 1, 5]].tolist() == parsed["value"][[0, 1, 5]].tolist()
    assert pd.isna(best["value_best"][6])
    assert best["value_basis"].tolist() == [
        "point", "approximate_point", "lower_bound", "upper_bound", "midpoint_of_range", "central_value", "not_numeric",
    ]


def test_claim_conflicts_are_pairs_whose_intervals_do_not_overlap(built_warehouse):
    with duckdb.connect(str(built_warehouse.published_db), read_only=True) as con:
        pairs = con.execute("SELECT * FROM quality.claim_conflicts").df()
        claims = con.execute("SELECT claim_id, value_best FROM curated.cell_claims").df().set_index("claim_id")
    assert len(pairs) > 0
    assert (pairs["claim_id_a"] < pairs["claim_id_b"]).all()
    lo_b, hi_a = pairs["interval_min_b"].fillna(-float("inf")), pairs["interval_max_a"].fillna(float("inf"))
    lo_a, hi_b = pairs["interval_min_a"].fillna(-float("inf")), pairs["interval_max_b"].fillna(float("inf"))
    assert ((hi_a < lo_b) | (hi_b < lo_a)).all()
    assert (pairs["value_best_a"].to_numpy() == claims.loc[pairs["claim_id_a"], "value_best"].to_numpy()).all()


def test_sodium_ion_query_and_comparison(built_warehouse):
    sql = (QUERIES / "sodium_ion_claims.sql").read_text(encoding="utf-8")
    assert "ilike" not in sql.lower() and "string_split" not in sql.lower()
    with duckdb.connect(str(built_warehouse.published_db), read_only=True) as con:
        rows = con.execute(sql).df()
        family = con.execute(
            "SELECT count(*) FROM curated.cell_claims JOIN curated.technologies USING (technology_id) WHERE family = 'na_ion'"
        ).fetchone()[0]
        comparison = con.execute("SELECT * FROM analysis.technology_comparison").df()
        technologies = con.execute("SELECT count(*) FROM curated.technologies").fetchone()[0]
    assert len(rows) == family > 0
    assert rows["claim_date"].is_monotonic_decreasing
    assert len(comparison) == technologies
    highest = comparison.set_index("technology_id")["gravimetric_highest"].dropna()
    assert len(highest) > 0
    # organisation and conditions are in the answer
    assert {"organisation", "conditions"} <= set(rows.columns)
    claims_org = rows.dropna(subset=["organisation"])
    assert len(claims_org) > 0


def test_curator_adds_a_document_and_its_claims(published):
    workspace = published
    sql = "SELECT documents, gravimetric_documents FROM analysis.technology_comparison WHERE technology_id = 'sodium_ion'"
    with duckdb.connect(str(workspace.published_db), read_only=True) as con:
        before = con.execute(sql).fetchone()
    _add_datasheet(workspace.sources)
    _write_claims(workspace.sources / "cell_claims" / "acme_na100.csv", CLAIMS)
    result = _build_changed(["documents", "organisations", "products", "cell_claims"])
    assert result.success
    with duckdb.connect(str(workspace.published_db), read_only=True) as con:
        rows = con.execute((QUERIES / "sodium_ion_claims.sql").read_text(encoding="utf-8")).df()
        comparison = con.execute(sql).fetchone()
    ours = rows[rows["document_id"] == "acme_datasheet_2024"].set_index("claim_id")
    assert set(ours.index) == {"acme_na100_grav", "acme_na100_cycles"}
    # claim_date: the document's date unless the row gives its own
    assert str(ours.loc["acme_na100_grav", "claim_date"])[:10] == "2024-06-01"
    assert str(ours.loc["acme_na100_cycles", "claim_date"])[:10] == "2023-01-01"
    assert ours.loc["acme_na100_cycles", "value_basis"] == "lower_bound"
    # one more document behind sodium-ion and behind its Wh/kg, however many there were before
    assert comparison == (before[0] + 1, before[1] + 1)


@pytest.mark.parametrize(
    ("column", "bad", "rule"),
    [
        ("document_id", "no_such_document", "key not in curated.documents.document_id"),
        ("technology_id", "no_such_technology", "key not in curated.technologies.technology_id"),
        ("organisation_id", "no_such_organisation", "key not in curated.organisations.organisation_id"),
        ("evidence", "hearsay", "key not in curated.evidence_kinds.evidence"),
        ("claim_date", "2099-01", "claim_date_not_in_the_future"),
        ("claim_date", "last spring", "not a date"),
    ],
)
def test_bad_claim_is_blocking_and_located(workspace, column, bad, rule):
    _add_datasheet(workspace.sources)
    row = CLAIMS[0].copy()
    row[CLAIMS_HEADER.index(column)] = bad
    _write_claims(workspace.sources / "cell_claims" / "acme_na100.csv", [CLAIMS[1], row])
    with pytest.raises(SourceError) as error:
        _curate_claims(workspace.sources)
    message = str(error.value)
    assert f"sources/cell_claims/acme_na100.csv, line 3, column '{column}'" in message and rule in message


def _curate_claims(sources: Path):
    """The cell_claims asset's work (curate.py), with the curated parents it looks keys up in."""
    parents = {}
    for name in ("units", "metrics", "documents", "evidence_kinds", "technologies", "organisations", "products", "references"):
        parents[name], _ = curate(name, sources, parents.get("metrics"), parents.get("units"), parents)
    return curate("cell_claims", sources, parents["metrics"], parents["units"], parents)


def test_bad_reference_is_looked_up_within_its_document(sources_copy):
    """Reference 1 exists in the report's list, not in the datasheet's (which has none)."""
    _add_datasheet(sources_copy)
    row = CLAIMS[0].copy()
    row[CLAIMS_HEADER.index("reference_ids")] = "1"
    row[CLAIMS_HEADER.index("reference_scope")] = "sentence"
    _write_claims(sources_copy / "cell_claims" / "acme_na100.csv", [row])
    with pytest.raises(SourceError) as error:
        _curate_claims(sources_copy)
    message = str(error.value)
    assert "acme_na100.csv, line 2, column 'reference_ids'" in message and "of the row's document_id (got '1')" in message


def test_a_row_names_its_document_or_its_file_does(sources_copy):
    """technology_overview/dataset.yaml maps table3.csv to its document (`documents:`); a row's own
    document_id cell wins over the file's."""
    path = sources_copy / "technology_overview" / "table3.csv"
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    rows[0].append("document_id")
    rows[1].append("other_document")
    for row in rows[2:]:
        row.append("")
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    frame, dataset = curate("technology_overview", sources_copy)
    assert frame["document_id"].iloc[0] == "other_document"
    assert (frame["document_id"].iloc[1:] == dataset.metadata["documents"]["table3.csv"]).all()

    yaml_path = sources_copy / "technology_overview" / "dataset.yaml"
    yaml_path.write_text(yaml_path.read_text(encoding="utf-8") + "defaults:\n  no_such_column: x\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"dataset.yaml, column 'no_such_column': defaults names a column"):
        curate("technology_overview", sources_copy)


def test_an_unstated_document_is_a_blocking_error_never_the_report(sources_copy):
    """A claims file with an empty document_id cell and no `documents:` entry for its file is
    refused with file, line, column and what to do; a dataset-wide document default is refused."""
    _add_datasheet(sources_copy)
    row = CLAIMS[0].copy()
    row[CLAIMS_HEADER.index("document_id")] = ""
    _write_claims(sources_copy / "cell_claims" / "acme_na100.csv", [CLAIMS[1], row])
    with pytest.raises(SourceError) as error:
        _curate_claims(sources_copy)
    message = str(error.value)
    assert "acme_na100.csv, line 3, column 'document_id'" in message and "no document stated" in message
    assert "documents:" in message and "line 2" not in message

    meta = sources_copy / "cell_claims" / "dataset.yaml"
    meta.write_text(meta.read_text(encoding="utf-8") + "defaults:\n  document_id: burke_zhao_2025\n", encoding="utf-8")
    with pytest.raises(SourceError, match="never as a dataset-wide default"):
        _curate_claims(sources_copy)


def test_claim_references_hold_every_cited_id_once(built_warehouse):
    with duckdb.connect(str(built_warehouse.published_db), read_only=True) as con:
        printed = con.execute(
            "SELECT claim_id, reference_ids FROM curated.cell_claims WHERE reference_ids IS NOT NULL"
        ).df()
        bridge = con.execute(
            "SELECT cr.claim_id, cr.reference_id, r.title FROM curated.claim_references cr "
            "LEFT JOIN curated.references r USING (document_id, reference_id)"
        ).df()
    expected = {(c, int(i)) for c, ids in zip(printed["claim_id"], printed["reference_ids"]) for i in ids.split(";")}
    assert set(zip(bridge["claim_id"], bridge["reference_id"])) == expected
    assert len(bridge) == len(expected)


def _claims_frame(**changes) -> pd.DataFrame:
    """Two claims on one product and metric whose printed values cannot both hold."""
    base = {
        "claim_id": ["x_a", "x_b"], "document_id": ["doc_a", "doc_b"], "section": ["1", "1"], "source_table": [None, None],
        "product_id": ["p", "p"], "technology_id": ["t", "t"], "organisation_id": ["o", "o"], "metric": ["m", "m"],
        "unit": ["Wh/kg", "Wh/kg"], "published_text": ["300", "400"], "qualifier": ["exact", "exact"],
        "value": [300.0, 400.0], "value_min": [300.0, 400.0], "value_max": [300.0, 400.0], "value_best": [300.0, 400.0],
        "precision": [0.5, 0.5], "evidence": ["company_claim", "review_estimate"], "conditions": [None, None],
        "claim_date": pd.to_datetime(["2024-10-01", "2025-03-01"]), "source_file": ["f", "g"], "source_line": [2, 2],
        "basis": ["cell", "cell"], "sample_stage": ["b_sample", "unspecified"], "declared_or_measured": ["measured", "estimate"],
        "c_rate": [0.2, 0.2], "test_temperature": [25.0, 25.0],
    }
    base.update(changes)
    return pd.DataFrame(base)


DOCS = pd.DataFrame({"document_id": ["doc_a", "doc_b"], "publication_start": pd.to_datetime(["2024-10-23", "2025-03-01"])})


def test_conflicts_compare_like_with_like():
    """The like-with-like rule (compute/technology_db.comparable_conditions): a pair is kept only at
    the same basis and test conditions; unspecified meets only unspecified; the pair names both
    documents, their dates and why they may differ."""
    from pipelines.compute.technology_db import claim_conflicts

    pair = claim_conflicts(_claims_frame(), DOCS)
    assert len(pair) == 1 and pair["across_documents"].all()
    why = pair["why_they_may_differ"].iloc[0]
    assert "newer document" in why and "b_sample vs unspecified" in why and "measured vs estimate" in why
    assert str(pair["document_date_a"].iloc[0])[:10] == "2024-10-23"
    for changes in (
        {"basis": ["cell", "pack"]},
        {"basis": ["unspecified", "cell"]},
        {"c_rate": [0.2, None]},
        {"test_temperature": [25.0, 45.0]},
    ):
        assert claim_conflicts(_claims_frame(**changes), DOCS).empty, changes
    assert len(claim_conflicts(_claims_frame(basis=["unspecified", "unspecified"]), DOCS)) == 1


def test_unnamed_cells_of_one_organisation_are_not_compared():
    """Two cell-level claims of one organisation that name no product may be about two different
    cells (Li-S Energy's 2.5 Ah test cell of May 2024 and its 10 Ah cell of October 2024): the
    like-with-like rule keeps them apart. A technology-level figure (basis unspecified) and the
    literature's typical cell (no organisation) are still compared, and so is a named product."""
    from pipelines.compute.technology_db import claim_conflicts

    li_s = {
        "product_id": [None, None], "technology_id": ["lithium_sulfur", "lithium_sulfur"],
        "organisation_id": ["li_s_energy", "li_s_energy"], "metric": ["capacity", "capacity"], "unit": ["Ah", "Ah"],
        "published_text": ["2.5", "10"], "value": [2.5, 10.0], "value_min": [2.5, 10.0], "value_max": [2.5, 10.0],
        "value_best": [2.5, 10.0], "precision": [0.05, 0.5], "basis": ["cell", "cell"], "c_rate": [None, None],
        "test_temperature": [None, None],
    }
    assert claim_conflicts(_claims_frame(**li_s), DOCS).empty
    for module in ({"basis": ["module", "module"]}, {"basis": ["pack", "pack"]}):
        assert claim_conflicts(_claims_frame(**(li_s | module)), DOCS).empty, module
    for comparable in (
        {"basis": ["unspecified", "unspecified"]},  # the organisation's figure for its technology
        {"organisation_id": [None, None]},  # the literature's typical cell of a technology
        {"product_id": ["lis_10ah", "lis_10ah"]},  # one named product
    ):
        assert len(claim_conflicts(_claims_frame(**(li_s | comparable)), DOCS)) == 1, comparable


def test_published_conflicts_never_pair_different_bases(built_warehouse):
    with duckdb.connect(str(built_warehouse.published_db), read_only=True) as con:
        pairs = con.execute(
            "SELECT c.*, a.basis AS basis_a, b.basis AS basis_b FROM quality.claim_conflicts c "
            "JOIN curated.cell_claims a ON a.claim_id = c.claim_id_a JOIN curated.cell_claims b ON b.claim_id = c.claim_id_b"
        ).df()
    assert (pairs["basis_a"] == pairs["basis_b"]).all() and (pairs["basis"] == pairs["basis_a"]).all()
    assert pairs["why_they_may_differ"].str.len().gt(0).all()

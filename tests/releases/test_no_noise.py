"""No noise in the change feed (issue 22, "no noise"; issue 26): each sized subject draws from its
own random stream seeded from its key, so adding one product with its claims changes, in
meta.changes, only the rows of that product, its claims and what is computed from them (its
technology's cell values and packs), never another technology's Monte Carlo rows."""
from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import yaml

from tests.helpers import changed_datasets_job


def _rows(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _add_product(sources: Path) -> tuple[str, set[str], str]:
    """A new product of an existing technology, with a Wh/kg and a Wh/L claim (copies of an
    existing product's claim rows with new ids and numbers, so the files keep their columns):
    (product id, claim ids, technology id)."""
    header, products = _rows(sources / "products" / "products.csv")
    claims_file = sorted((sources / "cell_claims").glob("*.csv"))
    source_claims = [(p, r) for p in claims_file for r in _rows(p)[1] if r.get("product_id")]
    by_product: dict[str, dict[str, tuple[Path, dict]]] = {}
    for path, row in source_claims:
        by_product.setdefault(row["product_id"], {})[row["metric"]] = (path, row)
    wanted = ("gravimetric_energy_density", "volumetric_energy_density")
    template = next(p for p, metrics in sorted(by_product.items()) if all(m in metrics for m in wanted))
    product = next(r for r in products if r["product_id"] == template)
    new_id = "noise_test_cell"
    _write(sources / "products" / "products.csv", header,
           [*products, {**product, "product_id": new_id, "name": "Noise test cell"}])

    path, _ = by_product[template][wanted[0]]
    claim_header, _ = _rows(path)
    claim_header = claim_header if "document_id" in claim_header else [*claim_header, "document_id"]
    # the new file states its rows' document: the template's (its own cell, or its file's in dataset.yaml)
    stated = yaml.safe_load((sources / "cell_claims" / "dataset.yaml").read_text(encoding="utf-8")).get("documents", {})
    new_claims = []
    for metric, text in zip(wanted, ("333", "777")):
        template_path, row = by_product[template][metric]
        new_claims.append({**row, "claim_id": f"{new_id}_{metric}", "product_id": new_id, "published_text": text,
                           "reference_ids": "", "note": "", "entity": "Noise test cell",
                           "document_id": row.get("document_id") or stated[template_path.name]})
    _write(sources / "cell_claims" / "noise_test.csv", claim_header, new_claims)
    return new_id, {c["claim_id"] for c in new_claims}, product["technology_id"]


def test_adding_one_product_changes_only_its_rows(published):
    product, claims, technology = _add_product(published.sources)
    result = changed_datasets_job("cell_claims", "products").execute_in_process(
        instance=__import__("dagster").DagsterInstance.ephemeral(), raise_on_error=True
    )
    assert result.success
    with duckdb.connect(str(published.published_db), read_only=True) as con:
        latest = con.execute("SELECT release_id FROM meta.releases ORDER BY release_number DESC LIMIT 1").fetchone()[0]
        changes = con.execute("SELECT table_name, change, row_key, column_name FROM meta.changes WHERE release_id = ?",
                              [latest]).fetchall()
        sized = con.execute(
            "SELECT count(*) FROM sizing.technology_packs WHERE subject_id = ?", [product]
        ).fetchone()[0]
        # a density inferred from the family's sized members (sizing.technology_cells.inferred) is
        # computed from the new product too: those subjects' rows may move, no other
        inferring = {s for (s,) in con.execute(
            "SELECT DISTINCT c.subject_id FROM sizing.technology_cells c JOIN curated.technologies t USING (family) "
            "WHERE c.inferred AND t.technology_id = ?", [technology]).fetchall()}
    assert sized > 0, "the new product is sized"
    tables = {t for t, *_ in changes}
    assert {"curated.products", "curated.cell_claims", "sizing.technology_packs"} <= tables
    tokens = {product, technology, *claims, *inferring}
    # row keys are "column=value; ...": a row is the new product's when one of its key values is
    noise = [c for c in changes if not tokens & {part.split("=", 1)[-1] for part in c[2].split("; ")}]
    assert not noise, f"{len(noise)} changed rows name neither {product}, its claims nor its technology: {noise[:10]}"

"""Technology database assets: the claim -> reference bridge, conflicting claims (a rule over
curated.cell_claims) and the analyst-facing comparison, one row per technology, built by
pipelines/tables/technology_db.py."""
from __future__ import annotations

from pipelines.assets.computed import table_asset
from pipelines.tables.technology_db import claim_conflicts, claim_references, technology_comparison

technology_db_assets = [
    table_asset(claim_references),
    table_asset(claim_conflicts, metadata=lambda frame: {"conflicting_pairs": len(frame)}),
    table_asset(technology_comparison),
]

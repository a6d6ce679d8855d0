"""Technology database assets: the claim -> reference bridge, conflicting claims (a rule over
curated.cell_claims) and the analyst-facing comparison, one row per technology."""
from __future__ import annotations

from pipelines.assets.computed import computed_table_asset, upstream
from pipelines.compute.technology_db import claim_conflicts, claim_references, technology_comparison

claim_references_asset = computed_table_asset(
    "curated.claim_references", {"cell_claims": upstream("curated", "cell_claims")}, claim_references
)
claim_conflicts_asset = computed_table_asset(
    "quality.claim_conflicts",
    {"cell_claims": upstream("curated", "cell_claims")},
    claim_conflicts,
    extra_metadata=lambda frame: {"conflicting_pairs": len(frame)},
)
technology_comparison_asset = computed_table_asset(
    "analysis.technology_comparison",
    {
        "technologies": upstream("curated", "technologies"),
        "cell_claims": upstream("curated", "cell_claims"),
        "comparison_metrics": upstream("curated", "comparison_metrics"),
    },
    technology_comparison,
)
technology_db_assets = [claim_references_asset, claim_conflicts_asset, technology_comparison_asset]

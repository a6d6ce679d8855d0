"""Technology database tables: the claim -> reference bridge (curated.claim_references),
conflicting claims (quality.claim_conflicts) and the one-row-per-technology comparison
(analysis.technology_comparison), computed by pipelines/compute/technology_db.py."""
from __future__ import annotations

from pipelines.compute import technology_db
from pipelines.tables import table

claim_references = table("curated.claim_references")(technology_db.claim_references)
claim_conflicts = table("quality.claim_conflicts")(technology_db.claim_conflicts)
technology_comparison = table("analysis.technology_comparison")(technology_db.technology_comparison)

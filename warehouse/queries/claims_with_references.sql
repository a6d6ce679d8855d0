-- Every company and literature claim with its provenance: section, table, and the titles of the references it cites.
SELECT
    c.claim_id,
    c.entity,
    c.metric,
    c.published_text,
    c.published_unit,
    c.value,
    c.unit,
    c.conditions,
    c.evidence,
    c.document_id,
    c.section,
    c.source_table,
    string_agg(r.reference_id || ': ' || coalesce(r.title, r.published_text), ' | ' ORDER BY r.reference_id) AS references_cited
FROM curated.cell_claims AS c
LEFT JOIN curated.claim_references AS cr USING (claim_id)
LEFT JOIN curated.references AS r ON r.document_id = cr.document_id AND r.reference_id = cr.reference_id
GROUP BY ALL
ORDER BY c.section, c.claim_id;

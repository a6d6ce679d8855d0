-- All sodium-ion claims, newest first, with the organisation behind each, the conditions it was stated under, evidence and references
-- Units: `unit` is the canonical unit of value_best (curated.metrics); published_text is the number as printed.
SELECT c.claim_date, c.claim_id, c.entity, o.name AS organisation, t.label AS technology, c.metric, c.published_text, c.unit,
       c.value_best, c.value_basis, c.conditions, e.label AS evidence, c.document_id, c.section, c.source_table,
       list(r.authors || ' (' || r.year || ') ' || r.title ORDER BY r.reference_id) FILTER (WHERE r.reference_id IS NOT NULL) AS cited
FROM curated.cell_claims c
JOIN curated.technologies t USING (technology_id)
JOIN curated.evidence_kinds e USING (evidence)
LEFT JOIN curated.organisations o USING (organisation_id)
LEFT JOIN curated.claim_references cr USING (claim_id)
LEFT JOIN curated."references" r ON r.document_id = cr.document_id AND r.reference_id = cr.reference_id
WHERE t.family = 'na_ion'
GROUP BY ALL
ORDER BY c.claim_date DESC, c.claim_id

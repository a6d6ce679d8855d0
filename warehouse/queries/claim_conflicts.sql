-- Pairs of claims about the same product or technology, at the same basis and test conditions, that cannot both hold, with both documents, their dates and why they may differ
SELECT technology_id, product_id, metric, unit, basis,
       claim_id_a, published_text_a, document_id_a, document_date_a, section_a, evidence_a,
       claim_id_b, published_text_b, document_id_b, document_date_b, section_b, evidence_b,
       across_documents, why_they_may_differ, gap
FROM quality.claim_conflicts
ORDER BY technology_id, metric, claim_id_a

-- Pairs of claims about the same product or technology that cannot both hold, with both provenances
SELECT technology_id, product_id, metric, unit,
       claim_id_a, published_text_a, document_id_a, section_a, source_table_a, evidence_a,
       claim_id_b, published_text_b, document_id_b, section_b, source_table_b, evidence_b,
       gap
FROM quality.claim_conflicts
ORDER BY technology_id, metric, claim_id_a

-- Readiness of every technology and product: the highest stage a document states as reached (unknown where none does), the next stage forecast and when, with the document's words.
-- param: subject_type = all   technology, product, or all
-- Stages, least to most ready: theoretical, lab_cell, prototype, pilot_samples, early_production, commercial. Years are calendar years; qualifier reached = in that year, by = no later than, expected = forecast.
SELECT
    r.subject_type,
    r.subject_id,
    r.technology_id,
    r.stage,
    r.stage_year,
    r.stage_year_qualifier,
    r.next_stage,
    r.next_stage_year,
    r.next_stage_year_qualifier,
    r.evidence,
    r.document_id,
    r.section,
    r.quote,
    r.next_stage_quote,
    r.readiness_documents
FROM analysis.subject_readiness AS r
WHERE $subject_type = 'all' OR r.subject_type = $subject_type
ORDER BY r.subject_type DESC, r.subject_id;

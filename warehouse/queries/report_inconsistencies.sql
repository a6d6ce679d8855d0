-- The report's own inconsistencies: every printed value a consistency rule flags (kept as published).
SELECT
    table_name,
    rule,
    row_label,
    published_text,
    value,
    unit,
    source_file,
    source_line
FROM quality.source_findings
ORDER BY table_name, rule, row_label;

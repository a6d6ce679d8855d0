-- The report's own inconsistencies: every printed value a consistency rule flags (kept as published),
-- beside what the rule recomputes for it and how far apart they are (relative_deviation 0.05 = printed 5 % above).
SELECT
    table_name,
    rule,
    row_label,
    published_text,
    value,
    recomputed_value,
    relative_deviation,
    unit,
    explanation,
    source_file,
    source_line
FROM quality.source_findings
ORDER BY table_name, rule, row_label;

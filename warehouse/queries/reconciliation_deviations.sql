-- Every published number the computation does not reproduce, largest deviation first, with the curated explanation.
SELECT
    source_table,
    row_key,
    column_name,
    published_text,
    round(computed_value, 3) AS computed_value,
    unit,
    round(100 * rel_deviation, 1) AS deviation_pct,
    round(100 * tolerance, 1) AS tolerance_pct,
    note
FROM quality.reconciliation
WHERE status = 'deviates'
ORDER BY abs(rel_deviation) DESC;

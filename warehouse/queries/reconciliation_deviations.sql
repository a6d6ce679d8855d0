-- Every published number the computation does not reproduce, largest deviation first, with the curated explanation (a percent only where it is meaningful, else the reason).
SELECT
    source_table,
    row_key,
    column_name,
    published_text,
    round(computed_value, 3) AS computed_value,
    unit,
    round(100 * rel_deviation, 1) AS deviation_pct,
    deviation_note,
    round(100 * tolerance, 1) AS tolerance_pct,
    calibrated_parameter,
    round(calibrated_value, 3) AS calibrated_value,
    note
FROM quality.reconciliation
WHERE status = 'deviates'
ORDER BY abs(rel_deviation) DESC NULLS LAST, source_table, row_key, column_name;

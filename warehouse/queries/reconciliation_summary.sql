-- What the reconciliation found: per published table, how many numbers the computation reproduces, and how many agree only because an input was fitted to them.
SELECT
    source_table,
    count(*) AS published_numbers,
    count(*) FILTER (WHERE status = 'reproduced') AS reproduced,
    count(*) FILTER (WHERE status = 'calibrated') AS calibrated,
    count(*) FILTER (WHERE status = 'deviates') AS deviates,
    count(*) FILTER (WHERE status = 'deviates' AND note IS NOT NULL) AS deviations_explained,
    round(100.0 * count(*) FILTER (WHERE status = 'reproduced') / count(*), 1) AS reproduced_pct,
    round(100 * max(abs(rel_deviation)), 1) AS worst_deviation_pct,
    count(*) FILTER (WHERE rel_deviation IS NULL AND deviation_note IS NOT NULL) AS without_percent
FROM quality.reconciliation
GROUP BY source_table
ORDER BY source_table;

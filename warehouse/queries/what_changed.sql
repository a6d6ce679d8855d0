-- What changed in the releases of the last 7 days: per release and table, the rows added, removed and changed, and each changed value
SELECT r.release_id,
       r.published_at,
       c.table_name,
       coalesce(c.change, CASE WHEN r.previous_release_id IS NULL THEN 'first release' ELSE 'changes no longer kept' END) AS change,
       c.row_key,
       c.column_name,
       c.old_value,
       c.new_value,
       round(c.delta, 6) AS delta
FROM meta.releases AS r
LEFT JOIN meta.changes AS c USING (release_id)
WHERE r.published_at >= (now() AT TIME ZONE 'UTC') - INTERVAL 7 DAY  -- published_at is UTC
ORDER BY r.release_number DESC, c.table_name, c.row_key, c.column_name;

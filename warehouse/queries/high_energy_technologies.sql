-- Technologies at or above 400 Wh/kg and 1000 Wh/L (>=, both), and how mature each is: published claims, and modelled cells at their computed and their Table 7 values.
-- param: min_wh_per_kg = 400   gravimetric threshold, Wh/kg (inclusive)
-- param: min_wh_per_l = 1000   volumetric threshold, Wh/L (inclusive)
-- A claim counts with its stated value or, for "up to" / ranges, its upper bound; ">400" counts as 400 (see `basis`).
-- `value_source` says what wh_per_kg / wh_per_l are: a published claim, or the report's cell model as this
-- warehouse computes it (model.cell_performance); for modelled cells table7_* are the values the report prints.
-- A modelled cell is listed when its computed or its Table 7 values reach both thresholds. Rounded for display.
-- A missing figure never passes a threshold above 0, and never hides a row whose threshold is 0 or less: with
-- min_wh_per_l=0 a claim printing Wh/kg but no Wh/L (lithium-air, 685 Wh/kg) is listed with wh_per_l empty.
-- Units: wh_per_kg and table7_wh_per_kg Wh/kg, wh_per_l and table7_wh_per_l Wh/L.
WITH claims AS (
    SELECT
        entity,
        developer,
        technology,
        status,
        'published claim' AS value_source,
        max(coalesce(value, value_max)) FILTER (WHERE metric = 'gravimetric_energy_density') AS wh_per_kg,
        max(coalesce(value, value_max)) FILTER (WHERE metric = 'volumetric_energy_density') AS wh_per_l,
        CAST(NULL AS DOUBLE) AS table7_wh_per_kg,
        CAST(NULL AS DOUBLE) AS table7_wh_per_l,
        string_agg(DISTINCT qualifier, ', ') AS basis,
        string_agg(DISTINCT section, ', ') AS sections,
        string_agg(DISTINCT reference_ids, ';') AS reference_ids
    FROM curated.cell_claims
    WHERE metric IN ('gravimetric_energy_density', 'volumetric_energy_density')
    GROUP BY entity, developer, technology, status
),
modelled AS (
    SELECT
        m.table7_label AS entity,
        'report cell model' AS developer,
        m.family AS technology,
        'modelled' AS status,
        'computed (model.cell_performance)' AS value_source,
        p.gravimetric_energy_density AS wh_per_kg,
        p.volumetric_energy_density AS wh_per_l,
        p.published_gravimetric_energy_density AS table7_wh_per_kg,
        p.published_volumetric_energy_density AS table7_wh_per_l,
        'computed' AS basis,
        '4.1' AS sections,
        NULL AS reference_ids
    FROM model.cell_performance AS p
    JOIN curated.modelled_cells AS m USING (cell_id)
)
SELECT
    entity,
    developer,
    technology,
    status,
    value_source,
    round(wh_per_kg) AS wh_per_kg,
    round(wh_per_l) AS wh_per_l,
    round(table7_wh_per_kg) AS table7_wh_per_kg,
    round(table7_wh_per_l) AS table7_wh_per_l,
    basis,
    sections,
    reference_ids
FROM (SELECT * FROM claims UNION ALL SELECT * FROM modelled)
WHERE (coalesce(wh_per_kg >= CAST($min_wh_per_kg AS DOUBLE), CAST($min_wh_per_kg AS DOUBLE) <= 0)
       AND coalesce(wh_per_l >= CAST($min_wh_per_l AS DOUBLE), CAST($min_wh_per_l AS DOUBLE) <= 0)
       AND (wh_per_kg IS NOT NULL OR wh_per_l IS NOT NULL))
   OR (table7_wh_per_kg >= CAST($min_wh_per_kg AS DOUBLE) AND table7_wh_per_l >= CAST($min_wh_per_l AS DOUBLE))
ORDER BY
    CASE status
        WHEN 'commercial' THEN 1 WHEN 'early_production' THEN 2 WHEN 'under_development' THEN 3
        WHEN 'laboratory' THEN 4 WHEN 'literature' THEN 5 ELSE 6
    END,
    wh_per_kg DESC;

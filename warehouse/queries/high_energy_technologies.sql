-- Technologies at or above 400 Wh/kg and 1000 Wh/L, and how mature each is (published claims and modelled cells).
-- A claim counts with its stated value or, for "up to" / ranges, its upper bound; ">400" counts as 400 (see `basis`).
WITH claims AS (
    SELECT
        entity,
        developer,
        technology,
        status,
        max(coalesce(value, value_max)) FILTER (WHERE metric = 'gravimetric_energy_density') AS wh_per_kg,
        max(coalesce(value, value_max)) FILTER (WHERE metric = 'volumetric_energy_density') AS wh_per_l,
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
        'report cell model (computed)' AS developer,
        m.family AS technology,
        'modelled' AS status,
        p.gravimetric_energy_density AS wh_per_kg,
        p.volumetric_energy_density AS wh_per_l,
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
    round(wh_per_kg) AS wh_per_kg,
    round(wh_per_l) AS wh_per_l,
    basis,
    sections,
    reference_ids
FROM (SELECT * FROM claims UNION ALL SELECT * FROM modelled)
WHERE wh_per_kg >= 400 AND wh_per_l >= 1000
ORDER BY
    CASE status
        WHEN 'commercial' THEN 1 WHEN 'early_production' THEN 2 WHEN 'under_development' THEN 3
        WHEN 'laboratory' THEN 4 WHEN 'literature' THEN 5 ELSE 6
    END,
    wh_per_kg DESC;

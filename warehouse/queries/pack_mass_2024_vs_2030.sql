-- Pack mass, volume and cost per vehicle, current (2024) vs advanced (2030) batteries, beside Table 11 as published.
-- mass_/volume_/cost_ columns are computed (sizing.vehicle_packs), rounded for display; table11_ columns are the values the report prints.
WITH computed AS (
    SELECT vehicle_id, scenario_id, battery_energy, pack_mass, pack_volume, pack_cost_total, pack_specific_power
    FROM sizing.vehicle_packs
    WHERE scenario_id IN ('current_2024', 'advanced_2030')
),
published AS (
    SELECT
        vehicle_id,
        scenario_id,
        max(value) FILTER (WHERE metric = 'pack_mass') AS published_mass,
        max(value) FILTER (WHERE metric = 'pack_volume') AS published_volume,
        max(value) FILTER (WHERE metric = 'pack_cost_total') AS published_cost
    FROM curated.published_pack_results
    GROUP BY vehicle_id, scenario_id
)
SELECT
    n.display_name AS vehicle,
    round(c.battery_energy) AS battery_kwh,
    round(max(c.pack_mass) FILTER (WHERE c.scenario_id = 'current_2024')) AS mass_2024_kg,
    round(max(c.pack_mass) FILTER (WHERE c.scenario_id = 'advanced_2030')) AS mass_2030_kg,
    max(p.published_mass) FILTER (WHERE p.scenario_id = 'current_2024') AS table11_mass_2024_kg,
    max(p.published_mass) FILTER (WHERE p.scenario_id = 'advanced_2030') AS table11_mass_2030_kg,
    round(max(c.pack_volume) FILTER (WHERE c.scenario_id = 'current_2024')) AS volume_2024_l,
    round(max(c.pack_volume) FILTER (WHERE c.scenario_id = 'advanced_2030')) AS volume_2030_l,
    round(max(c.pack_cost_total) FILTER (WHERE c.scenario_id = 'current_2024')) AS cost_2024_usd,
    round(max(c.pack_cost_total) FILTER (WHERE c.scenario_id = 'advanced_2030')) AS cost_2030_usd,
    round(
        max(c.pack_mass) FILTER (WHERE c.scenario_id = 'current_2024')
        / max(c.pack_mass) FILTER (WHERE c.scenario_id = 'advanced_2030'), 2
    ) AS mass_ratio_2024_to_2030
FROM computed AS c
LEFT JOIN published AS p USING (vehicle_id, scenario_id)
JOIN (SELECT DISTINCT vehicle_id, display_name FROM curated.vehicle_requirements) AS n USING (vehicle_id)
GROUP BY n.display_name, c.battery_energy
ORDER BY c.battery_energy DESC;

-- Sodium-ion versus lithium-ion: the Table 4 ranges beside the sodium-ion cells modelled in Section 4.1 (computed, and as Table 7 prints them).
-- `origin` says which: 'Table 4' (published range), 'model (computed)' (model.cell_performance), 'Table 7 (published)'. Rounded for display.
SELECT 'Table 4' AS origin, chemistry, metric, published_text, value_min, value_max, unit
FROM curated.sodium_vs_lithium
WHERE metric IN ('gravimetric_energy_density', 'volumetric_energy_density', 'cycle_life', 'charge_time')
UNION ALL
SELECT 'model (computed)', cell_id, 'gravimetric_energy_density', NULL, round(gravimetric_energy_density), round(gravimetric_energy_density), 'Wh/kg'
FROM model.cell_performance WHERE cell_id LIKE 'sodium_ion%'
UNION ALL
SELECT 'model (computed)', cell_id, 'volumetric_energy_density', NULL, round(volumetric_energy_density), round(volumetric_energy_density), 'Wh/L'
FROM model.cell_performance WHERE cell_id LIKE 'sodium_ion%'
UNION ALL
SELECT 'Table 7 (published)', cell_id, 'gravimetric_energy_density', NULL, published_gravimetric_energy_density, published_gravimetric_energy_density, 'Wh/kg'
FROM model.cell_performance WHERE cell_id LIKE 'sodium_ion%'
UNION ALL
SELECT 'Table 7 (published)', cell_id, 'volumetric_energy_density', NULL, published_volumetric_energy_density, published_volumetric_energy_density, 'Wh/L'
FROM model.cell_performance WHERE cell_id LIKE 'sodium_ion%'
ORDER BY metric, origin, chemistry;

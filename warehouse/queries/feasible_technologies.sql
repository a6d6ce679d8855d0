-- Technologies (and products) that make each vehicle feasible, lightest first: the pack fits the vehicle's mass and volume limits (curated.pack_limits) in at least min_probability of the Monte Carlo samples.
-- param: vehicle = all   vehicle type (curated.vehicle_requirements.vehicle_id), or all
-- param: min_probability = 0.5   smallest share of samples within both limits (0 to 1)
-- Computed values of sizing.technology_packs, rounded for display; claim ids (from sizing.technology_cells) name the curated.cell_claims each cell value comes from.
SELECT
    p.vehicle_id,
    p.subject_type,
    p.subject_id,
    p.family,
    round(p.battery_energy) AS battery_kwh,
    round(p.pack_mass_p50) AS pack_mass_kg_p50,
    round(p.pack_mass_p5) AS pack_mass_kg_p5,
    round(p.pack_mass_p95) AS pack_mass_kg_p95,
    round(p.pack_volume_p50) AS pack_volume_l_p50,
    round(p.pack_cost_p50) AS pack_cost_usd_p50,
    p.max_pack_mass,
    p.max_pack_volume,
    p.limit_basis,
    round(p.feasible_probability, 3) AS feasible_probability,
    round(p.cell_gravimetric_energy_density) AS cell_wh_per_kg,
    round(p.cell_volumetric_energy_density) AS cell_wh_per_l,
    g.claim_ids AS gravimetric_claim_ids,
    v.claim_ids AS volumetric_claim_ids
FROM sizing.technology_packs AS p
JOIN sizing.technology_cells AS g
  ON g.subject_type = p.subject_type AND g.subject_id = p.subject_id AND g.property = 'cell_gravimetric_energy_density'
JOIN sizing.technology_cells AS v
  ON v.subject_type = p.subject_type AND v.subject_id = p.subject_id AND v.property = 'cell_volumetric_energy_density'
WHERE ($vehicle = 'all' OR p.vehicle_id = $vehicle)
  AND p.feasible_probability >= CAST($min_probability AS DOUBLE)
ORDER BY p.vehicle_id, p.pack_mass_p50, p.subject_type DESC, p.subject_id;

-- Technologies (and products) that make each vehicle feasible, lightest first: the pack fits the vehicle's mass and volume limits (curated.pack_limits) in at least min_probability of the Monte Carlo samples.
-- param: vehicle = all   vehicle type (curated.vehicle_requirements.vehicle_id), or all
-- param: min_probability = 0.5   smallest share of samples within both limits (0 to 1)
-- Computed values of sizing.technology_packs, rounded for display; claim ids name the curated.cell_claims each cell value comes from.
SELECT
    vehicle_id,
    subject_type,
    subject_id,
    family,
    round(battery_energy) AS battery_kwh,
    round(pack_mass_p50) AS pack_mass_kg_p50,
    round(pack_mass_p5) AS pack_mass_kg_p5,
    round(pack_mass_p95) AS pack_mass_kg_p95,
    round(pack_volume_p50) AS pack_volume_l_p50,
    round(pack_cost_p50) AS pack_cost_usd_p50,
    max_pack_mass,
    max_pack_volume,
    limit_basis,
    round(feasible_probability, 3) AS feasible_probability,
    round(cell_gravimetric_energy_density) AS cell_wh_per_kg,
    round(cell_volumetric_energy_density) AS cell_wh_per_l,
    gravimetric_claim_ids,
    volumetric_claim_ids
FROM sizing.technology_packs
WHERE ($vehicle = 'all' OR vehicle_id = $vehicle)
  AND feasible_probability >= CAST($min_probability AS DOUBLE)
ORDER BY vehicle_id, pack_mass_p50, subject_type DESC, subject_id;

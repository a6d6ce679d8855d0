-- Technologies (and products) whose pack fits each vehicle's mass and volume limits (curated.pack_limits) in at least min_probability of the Monte Carlo samples AND whose cells are available at the vehicle's required readiness stage by the scenario year; lightest first. Not-yet-available packs are listed only with available=false.
-- param: vehicle = all   vehicle type (curated.vehicle_requirements.vehicle_id), or all
-- param: min_probability = 0.5   smallest share of samples within both limits (0 to 1)
-- param: subject_type = all   technology (all claims of a technology), product (one named cell), or all
-- param: year = latest   scenario year (sizing.technology_feasibility.year), latest, or all
-- param: available = true   true: only subjects at the required stage by the year; false: only those not; all: both
-- Units: kg, L, USD, kWh, Wh/kg, Wh/L as in the column names; probabilities 0-1. Pack limits are an ASSUMPTION where limit_basis = assumption (see limit_note).
-- inferred_properties: a cell density not claimed but inferred from the family's sized technologies (sizing.technology_cells.inferred_basis).
-- How many subjects are not sized at all, and why: make query NAME=unsized_subjects. Readiness: make query NAME=technology_readiness.
WITH years AS (
    SELECT DISTINCT year FROM sizing.technology_feasibility
    WHERE CAST($year AS VARCHAR) = 'all'
       OR (CAST($year AS VARCHAR) = 'latest' AND year = (SELECT max(year) FROM sizing.technology_feasibility))
       OR CAST(year AS VARCHAR) = CAST($year AS VARCHAR)
)
SELECT
    p.vehicle_id,
    f.year,
    p.subject_type,
    p.subject_id,
    p.family,
    f.stage_by_year,
    f.required_stage,
    f.available,
    f.availability,
    round(p.feasible_probability, 3) AS feasible_probability,
    round(f.buildable_probability, 3) AS buildable_probability,
    round(p.battery_energy) AS battery_kwh,
    round(p.pack_mass_p50) AS pack_mass_kg_p50,
    round(p.pack_mass_p5) AS pack_mass_kg_p5,
    round(p.pack_mass_p95) AS pack_mass_kg_p95,
    round(p.pack_volume_p50) AS pack_volume_l_p50,
    round(p.pack_cost_p50) AS pack_cost_usd_p50,
    p.max_pack_mass AS max_pack_mass_kg,
    p.max_pack_volume AS max_pack_volume_l,
    p.limit_basis,
    l.note AS limit_note,
    round(p.cell_gravimetric_energy_density) AS cell_wh_per_kg,
    round(p.cell_volumetric_energy_density) AS cell_wh_per_l,
    p.inferred_properties,
    g.claim_ids AS gravimetric_claim_ids,
    v.claim_ids AS volumetric_claim_ids,
    (SELECT count(DISTINCT (subject_type, subject_id)) FROM sizing.technology_packs) AS subjects_sized,
    (SELECT count(*) FROM sizing.unsized_subjects) AS subjects_not_sized
FROM sizing.technology_packs AS p
JOIN sizing.technology_feasibility AS f
  ON f.vehicle_id = p.vehicle_id AND f.subject_type = p.subject_type AND f.subject_id = p.subject_id
JOIN years USING (year)
JOIN curated.pack_limits AS l ON l.vehicle_id = p.vehicle_id
JOIN sizing.technology_cells AS g
  ON g.subject_type = p.subject_type AND g.subject_id = p.subject_id AND g.property = 'cell_gravimetric_energy_density'
JOIN sizing.technology_cells AS v
  ON v.subject_type = p.subject_type AND v.subject_id = p.subject_id AND v.property = 'cell_volumetric_energy_density'
WHERE ($vehicle = 'all' OR p.vehicle_id = $vehicle)
  AND ($subject_type = 'all' OR p.subject_type = $subject_type)
  AND p.feasible_probability >= CAST($min_probability AS DOUBLE)
  AND ($available = 'all' OR CAST(f.available AS VARCHAR) = $available)
ORDER BY p.vehicle_id, f.year, p.pack_mass_p50, p.subject_type DESC, p.subject_id;

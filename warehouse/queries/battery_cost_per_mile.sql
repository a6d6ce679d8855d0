-- Battery cost of ownership per vehicle and sized technology or product, cheapest per mile first: pack cost, packs bought over the service life and battery cost per mile (Monte Carlo p5 / p50 / p95 over the pack sizing's draws), with the claims feeding cost and cycle life and their basis.
-- param: vehicle = all   vehicle type (curated.vehicle_requirements.vehicle_id), or all
-- param: subject_type = all   technology, product, or all
-- Units: *_usd USD, *_usd_per_mile USD/mile, kwh kWh, *_cycles cycles, service_life_years years, annual_miles miles. Service life, annual miles and depth of discharge are curated.ownership_assumptions (assumption_basis says which are assumptions).
-- No discounting, residual value or calendar ageing; cost_basis = scenario means no cost is claimed for the subject, its technology or its family and the baseline Table 10 cell cost is used. cycle_life_basis = assumption means no cycle-life claim covers the subject, its technology or its family: the claims of the families curated.cycle_life_fallbacks names for its technology feed it (cycle_life_claim_ids). A row with missing_inputs has no cost per mile and says why.
SELECT
    o.vehicle_id,
    o.subject_type,
    o.subject_id,
    o.family,
    r.stage AS readiness,
    round(o.battery_cost_per_mile_p50, 3) AS battery_cost_usd_per_mile_p50,
    round(o.battery_cost_per_mile_p5, 3) AS battery_cost_usd_per_mile_p5,
    round(o.battery_cost_per_mile_p95, 3) AS battery_cost_usd_per_mile_p95,
    round(o.pack_cost_p50) AS pack_cost_usd_p50,
    o.replacements_p50,
    round(o.lifetime_battery_cost_p50) AS lifetime_battery_cost_usd_p50,
    round(o.battery_energy) AS kwh,
    round(o.cycles_needed) AS cycles_needed,
    round(o.cycle_life_p50) AS cycle_life_cycles_p50,
    o.service_life AS service_life_years,
    o.annual_distance AS annual_miles,
    o.usable_depth_of_discharge,
    o.assumption_basis,
    o.cost_basis,
    o.cost_claim_ids,
    o.cycle_life_basis,
    o.cycle_life_claim_ids,
    o.missing_inputs
FROM sizing.battery_ownership AS o
LEFT JOIN analysis.subject_readiness AS r USING (subject_type, subject_id)
WHERE ($vehicle = 'all' OR o.vehicle_id = $vehicle)
  AND ($subject_type = 'all' OR o.subject_type = $subject_type)
ORDER BY o.vehicle_id, o.battery_cost_per_mile_p50 NULLS LAST, o.subject_type DESC, o.subject_id;

-- One row per technology, with or without claims: readiness (maturity) and, per headline, the highest and lowest value any claim prints, the typical value and the latest by claim date across documents, with the documents behind each figure.
-- Units: *_wh_per_kg Wh/kg, *_wh_per_l Wh/L, *_cycles cycles, *_usd_per_kwh USD/kWh (cell, pack or unspecified price: see the claims). "no claim" where the technology has none for that headline.
-- typical = median of the claims' value_best (a range counts as its midpoint, a bound as printed); latest = the claims of the most recent claim_date (their median when several share it). Stages: analysis.subject_readiness.
SELECT
    family,
    technology_id,
    label,
    maturity,
    maturity_year,
    next_stage,
    next_stage_year,
    claims,
    documents,
    CASE WHEN gravimetric_claims = 0 THEN 'no claim' ELSE gravimetric_highest_text END AS gravimetric_highest_printed,
    gravimetric_highest AS gravimetric_highest_wh_per_kg,
    gravimetric_highest_documents,
    gravimetric_lowest AS gravimetric_lowest_wh_per_kg,
    round(gravimetric_typical, 1) AS gravimetric_typical_wh_per_kg,
    round(gravimetric_latest, 1) AS gravimetric_latest_wh_per_kg,
    CAST(gravimetric_latest_date AS DATE) AS gravimetric_latest_date,
    gravimetric_latest_documents,
    CASE WHEN volumetric_claims = 0 THEN 'no claim' ELSE volumetric_highest_text END AS volumetric_highest_printed,
    volumetric_highest AS volumetric_highest_wh_per_l,
    volumetric_lowest AS volumetric_lowest_wh_per_l,
    round(volumetric_typical, 1) AS volumetric_typical_wh_per_l,
    round(volumetric_latest, 1) AS volumetric_latest_wh_per_l,
    CASE WHEN cycle_life_claims = 0 THEN 'no claim' ELSE cycle_life_highest_text END AS cycle_life_highest_printed,
    cycle_life_highest AS cycle_life_highest_cycles,
    cycle_life_lowest AS cycle_life_lowest_cycles,
    round(cycle_life_typical) AS cycle_life_typical_cycles,
    CASE WHEN cost_claims = 0 THEN 'no claim' ELSE cost_lowest_text END AS cost_lowest_printed,
    cost_lowest AS cost_lowest_usd_per_kwh,
    cost_highest AS cost_highest_usd_per_kwh,
    round(cost_typical, 1) AS cost_typical_usd_per_kwh,
    round(cost_latest, 1) AS cost_latest_usd_per_kwh,
    gravimetric_highest_claim_id,
    gravimetric_latest_claim_ids
FROM analysis.technology_comparison
ORDER BY family, gravimetric_highest DESC NULLS LAST, technology_id

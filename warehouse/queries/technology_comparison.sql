-- One row per technology: best and latest Wh/kg, Wh/L, cycle life and cost, with the claims behind them
SELECT family, technology_id, label, maturity, claims, documents,
       gravimetric_best, gravimetric_best_claim_id, gravimetric_latest, volumetric_best, cycle_life_best, cost_best
FROM analysis.technology_comparison
WHERE claims > 0
ORDER BY family, gravimetric_best DESC NULLS LAST

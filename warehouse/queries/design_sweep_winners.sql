-- Design sweep: which anode choices and cathode designs reach the design target (curated.analysis_settings), and how often.
-- Every number is computed by the cell model over the sampled designs (model.design_sweep); rounded for display.
SELECT
    anode_choice,
    count(*) AS designs,
    count(*) FILTER (WHERE reaches_design_target) AS reaching_target,
    round(100.0 * count(*) FILTER (WHERE reaches_design_target) / count(*), 1) AS reaching_pct,
    round(median(cathode_thickness) FILTER (WHERE reaches_design_target)) AS median_cathode_um_of_winners,
    round(max(gravimetric_energy_density)) AS best_wh_per_kg,
    round(max(volumetric_energy_density)) AS best_wh_per_l
FROM model.design_sweep
GROUP BY anode_choice
ORDER BY reaching_pct DESC;

-- Construction machines: operating hours with a battery scenario's cells at the same battery mass, and whether that covers the workday.
-- param: scenario = advanced_2030   battery scenario (sizing.machine_packs.scenario_id: a file scenario or an interpolated year)
-- Computed values, rounded for display (the stored table keeps full precision); published_* are Table 12 as printed.
SELECT
    machine_id,
    machine_type,
    scenario_id,
    energy_kwh AS published_kwh,
    operating_time_h AS published_hours,
    round(baseline_pack_mass) AS battery_mass_kg,
    round(energy_same_mass_kwh) AS kwh_at_same_mass,
    round(operating_hours_same_mass, 1) AS hours_at_same_mass,
    covers_workday,
    round(overnight_charge_kw, 1) AS overnight_charge_kw,
    overnight_charger_label,
    round(break_charge_kw) AS one_hour_break_charge_kw,
    coalesce(break_charger_label, 'none of the report''s classes') AS break_charger
FROM sizing.machine_packs
WHERE scenario_id = $scenario
ORDER BY covers_workday DESC, hours_at_same_mass DESC;

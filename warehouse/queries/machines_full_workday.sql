-- Construction machines: operating hours with a battery scenario's cells at the same battery mass, and whether that covers the workday.
-- param: scenario = advanced_2030   battery scenario (sizing.machine_packs.scenario_id: a file scenario or an interpolated year)
-- Computed values, rounded for display (the stored table keeps full precision); published_* are Table 12 as printed.
SELECT
    n.display_name AS machine,
    m.machine_type,
    m.scenario_id,
    m.battery_energy AS published_kwh,
    m.operating_time AS published_hours,
    round(m.baseline_pack_mass) AS battery_mass_kg,
    round(m.energy_same_mass) AS kwh_at_same_mass,
    round(m.operating_hours_same_mass, 1) AS hours_at_same_mass,
    m.covers_workday,
    round(m.overnight_charge_power, 1) AS overnight_charge_kw,
    m.overnight_charger_label,
    round(m.break_charge_power) AS one_hour_break_charge_kw,
    coalesce(m.break_charger_label, 'none of the report''s classes') AS break_charger
FROM sizing.machine_packs AS m
JOIN (SELECT DISTINCT machine_id, display_name FROM curated.construction_machines) AS n USING (machine_id)
WHERE m.scenario_id = $scenario
ORDER BY m.covers_workday DESC, hours_at_same_mass DESC;

-- Construction machines: operating hours with the advanced battery at the same battery mass, and whether that covers an 8-hour day.
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
WHERE scenario_id = 'advanced_2030'
ORDER BY covers_workday DESC, hours_at_same_mass DESC;

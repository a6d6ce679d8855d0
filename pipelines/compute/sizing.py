"""Battery pack, vehicle, construction-machine and fleet sizing (report Section 5).

Pure functions over numpy arrays and *wide* pandas frames (one column per metric, values in the
canonical units of the metric vocabulary). No I/O, no loops over rows: every computation is an
array expression, a pandas merge or a group-by.

How Table 11 follows from Tables 9 and 10 (the model every function below shares)
---------------------------------------------------------------------------------
    pack Wh/kg      = cell Wh/kg        / gravimetric cell-to-pack ratio
    pack Wh/L       = cell Wh/L         / volumetric cell-to-pack ratio
    pack $/kWh      = cell $/kWh        * pack cost factor
    pack mass  [kg] = energy [kWh] * 1000 / pack Wh/kg
    pack volume [L] = energy [kWh] * 1000 / pack Wh/L
    pack cost [$]   = energy [kWh] * pack $/kWh
    pack W/kg       = peak power [kW] * 1000 / pack mass

The report rounds the three pack-level intensities before dividing (208 and 417 Wh/kg, 324 and
821 Wh/L, 155 and 111 $/kWh); this module does not round, which moves no Table 11 number by
more than 0.3 %. The rows that differ by more are explained in
sources/reconciliation_notes/sizing.csv.

Input frames (wide)
-------------------
vehicles    vehicle_id, energy_needed [kWh]; optional energy_consumption [kWh/mile], range [miles]
scenarios   scenario_id, year, cell_gravimetric_energy_density [Wh/kg],
            cell_volumetric_energy_density [Wh/L], cell_cost [USD/kWh],
            gravimetric_cell_to_pack_ratio, volumetric_cell_to_pack_ratio, pack_cost_factor
            [ratios]; optional family (interpolation groups)
peak_power  vehicle_id, peak_power_kw [kW]
machines    machine_id, energy_storage [kWh], operating_time [h]; optional motor_power [kW],
            gross_weight [kg]
chargers    charger_id, label, power_kw [kW]; optional applicability as data:
            battery_kwh_min (inclusive), battery_kwh_max (exclusive) [kWh],
            charging_modes (';'-separated subset of overnight, work_break)
fleet       asset_type (vehicle|machine), asset_id, count, daily_miles [miles],
            daily_hours [h]; optional charging_window_h [h]
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from pipelines.schemas.vocabulary import SCENARIO_DISTRIBUTIONS, SCENARIO_METRICS, UNCERTAIN_METRICS

__all__ = [
    "SCENARIO_METRICS",
    "DEFAULT_SEED",
    "pack_sizing",
    "vehicle_packs",
    "interpolate_scenarios",
    "machine_packs",
    "fleet_summary",
    "monte_carlo_packs",
    "subject_stream",
    "wide_from_long",
]

DEFAULT_SEED = 20250301


# --------------------------------------------------------------------------- validation


def _require_columns(df: pd.DataFrame, columns: Iterable[str], name: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"{name} must be a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(
            f"{name} is missing required column(s): {', '.join(missing)} "
            f"(has: {', '.join(map(str, df.columns))})"
        )


def _require_unique(df: pd.DataFrame, key: str | list[str], name: str) -> None:
    dup = df.duplicated(key, keep=False)
    if dup.any():
        sub = df.loc[dup, key].drop_duplicates().head(5)
        shown = sub.to_dict("records") if isinstance(key, list) else sub.tolist()
        raise ValueError(f"{name} has duplicate {key}: {shown}")


def _as_float(values, name: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from None
    return arr


def _within(arr: np.ndarray, low: float, strict: bool) -> bool:
    """Every value finite and >= low (> low when strict), judged from the minimum and maximum
    alone (NaN makes both NaN): two passes over a large array, no temporary."""
    if arr.size == 0:
        return True
    lo, hi = float(np.min(arr)), float(np.max(arr))
    return (lo > low if strict else lo >= low) and hi < np.inf


def _check_finite(arr: np.ndarray, name: str) -> None:
    if not _within(arr, -np.inf, strict=True) and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf); got {arr[~np.isfinite(arr)][:5]}")


def _check_non_negative(arr: np.ndarray, name: str) -> None:
    if _within(arr, 0.0, strict=False):
        return
    _check_finite(arr, name)
    if np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0; got negative value(s) {arr[arr < 0][:5]}")


def _check_positive(arr: np.ndarray, name: str) -> None:
    if _within(arr, 0.0, strict=True):
        return
    _check_finite(arr, name)
    if np.any(arr <= 0):
        raise ValueError(f"{name} must be > 0; got {arr[arr <= 0][:5]}")


def _numeric_frame(df: pd.DataFrame, columns: Sequence[str], name: str) -> pd.DataFrame:
    out = df.copy()
    for c in columns:
        converted = pd.to_numeric(out[c], errors="coerce")
        bad = converted.isna() & out[c].notna()
        if bad.any():
            raise ValueError(f"{name}.{c} holds non-numeric value(s): {out.loc[bad, c].head(5).tolist()}")
        out[c] = converted.astype(float)
    return out


# --------------------------------------------------------------------------- core arithmetic


def pack_sizing(
    battery_energy,
    cell_wh_per_kg,
    cell_wh_per_l,
    cell_cost_usd_per_kwh,
    grav_ratio,
    vol_ratio,
    cost_factor,
    peak_power_kw=None,
) -> dict[str, np.ndarray]:
    """Size a battery pack from its energy and cell-level scenario figures (broadcasting arrays).

    Returns pack_gravimetric_energy_density [Wh/kg], pack_volumetric_energy_density [Wh/L], pack_mass [kg], pack_volume [L],
    pack_cost_total [USD], pack_cost [USD/kWh], pack_specific_power [W/kg] (NaN where
    no peak power is given). Raises ValueError for negative energy, non-positive densities or
    ratios, negative cost, or non-finite inputs.
    """
    e = _as_float(battery_energy, "battery_energy")
    gk = _as_float(cell_wh_per_kg, "cell_wh_per_kg")
    gl = _as_float(cell_wh_per_l, "cell_wh_per_l")
    c = _as_float(cell_cost_usd_per_kwh, "cell_cost_usd_per_kwh")
    rg = _as_float(grav_ratio, "grav_ratio")
    rv = _as_float(vol_ratio, "vol_ratio")
    cf = _as_float(cost_factor, "cost_factor")
    _check_non_negative(e, "battery_energy")
    _check_positive(gk, "cell_wh_per_kg")
    _check_positive(gl, "cell_wh_per_l")
    _check_non_negative(c, "cell_cost_usd_per_kwh")
    _check_positive(rg, "grav_ratio")
    _check_positive(rv, "vol_ratio")
    _check_positive(cf, "cost_factor")
    if peak_power_kw is None:
        p = np.full(np.shape(e), np.nan)
    else:
        p = _as_float(peak_power_kw, "peak_power_kw")
        if np.any(p[np.isfinite(p)] < 0):
            raise ValueError("peak_power_kw must be >= 0 (NaN allowed for unknown)")

    pack_gravimetric_energy_density = gk / rg
    pack_volumetric_energy_density = gl / rv
    pack_cost = c * cf
    pack_mass = e * 1000.0 / pack_gravimetric_energy_density
    pack_volume = e * 1000.0 / pack_volumetric_energy_density
    pack_cost_total = e * pack_cost
    shape = np.broadcast_shapes(e.shape, gk.shape, gl.shape, c.shape, rg.shape, rv.shape, cf.shape, p.shape)
    if peak_power_kw is None:  # no power given: NaN everywhere, without dividing by every mass
        pack_specific_power = np.full(shape, np.nan)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            pack_specific_power = np.where(pack_mass > 0, p * 1000.0 / pack_mass, np.nan)
    out = {
        "pack_gravimetric_energy_density": pack_gravimetric_energy_density,
        "pack_volumetric_energy_density": pack_volumetric_energy_density,
        "pack_mass": pack_mass,
        "pack_volume": pack_volume,
        "pack_cost_total": pack_cost_total,
        "pack_cost": pack_cost,
        "pack_specific_power": pack_specific_power,
    }
    # a result already of the full shape is a new array of its own: returned as it is, not copied
    return {k: v if v.shape == shape and v.dtype == float else np.broadcast_to(v, shape).astype(float) for k, v in out.items()}


def _validated_scenarios(scenarios: pd.DataFrame, name: str = "scenarios") -> pd.DataFrame:
    _require_columns(scenarios, ("scenario_id", "year", *SCENARIO_METRICS), name)
    _require_unique(scenarios, "scenario_id", name)
    return _numeric_frame(scenarios, ("year", *SCENARIO_METRICS), name)


def _size_frame(frame: pd.DataFrame, energy_col: str, peak_col: str | None = None) -> pd.DataFrame:
    """Apply pack_sizing to a frame that already holds energy and scenario columns."""
    sized = pack_sizing(
        frame[energy_col].to_numpy(float),
        frame["cell_gravimetric_energy_density"].to_numpy(float),
        frame["cell_volumetric_energy_density"].to_numpy(float),
        frame["cell_cost"].to_numpy(float),
        frame["gravimetric_cell_to_pack_ratio"].to_numpy(float),
        frame["volumetric_cell_to_pack_ratio"].to_numpy(float),
        frame["pack_cost_factor"].to_numpy(float),
        None if peak_col is None else frame[peak_col].to_numpy(float),
    )
    return frame.assign(**sized)


# --------------------------------------------------------------------------- vehicles


def vehicle_packs(vehicles: pd.DataFrame, scenarios: pd.DataFrame, peak_power: pd.DataFrame) -> pd.DataFrame:
    """Every vehicle x every scenario: pack intensities, mass, volume, cost and W/kg.

    battery_energy is Table 9's energy_needed; energy_from_consumption (consumption x range) is
    carried alongside as a check. Vehicles missing from `peak_power` get NaN specific power.
    """
    _require_columns(vehicles, ("vehicle_id", "energy_needed"), "vehicles")
    _require_unique(vehicles, "vehicle_id", "vehicles")
    _require_columns(peak_power, ("vehicle_id", "peak_power_kw"), "peak_power")
    _require_unique(peak_power, "vehicle_id", "peak_power")
    scen = _validated_scenarios(scenarios)
    numeric = [c for c in ("energy_needed", "energy_consumption", "range") if c in vehicles.columns]
    veh = _numeric_frame(vehicles, numeric, "vehicles")
    for c in ("energy_consumption", "range"):
        if c not in veh.columns:
            veh[c] = np.nan
    _check_non_negative(veh["energy_needed"].to_numpy(float), "vehicles.energy_needed")
    pp = _numeric_frame(peak_power[["vehicle_id", "peak_power_kw"]], ["peak_power_kw"], "peak_power")
    pp = pp.rename(columns={"peak_power_kw": "pack_peak_power"})  # curated column [kW] -> computed column

    veh = veh[["vehicle_id", "energy_consumption", "range", "energy_needed"]].rename(
        columns={"energy_needed": "battery_energy"}
    )
    veh["energy_from_consumption"] = veh["energy_consumption"] * veh["range"]
    veh = veh.merge(pp, on="vehicle_id", how="left")
    keep = ["scenario_id", "year", *SCENARIO_METRICS]
    frame = veh.merge(scen[keep], how="cross")
    out = _size_frame(frame, "battery_energy", "pack_peak_power")
    return out.sort_values(["vehicle_id", "year", "scenario_id"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- interpolation


def interpolate_scenarios(scenarios: pd.DataFrame, years, pair: tuple[str, str] | None = None) -> pd.DataFrame:
    """Linear interpolation of every numeric scenario metric between bracketing years.

    Scenarios are grouped by their `family` column; without one, only the two scenarios named
    by `pair` (e.g. the analysis settings' interpolation_from / interpolation_to) are used, as
    one default family. For each family and requested year the
    scenarios with the nearest year at or below and at or above are blended:
    value = (1 - w) * low + w * high with w = (year - year_low) / (year_high - year_low), so a
    requested year equal to a scenario year returns that scenario's values exactly. Years
    outside a family's span raise ValueError (no extrapolation). scenario_id is
    "interpolated_<year>" (default family) or "<family>_interpolated_<year>".
    """
    _require_columns(scenarios, ("scenario_id", "year"), "scenarios")
    _require_unique(scenarios, "scenario_id", "scenarios")
    yrs = np.atleast_1d(_as_float(years, "years"))
    _check_finite(yrs, "years")
    if yrs.size == 0:
        raise ValueError("years must hold at least one year")

    base = scenarios.copy()
    has_family = "family" in base.columns
    if not has_family:
        if pair is None:
            raise ValueError("scenarios has no `family` column: name the two scenarios to interpolate between (pair)")
        missing = set(pair) - set(base["scenario_id"])
        if missing:
            raise ValueError(
                "scenarios has no `family` column and lacks default scenario(s) "
                f"{sorted(missing)} to interpolate between"
            )
        base = base[base["scenario_id"].isin(pair)].assign(family="default")
    if base["family"].isna().any():
        raise ValueError("scenarios.family must not be empty")
    base["year"] = _numeric_frame(base[["year"]], ["year"], "scenarios")["year"]
    _check_finite(base["year"].to_numpy(float), "scenarios.year")
    _require_unique(base, ["family", "year"], "scenarios (family, year)")

    numeric_cols = [
        c
        for c in base.columns
        if c not in ("year", "family") and pd.api.types.is_numeric_dtype(base[c]) and not pd.api.types.is_bool_dtype(base[c])
    ]
    base = base.assign(_y=base["year"].astype(float)).sort_values("_y")
    families = pd.DataFrame({"family": base["family"].drop_duplicates().to_numpy()})
    req = families.merge(pd.DataFrame({"_y": np.unique(yrs)}), how="cross").sort_values("_y")

    cols = ["family", "_y", "scenario_id", *numeric_cols]
    lo = pd.merge_asof(req, base[cols].assign(_ylo=base["_y"]), on="_y", by="family", direction="backward")
    hi = pd.merge_asof(req, base[cols].assign(_yhi=base["_y"]), on="_y", by="family", direction="forward")
    outside = lo["_ylo"].isna().to_numpy() | hi["_yhi"].isna().to_numpy()
    if outside.any():
        bad = req.loc[outside, ["family", "_y"]].drop_duplicates().head(5).to_dict("records")
        raise ValueError(f"years outside the span of their scenario family (no extrapolation): {bad}")

    span = (hi["_yhi"] - lo["_ylo"]).to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(span > 0, (req["_y"].to_numpy(float) - lo["_ylo"].to_numpy(float)) / span, 0.0)
    blended = {c: (1.0 - w) * lo[c].to_numpy(float) + w * hi[c].to_numpy(float) for c in numeric_cols}

    year_txt = pd.Series(req["_y"].to_numpy(float)).map(lambda y: f"{y:g}")
    fam = req["family"].reset_index(drop=True)
    scenario_id = np.where(
        fam.eq("default") & (not has_family), "interpolated_" + year_txt, fam.astype(str) + "_interpolated_" + year_txt
    )
    out = pd.DataFrame(
        {
            "scenario_id": scenario_id,
            "family": fam.to_numpy(),
            "year": req["_y"].to_numpy(float),
            **blended,
            "interpolated_from_low": lo["scenario_id"].to_numpy(),
            "interpolated_from_high": hi["scenario_id"].to_numpy(),
            "interpolation_weight": w,
        }
    )
    return out.sort_values(["family", "year"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- construction machines


def _pick_charger(need: pd.DataFrame, chargers: pd.DataFrame, mode: str) -> pd.DataFrame:
    """Smallest applicable charger per row of `need` (columns _row, need_kw, battery_kwh)."""
    ch = chargers
    cand = need.merge(ch, how="cross")
    ok = cand["power_kw"].to_numpy(float) >= cand["need_kw"].to_numpy(float) * (1 - 1e-12)
    kwh = cand["battery_kwh"].to_numpy(float)
    ok &= cand["battery_kwh_min"].isna().to_numpy() | (kwh >= cand["battery_kwh_min"].to_numpy(float))
    ok &= cand["battery_kwh_max"].isna().to_numpy() | (kwh < cand["battery_kwh_max"].to_numpy(float))
    ok &= cand["charging_modes"].isna().to_numpy() | cand["charging_modes"].astype(str).str.contains(
        rf"(?:^|;)\s*{mode}\s*(?:;|$)", regex=True
    ).to_numpy()
    best = (
        cand[ok]
        .sort_values(["_row", "power_kw", "charger_id"], kind="stable")
        .drop_duplicates("_row")[["_row", "charger_id", "label"]]
    )
    return need[["_row"]].merge(best, on="_row", how="left")


def machine_packs(
    machines: pd.DataFrame,
    scenarios: pd.DataFrame,
    chargers: pd.DataFrame,
    *,
    workday_h: float,
    overnight_h: float,
    break_h: float,
    baseline_scenario: str,
) -> pd.DataFrame:
    """Every machine x every scenario.

    - pack_mass / pack_volume / pack_cost_total: a pack holding the machine's Table 12 kWh
      built with the scenario's cells; pack_specific_power = motor kW / that mass.
    - energy_same_mass: the kWh the scenario reaches in the SAME mass as the baseline
      scenario's pack (baseline_pack_mass); operating_hours_same_mass = that kWh divided by the
      machine's average power (Table 12 kWh / operating time); covers_workday compares it with
      workday_h.
    - overnight_charge_power / break_charge_power: energy_same_mass / overnight_h or / break_h,
      i.e. a full recharge of the pack the machine carries in that scenario; the smallest
      applicable charger class for each (NaN when none suffices).
    - workday_energy / workday_pack_mass / workday_pack_volume: the pack needed for a
      full workday at the average power.
    """
    _require_columns(machines, ("machine_id", "energy_storage", "operating_time"), "machines")
    _require_unique(machines, "machine_id", "machines")
    _require_columns(chargers, ("charger_id", "label", "power_kw"), "chargers")
    _require_unique(chargers, "charger_id", "chargers")
    scen = _validated_scenarios(scenarios)
    if baseline_scenario not in set(scen["scenario_id"]):
        raise ValueError(f"baseline scenario {baseline_scenario!r} is not in scenarios")
    for name, v in (("workday_h", workday_h), ("overnight_h", overnight_h), ("break_h", break_h)):
        _check_positive(np.atleast_1d(_as_float(v, name)), name)

    numeric = [c for c in ("energy_storage", "operating_time", "motor_power", "gross_weight") if c in machines.columns]
    mach = _numeric_frame(machines, numeric, "machines")
    _check_non_negative(mach["energy_storage"].to_numpy(float), "machines.energy_storage")
    _check_positive(mach["operating_time"].to_numpy(float), "machines.operating_time")
    if "motor_power" not in mach.columns:
        mach["motor_power"] = np.nan

    ch = chargers.copy()
    for c in ("battery_kwh_min", "battery_kwh_max", "charging_modes"):
        if c not in ch.columns:
            ch[c] = np.nan
    ch = _numeric_frame(ch, ["power_kw", "battery_kwh_min", "battery_kwh_max"], "chargers")
    _check_positive(ch["power_kw"].to_numpy(float), "chargers.power_kw")
    ch["charging_modes"] = ch["charging_modes"].replace("", np.nan)
    ch = ch[["charger_id", "label", "power_kw", "battery_kwh_min", "battery_kwh_max", "charging_modes"]]

    m = mach[["machine_id", "energy_storage", "operating_time", "motor_power"]].rename(
        columns={"energy_storage": "battery_energy"}
    )
    m["average_power"] = m["battery_energy"] / m["operating_time"]
    keep = ["scenario_id", "year", *SCENARIO_METRICS]
    frame = _size_frame(m.merge(scen[keep], how="cross"), "battery_energy", "motor_power")

    base = frame.loc[frame["scenario_id"].eq(baseline_scenario), ["machine_id", "pack_mass"]]
    frame = frame.merge(base.rename(columns={"pack_mass": "baseline_pack_mass"}), on="machine_id", how="left")
    frame["energy_same_mass"] = frame["baseline_pack_mass"] * frame["pack_gravimetric_energy_density"] / 1000.0
    frame["pack_volume_same_mass"] = frame["energy_same_mass"] * 1000.0 / frame["pack_volumetric_energy_density"]
    frame["pack_cost_same_mass"] = frame["energy_same_mass"] * frame["pack_cost"]
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["operating_hours_same_mass"] = np.where(
            frame["average_power"] > 0, frame["energy_same_mass"] / frame["average_power"], np.inf
        )
    frame["covers_workday"] = frame["operating_hours_same_mass"] >= float(workday_h) * (1 - 1e-12)
    frame["workday_energy"] = frame["average_power"] * float(workday_h)
    frame["workday_pack_mass"] = frame["workday_energy"] * 1000.0 / frame["pack_gravimetric_energy_density"]
    frame["workday_pack_volume"] = frame["workday_energy"] * 1000.0 / frame["pack_volumetric_energy_density"]
    frame["overnight_charge_power"] = frame["energy_same_mass"] / float(overnight_h)
    frame["break_charge_power"] = frame["energy_same_mass"] / float(break_h)

    frame = frame.reset_index(drop=True)
    frame["_row"] = np.arange(len(frame))
    for mode, col in (("overnight", "overnight"), ("work_break", "break")):
        need = frame[["_row"]].assign(
            need_kw=frame[f"{col}_charge_power"].to_numpy(float), battery_kwh=frame["energy_same_mass"].to_numpy(float)
        )
        pick = _pick_charger(need, ch, mode)
        frame[f"{col}_charger_id"] = pick["charger_id"].to_numpy()
        frame[f"{col}_charger_label"] = pick["label"].to_numpy()
    frame = frame.drop(columns="_row")
    return frame.sort_values(["machine_id", "year", "scenario_id"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- fleets


def fleet_summary(
    fleet: pd.DataFrame,
    vehicle_packs: pd.DataFrame,
    machine_packs: pd.DataFrame,
    charging_window_h: float | None = None,
    detail: bool = False,
) -> pd.DataFrame:
    """Totals per scenario for a depot fleet.

    Vehicles: daily energy = daily_miles x energy_consumption [kWh/mile]. Machines: daily
    energy = daily_hours x average power (Table 12 kWh / operating time). Battery totals use
    each asset's own pack (vehicles: Table 9 kWh; machines: Table 12 kWh) built with the
    scenario's cells. depot_charging_power = sum(count x daily energy / charging window), the
    constant power that returns the day's energy within the window. charging_window_h
    overrides the fleet's charging_window_h column; one of them is required.
    With detail=True the per-fleet-line rows are returned instead of the totals.
    """
    _require_columns(fleet, ("asset_type", "asset_id", "count"), "fleet")
    _require_unique(fleet, ["asset_type", "asset_id"], "fleet")
    fl = fleet.copy()
    bad_type = ~fl["asset_type"].isin(["vehicle", "machine"])
    if bad_type.any():
        raise ValueError(f"fleet.asset_type must be 'vehicle' or 'machine'; got {fl.loc[bad_type, 'asset_type'].unique().tolist()}")
    for c in ("daily_miles", "daily_hours", "charging_window_h"):
        if c not in fl.columns:
            fl[c] = np.nan
    fl = _numeric_frame(fl, ["count", "daily_miles", "daily_hours", "charging_window_h"], "fleet")
    _check_non_negative(fl["count"].to_numpy(float), "fleet.count")
    if charging_window_h is not None:
        _check_positive(np.atleast_1d(_as_float(charging_window_h, "charging_window_h")), "charging_window_h")
        fl["charging_window_h"] = float(charging_window_h)
    _check_positive(fl["charging_window_h"].to_numpy(float), "fleet.charging_window_h (or the charging_window_h argument)")
    is_veh = fl["asset_type"].eq("vehicle")
    need_miles = is_veh & fl["daily_miles"].isna()
    need_hours = ~is_veh & fl["daily_hours"].isna()
    if need_miles.any() or need_hours.any():
        raise ValueError(
            "fleet rows need daily_miles (vehicles) or daily_hours (machines): "
            f"{fl.loc[need_miles | need_hours, 'asset_id'].tolist()}"
        )
    _check_non_negative(fl.loc[is_veh, "daily_miles"].to_numpy(float), "fleet.daily_miles")
    _check_non_negative(fl.loc[~is_veh, "daily_hours"].to_numpy(float), "fleet.daily_hours")

    _require_columns(
        vehicle_packs,
        ("vehicle_id", "scenario_id", "battery_energy", "energy_consumption", "pack_mass", "pack_volume", "pack_cost_total"),
        "vehicle_packs",
    )
    _require_columns(
        machine_packs,
        ("machine_id", "scenario_id", "battery_energy", "average_power", "pack_mass", "pack_volume", "pack_cost_total"),
        "machine_packs",
    )
    cols = ["asset_id", "scenario_id", "battery_energy", "pack_mass", "pack_volume", "pack_cost_total"]
    vp = vehicle_packs.rename(columns={"vehicle_id": "asset_id"}).assign(
        asset_type="vehicle", _rate=vehicle_packs["energy_consumption"].astype(float)
    )[["asset_type", *cols, "_rate"]]
    mp = machine_packs.rename(columns={"machine_id": "asset_id"}).assign(
        asset_type="machine", _rate=machine_packs["average_power"].astype(float)
    )[["asset_type", *cols, "_rate"]]
    packs = pd.concat([vp, mp], ignore_index=True)

    lines = fl.merge(packs, on=["asset_type", "asset_id"], how="left", indicator=True)
    missing = lines.loc[lines["_merge"].eq("left_only"), ["asset_type", "asset_id"]]
    if len(missing):
        raise ValueError(f"fleet assets not found in vehicle_packs/machine_packs: {missing.drop_duplicates().to_dict('records')}")
    lines = lines.drop(columns="_merge")
    activity = np.where(lines["asset_type"].eq("vehicle"), lines["daily_miles"], lines["daily_hours"])
    lines["daily_energy_per_asset"] = activity * lines["_rate"]
    if lines["daily_energy_per_asset"].isna().any():
        bad = lines.loc[lines["daily_energy_per_asset"].isna(), "asset_id"].unique().tolist()
        raise ValueError(f"no energy consumption / average power for fleet asset(s): {bad}")
    n = lines["count"]
    lines["total_battery_energy"] = n * lines["battery_energy"]
    lines["total_pack_mass"] = n * lines["pack_mass"]
    lines["total_pack_volume"] = n * lines["pack_volume"]
    lines["total_pack_cost"] = n * lines["pack_cost_total"]
    lines["daily_energy"] = n * lines["daily_energy_per_asset"]
    lines["depot_charging_power"] = lines["daily_energy"] / lines["charging_window_h"]
    lines["assets_exceeding_pack"] = np.where(lines["daily_energy_per_asset"] > lines["battery_energy"], n, 0.0)
    lines = lines.drop(columns="_rate")
    if detail:
        return lines.sort_values(["scenario_id", "asset_type", "asset_id"], kind="stable").reset_index(drop=True)

    sums = ["count", "total_battery_energy", "total_pack_mass", "total_pack_volume", "total_pack_cost", "daily_energy", "depot_charging_power", "assets_exceeding_pack"]
    out = lines.groupby("scenario_id", as_index=False, sort=True)[sums].sum()
    return out.rename(columns={"count": "asset_count"})


# --------------------------------------------------------------------------- Monte Carlo


def _validated_ranges(ranges: pd.DataFrame) -> pd.DataFrame:
    _require_columns(ranges, ("scenario_id", "metric", "low", "mode", "high", "distribution"), "scenario_ranges")
    _require_unique(ranges, ["scenario_id", "metric"], "scenario_ranges")
    r = _numeric_frame(ranges, ["low", "mode", "high"], "scenario_ranges")
    unknown = ~r["metric"].isin(SCENARIO_METRICS)
    if unknown.any():
        raise ValueError(f"scenario_ranges.metric not a scenario metric: {r.loc[unknown, 'metric'].unique().tolist()}")
    dist = r["distribution"].astype(str).str.strip().str.lower()
    if (~dist.isin(SCENARIO_DISTRIBUTIONS)).any():
        raise ValueError(f"scenario_ranges.distribution must be one of {SCENARIO_DISTRIBUTIONS}; got {dist[~dist.isin(SCENARIO_DISTRIBUTIONS)].unique().tolist()}")
    r["distribution"] = dist
    # a fixed row may give only `mode`; a uniform row needs only low/high
    r["low"] = r["low"].where(r["low"].notna() | dist.ne("fixed"), r["mode"])
    r["high"] = r["high"].where(r["high"].notna() | dist.ne("fixed"), r["mode"])
    r["mode"] = r["mode"].where(r["mode"].notna() | dist.ne("uniform"), (r["low"] + r["high"]) / 2)
    for c in ("low", "mode", "high"):
        _check_finite(r[c].to_numpy(float), f"scenario_ranges.{c}")
    order_bad = (r["low"] > r["mode"]) | (r["mode"] > r["high"])
    if order_bad.any():
        raise ValueError(f"scenario_ranges needs low <= mode <= high: {r.loc[order_bad, ['scenario_id', 'metric']].to_dict('records')}")
    positive_needed = r["metric"].ne("cell_cost") & (r["low"] <= 0)
    if positive_needed.any() or (r["low"] < 0).any():
        raise ValueError("scenario_ranges: densities and ratios must be > 0 and costs >= 0")
    return r


def _inverse_cdf(u: np.ndarray, low: np.ndarray, mode: np.ndarray, high: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """Vectorised inverse CDF for triangular / uniform / fixed rows (row parameters are (k, 1))."""
    span = high - low
    with np.errstate(divide="ignore", invalid="ignore"):
        fc = np.where(span > 0, (mode - low) / span, 0.0)
        tri = np.where(
            u < fc,
            low + np.sqrt(u * span * (mode - low)),
            high - np.sqrt((1.0 - u) * span * (high - mode)),
        )
    uni = low + u * span
    return np.where(dist == "triangular", tri, np.where(dist == "uniform", uni, mode + 0.0 * u))


def subject_stream(seed: int, *key: str) -> np.random.Generator:
    """The random stream of one sized subject (a scenario's metric, a technology's or product's
    cell property): a numpy Generator seeded from the run's seed (sources/analysis_settings/
    monte_carlo_seed) and a stable hash of the subject's key. Each subject draws only from its
    own stream, so adding, removing or reordering other subjects leaves its samples, and the
    rows computed from them, bit for bit unchanged: a new product changes only its own rows."""
    digest = hashlib.sha256("\0".join(key).encode("utf-8")).digest()
    words = np.frombuffer(digest[:16], dtype="<u4").tolist()
    return np.random.default_rng(np.random.SeedSequence([int(seed), *words]))


# Samples held at once by monte_carlo_packs and technology_packs.size_subjects (about 80 MB of
# float64 per block).
MC_BLOCK_VALUES = 10_000_000


def sorted_quantiles(ordered: np.ndarray, q) -> np.ndarray:
    """np.quantile(samples, q, axis=-1) (its default linear method), bit for bit for finite
    samples, from `ordered` = np.sort(samples, axis=-1), or the samples partitioned at
    quantile_positions (only those positions are read): shape (len(q), ...). The same order
    statistics and numpy's own interpolation (a + (b - a) g, or b - (b - a)(1 - g) when g >= 0.5);
    a row holding NaN (sorted last) gives NaN, as numpy does."""
    q = np.asarray(q, dtype=float)
    n = ordered.shape[-1]
    virtual = (n - 1) * q
    below = np.floor(virtual)
    top = virtual >= n - 1
    below[top] = -1
    below = below.astype(np.intp)
    above = np.where(top, -1, below + 1)
    gamma = (virtual - below).reshape(q.shape + (1,) * (ordered.ndim - 1))
    a, b = np.moveaxis(ordered[..., below], -1, 0), np.moveaxis(ordered[..., above], -1, 0)
    diff = b - a
    out = a + diff * gamma
    np.subtract(b, diff * (1 - gamma), out=out, where=np.broadcast_to(gamma >= 0.5, out.shape))
    last = ordered[..., -1]
    np.copyto(out, np.broadcast_to(last, out.shape), where=np.broadcast_to(np.isnan(last), out.shape))
    return out


def quantile_positions(n: int, q) -> np.ndarray:
    """The positions (ascending, distinct) of the order statistics sorted_quantiles reads from n
    samples for the levels q: the two around each level, and the last (a NaN, sorted last, makes
    the quantiles NaN)."""
    virtual = (n - 1) * np.asarray(q, dtype=float)
    below = np.floor(virtual).astype(np.intp)
    return np.unique(np.concatenate([below, np.minimum(below + 1, n - 1), [n - 1]]))


def sample_quantiles(samples: np.ndarray, q, overwrite: bool = False) -> np.ndarray:
    """np.quantile(samples, q, axis=-1), bit for bit, from the order statistics it reads alone:
    each row partitioned at quantile_positions (numpy's introselect, NaN last as in a sort) and
    read by sorted_quantiles; about twice as fast as a full sort of each row at 40,000 samples.
    (A row holding both -0.0 and 0.0 may give either zero where they meet, as a sort may.) With
    overwrite=True the samples are partitioned in place (their order is changed, no copy of a
    large array is made)."""
    n = samples.shape[-1]
    if n == 0:
        return sorted_quantiles(samples, q)
    if not overwrite:
        samples = samples.copy()
    samples.partition(quantile_positions(n, q), axis=-1)
    return sorted_quantiles(samples, q)


def monte_carlo_packs(
    vehicles: pd.DataFrame,
    scenario_ranges: pd.DataFrame,
    n_samples: int = 100_000,
    seed: int = DEFAULT_SEED,
    scenarios: pd.DataFrame | None = None,
    quantiles: Sequence[float] = (0.05, 0.5, 0.95),
) -> pd.DataFrame:
    """p5 / p50 / p95 (and mean) of pack mass, volume and cost per vehicle x scenario.

    Each row of `scenario_ranges` (scenario_id, metric, low, mode, high, distribution in
    triangular | uniform | fixed) is sampled independently, n_samples draws, from its own
    stream (`subject_stream(seed, scenario_id, metric)`), so the result depends neither on
    the file's row order nor on the other rows: adding a scenario moves no other scenario. Metrics without a range are held at their
    value in `scenarios` (wide); without `scenarios` every scenario in the ranges must range
    (or fix) all six metrics. The scenario draws are shared by the vehicles of that scenario
    (common random numbers), so each vehicle x scenario pair gets n_samples samples.
    """
    _require_columns(vehicles, ("vehicle_id", "energy_needed"), "vehicles")
    _require_unique(vehicles, "vehicle_id", "vehicles")
    veh = _numeric_frame(vehicles, ["energy_needed"], "vehicles")
    energy = veh["energy_needed"].to_numpy(float)
    _check_non_negative(energy, "vehicles.energy_needed")
    n_samples = int(n_samples)
    if n_samples < 1:
        raise ValueError("n_samples must be >= 1")
    q = _as_float(quantiles, "quantiles")
    if np.any((q < 0) | (q > 1)):
        raise ValueError("quantiles must lie in [0, 1]")
    rng_rows = _validated_ranges(scenario_ranges).sort_values(["scenario_id", "metric"], kind="stable")

    if scenarios is not None:
        scen = _validated_scenarios(scenarios)
        unknown = set(rng_rows["scenario_id"]) - set(scen["scenario_id"])
        if unknown:
            raise ValueError(f"scenario_ranges names scenario(s) missing from scenarios: {sorted(unknown)}")
        scen = scen.sort_values("scenario_id", kind="stable").reset_index(drop=True)
        ids = scen["scenario_id"].to_numpy()
        base = scen[list(SCENARIO_METRICS)].to_numpy(float)
    else:
        ids = np.sort(rng_rows["scenario_id"].unique())
        counts = rng_rows.groupby("scenario_id")["metric"].nunique()
        short = counts[counts < len(SCENARIO_METRICS)]
        if len(short):
            raise ValueError(
                "without `scenarios`, scenario_ranges must give all six metrics for "
                f"{short.index.tolist()} (use distribution 'fixed' for constants)"
            )
        base = np.full((len(ids), len(SCENARIO_METRICS)), np.nan)

    s_idx = pd.Index(ids).get_indexer(rng_rows["scenario_id"])
    m_idx = pd.Index(SCENARIO_METRICS).get_indexer(rng_rows["metric"])
    params = np.broadcast_to(base[:, :, None], (len(ids), len(SCENARIO_METRICS), n_samples)).copy()
    # one stream per ranged input (a handful of rows of sources/scenario_uncertainty/)
    u = np.empty((len(rng_rows), n_samples))
    for i, (scenario_id, metric) in enumerate(zip(rng_rows["scenario_id"], rng_rows["metric"])):
        subject_stream(seed, "scenario", str(scenario_id), str(metric)).random(n_samples, out=u[i])
    col = lambda c: rng_rows[c].to_numpy()[:, None]  # noqa: E731
    params[s_idx, m_idx, :] = _inverse_cdf(u, col("low").astype(float), col("mode").astype(float), col("high").astype(float), col("distribution"))

    gk, gl, cost, rg, rv, cf = (params[:, i, :] for i in range(len(SCENARIO_METRICS)))
    samples = {
        "pack_mass": lambda e: e * 1000.0 * (rg / gk)[None],
        "pack_volume": lambda e: e * 1000.0 * (rv / gl)[None],
        "pack_cost_total": lambda e: e * (cost * cf)[None],
    }
    n_v, n_s = len(veh), len(ids)
    # A vehicle's samples depend on its energy alone: the statistics are computed once per
    # distinct energy (bit for bit: -0.0 and 0.0 apart) and given to every vehicle that has it.
    _, first, of_vehicle = np.unique(np.ascontiguousarray(energy).view(np.uint64), return_index=True, return_inverse=True)
    distinct = energy[first]
    # energies x scenarios x samples, a block of energies at a time: memory stays bounded
    # however many there are (each pair's statistics are computed on its own row)
    block = max(1, MC_BLOCK_VALUES // max(1, n_s * n_samples))
    pieces = []
    for metric, sample in samples.items():  # three metrics, not rows
        quantile_parts, mean_parts = [], []
        for start in range(0, len(distinct), block):
            arr = sample(distinct[start : start + block, None, None])
            mean_parts.append(arr.mean(axis=-1))
            quantile_parts.append(sample_quantiles(arr, q, overwrite=True))  # (len(q), block, n_s)
        qs = np.concatenate(quantile_parts, axis=1)[:, of_vehicle] if quantile_parts else np.empty((len(q), 0, n_s))
        mean = np.concatenate(mean_parts, axis=0)[of_vehicle] if mean_parts else np.empty((0, n_s))
        frame = pd.DataFrame(
            {
                "vehicle_id": np.repeat(veh["vehicle_id"].to_numpy(), n_s),
                "scenario_id": np.tile(ids, n_v),
                "metric": metric,
                "unit": UNCERTAIN_METRICS[metric],
                "mean": mean.ravel(),
                "n_samples": n_samples,
                "seed": seed,
            }
        )
        for qi, qq in enumerate(q):
            frame[f"p{qq * 100:g}"] = qs[qi].ravel()
        pieces.append(frame)
    out = pd.concat(pieces, ignore_index=True)
    lead = ["vehicle_id", "scenario_id", "metric", "unit"] + [f"p{qq * 100:g}" for qq in q]
    out = out[lead + ["mean", "n_samples", "seed"]]
    return out.sort_values(["vehicle_id", "scenario_id", "metric"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- helpers


def wide_from_long(
    long: pd.DataFrame,
    index: str | list[str],
    metric_col: str = "metric",
    value_col: str = "value",
) -> pd.DataFrame:
    """Pivot a parsed long table (one row per number) into the wide frames used above.

    Duplicate (index, metric) pairs raise ValueError rather than being silently aggregated.
    """
    keys = [index] if isinstance(index, str) else list(index)
    _require_columns(long, [*keys, metric_col, value_col], "long")
    _require_unique(long, [*keys, metric_col], "long")
    wide = long.pivot(index=keys, columns=metric_col, values=value_col)
    wide.columns.name = None
    return wide.reset_index()

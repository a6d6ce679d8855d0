"""Column lineage of every computed table: for each column, the columns it is computed from.

This is the one place lineage is declared, next to the table functions (pipelines/tables/):
the Dagster assets emit it as `dagster/column_lineage` (pipelines/assets/table_metadata.py) and
the publish step writes it into the warehouse as meta.column_lineage (one row per column and
upstream column, so SQL can walk it with a recursive query). How a column is made:

- copied:   the same value under the same name, from an upstream table's column;
- renamed:  the same value under another name;
- computed: a formula over the upstream columns. The formula is the column's description in its
  pandera model (one truth: the description already states it, "energy / pack Wh/kg") unless a
  declaration gives a more precise one.

An upstream column of the same table is written bare ("battery_energy"); of another table as
"<schema>.<table>.<column>". Curated tables are long (one row per metric or parameter): `rows`
says which of their rows feed the column ("metric = 'energy_needed'").

The cell model's equations are not transcribed here: their lineage is read from the code of
pipelines/compute/cell_model.py (`_model` and `_CONVERTED`), so a changed equation changes it.
tests/pipeline/test_column_lineage.py fails when a computed table has a column without lineage
or a lineage names a column that does not exist.
"""
from __future__ import annotations

import ast
import functools
import inspect
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass

from pipelines.compute import cell_model
from pipelines.schemas.base import column_docs
from pipelines.schemas.computed.model import PUBLISHED_OUTPUTS, SWEEP_OUTPUTS
from pipelines.schemas.registry import COMPUTED, all_tables
from pipelines.schemas.vocabulary import CELL_PROPERTIES, CONFLICT_SIDE, HEADLINES, PACK_RATIOS, SCENARIO_METRICS

COPIED, RENAMED, COMPUTED_HOW = "copied", "renamed", "computed"
HOW = (COPIED, RENAMED, COMPUTED_HOW)


@dataclass(frozen=True)
class Upstream:
    table: str  # "<schema>.<table>"; "" for a column of the table itself until resolved
    column: str
    rows: str | None = None  # which rows of a long table feed the column


@dataclass(frozen=True)
class Lineage:
    how: str
    upstream: tuple[Upstream, ...]
    formula: str | None = None  # None: the column's description in its pandera model


def _ref(ref: str | Upstream, rows: str | None) -> Upstream:
    if isinstance(ref, Upstream):
        return ref
    parts = ref.split(".")
    if len(parts) == 1:
        return Upstream("", ref, rows)
    return Upstream(".".join(parts[:2]), parts[2], rows)


def copied(table: str, column: str | None = None, rows: str | None = None) -> Lineage:
    """The same value under the same name (`column` None: the column's own name, filled in later)."""
    return Lineage(COPIED, (Upstream(table, column or "", rows),))


def renamed(ref: str, rows: str | None = None) -> Lineage:
    return Lineage(RENAMED, (_ref(ref, rows),))


def computed(*refs: str | Upstream, rows: str | None = None, formula: str | None = None) -> Lineage:
    return Lineage(COMPUTED_HOW, tuple(_ref(r, rows) for r in refs), formula)


def point(table: str, rows: str) -> tuple[Upstream, ...]:
    """A printed number read as one value: `value`, else the middle of `value_min`-`value_max`."""
    return tuple(Upstream(table, c, rows) for c in ("value", "value_min", "value_max"))


def metric_rows(*metrics: str, column: str = "metric") -> str:
    listed = ", ".join(f"'{m}'" for m in metrics)
    return f"{column} = {listed}" if len(metrics) == 1 else f"{column} IN ({listed})"


def setting(name: str) -> Upstream:
    return Upstream("curated.analysis_settings", "value", f"setting = '{name}'")


# --------------------------------------------------------------------------- the cell model, from its code


@functools.cache
def _equations() -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """name -> (local names, model inputs x[...]) each value of cell_model._model and each
    output of cell_model._CONVERTED is computed from, read from the source."""
    def names_in(node: ast.AST, variable: str) -> tuple[set[str], set[str]]:
        local, inputs = set(), set()
        for sub in ast.walk(node):
            if isinstance(sub, ast.Subscript) and isinstance(sub.value, ast.Name) and isinstance(sub.slice, ast.Constant):
                (inputs if sub.value.id == variable else local).add(sub.slice.value)
            elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
                local.add(sub.id)
        return local, inputs

    equations: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
    body = ast.parse(textwrap.dedent(inspect.getsource(cell_model._model)))
    for node in ast.walk(body):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            local, inputs = names_in(node.value, "x")
            equations[node.targets[0].id] = (frozenset(local), frozenset(inputs))
    module = ast.parse(inspect.getsource(cell_model))
    for node in module.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "_CONVERTED":
            for key, value in zip(node.value.keys, node.value.values):
                local, _ = names_in(value, "v")
                equations[key.value] = (frozenset(n for n in local if n != "v"), frozenset())
    return equations


def model_dependencies(output: str, available: Iterable[str]) -> tuple[list[str], list[str]]:
    """(columns of `available`, model inputs) that `output` of the cell model is computed from:
    intermediate values not in `available` are expanded into what they are computed from."""
    equations, available = _equations(), set(available)
    columns, inputs, seen = set(), set(), set()
    local, direct = equations[output]
    stack = list(local)
    inputs |= direct
    while stack:
        name = stack.pop()
        if name in seen or name == output:
            continue
        seen.add(name)
        if name in available:
            columns.add(name)
        elif name in equations:
            more, direct = equations[name]
            inputs |= direct
            stack += list(more)
    return sorted(columns), sorted(inputs)


_DESIGN_TABLES = ("curated.cell_design_parameters", "curated.cell_model_assumptions")


def _cell_input(name: str) -> tuple[Upstream, ...]:
    """A model input of a modelled cell: Table 6's printed value, or the curated assumption."""
    return tuple(Upstream(t, "value", f"parameter = '{name}'") for t in _DESIGN_TABLES)


def _cell_performance() -> dict[str, Lineage]:
    outputs = list(cell_model.OUTPUT_UNITS)
    out = {"cell_id": copied("curated.cell_design_parameters")}
    for name in outputs:
        columns, inputs = model_dependencies(name, outputs)
        out[name] = computed(*columns, *[u for i in inputs for u in _cell_input(i)])
    for name in PUBLISHED_OUTPUTS:
        rows = f"source_table = 'Table 7' AND metric = '{name}'"
        out[f"published_{name}"] = renamed("curated.published_cell_results.value", rows=rows)
        out[f"{name}_deviation_pct"] = computed(name, f"published_{name}", formula=f"100 * ({name} - published_{name}) / published_{name}")
    return out


def _design_sweep() -> dict[str, Lineage]:
    inputs = list(cell_model.DESIGN_INPUTS)
    drawn = (Upstream("curated.design_sweep", c) for c in ("parameter", "low", "high", "distribution", "choices"))
    plan = tuple(Upstream("curated.design_sweep_settings", c) for c in ("n_designs", "seed", "method", "base_cell_id"))
    out = {
        "design_id": computed(Upstream("curated.design_sweep_settings", "n_designs"), formula="0 .. n_designs - 1"),
        "anode_choice": computed(*(Upstream("curated.design_sweep", c) for c in ("parameter", "choices")), *plan,
                                 formula="label of the anode choice drawn for the design (curated.design_sweep choices)"),
    }
    drawn = tuple(drawn)
    for name in inputs:
        out[name] = computed(*_cell_input(name), *drawn, *plan,
                             formula=f"drawn from curated.design_sweep where it lists {name}, else the base cell's {name}")
    for name in SWEEP_OUTPUTS:
        columns, direct = model_dependencies(name, [*inputs, *SWEEP_OUTPUTS])
        out[name] = computed(*columns, *direct)
    out["reaches_design_target"] = computed(
        "gravimetric_energy_density", "volumetric_energy_density",
        setting("design_target_gravimetric"), setting("design_target_volumetric"),
        formula="gravimetric_energy_density >= design_target_gravimetric AND volumetric_energy_density >= design_target_volumetric",
    )
    return out


def _cell_sensitivity() -> dict[str, Lineage]:
    inputs = [u for name in cell_model.DESIGN_INPUTS for u in _cell_input(name)]
    return {
        "cell_id": copied("curated.cell_design_parameters"),
        "input": renamed("curated.cell_design_parameters.parameter"),
        "direction": computed(setting("sensitivity_step"), formula="'-' / '+' sensitivity_step in percent"),
        "output": computed(formula="gravimetric_energy_density or volumetric_energy_density (the outputs probed)"),
        "base": computed(*inputs, formula="the cell model's output at the cell's own inputs"),
        "perturbed": computed(*inputs, setting("sensitivity_step"), formula="the cell model's output with `input` x (1 ± sensitivity_step)"),
        "relative_change": computed("base", "perturbed", formula="100 * (perturbed - base) / base"),
    }


# --------------------------------------------------------------------------- sizing


_SCENARIOS = "curated.battery_scenarios"
_INTERPOLATION = (
    Upstream("curated.scenario_years", "year"), setting("interpolation_from"), setting("interpolation_to"),
    Upstream(_SCENARIOS, "year"),
)


def _scenario_metric(metric: str) -> Lineage:
    return computed(*point(_SCENARIOS, f"metric = '{metric}'"), *_INTERPOLATION,
                    formula=f"the scenario's {metric} (Table 10), or interpolated linearly by year between the two scenarios "
                    "of curated.analysis_settings")


def _scenario_pack(energy: str = "battery_energy") -> dict[str, Lineage]:
    """The columns every sized pack shares (ScenarioPack)."""
    out = {m: _scenario_metric(m) for m in SCENARIO_METRICS}
    out.update(
        pack_gravimetric_energy_density=computed("cell_gravimetric_energy_density", "gravimetric_cell_to_pack_ratio",
                                                 formula="cell_gravimetric_energy_density / gravimetric_cell_to_pack_ratio"),
        pack_volumetric_energy_density=computed("cell_volumetric_energy_density", "volumetric_cell_to_pack_ratio",
                                                formula="cell_volumetric_energy_density / volumetric_cell_to_pack_ratio"),
        pack_cost=computed("cell_cost", "pack_cost_factor", formula="cell_cost * pack_cost_factor"),
        pack_mass=computed(energy, "pack_gravimetric_energy_density", formula=f"{energy} * 1000 / pack_gravimetric_energy_density"),
        pack_volume=computed(energy, "pack_volumetric_energy_density", formula=f"{energy} * 1000 / pack_volumetric_energy_density"),
        pack_cost_total=computed(energy, "pack_cost", formula=f"{energy} * pack_cost"),
    )
    return out


def _scenario_keys() -> dict[str, Lineage]:
    return {
        "scenario_id": computed(Upstream(_SCENARIOS, "scenario_id"), Upstream("curated.scenario_years", "year"),
                                formula="scenario_id of curated.battery_scenarios, or interpolated_<year> of curated.scenario_years"),
        "year": computed(Upstream(_SCENARIOS, "year"), Upstream("curated.scenario_years", "year"),
                         formula="the scenario's year (Table 10), or the interpolated year"),
        "interpolated": computed(Upstream("curated.scenario_years", "year"),
                                 formula="true for the scenarios interpolated for a year of curated.scenario_years"),
    }


def _vehicle_packs() -> dict[str, Lineage]:
    table9 = "curated.vehicle_requirements"
    out = {
        "vehicle_id": copied(table9),
        **_scenario_keys(),
        "energy_consumption": computed(*point(table9, "metric = 'energy_consumption'")),
        "range": computed(*point(table9, "metric = 'range'")),
        "battery_energy": computed(*point(table9, "metric = 'energy_needed'"), "energy_consumption", "range",
                                   formula="Table 9 energy_needed; energy_consumption * range where it prints none"),
        "energy_from_consumption": computed("energy_consumption", "range", formula="energy_consumption * range"),
        "pack_peak_power": renamed("curated.vehicle_peak_power.peak_power_kw"),
        "pack_specific_power": computed("pack_peak_power", "pack_mass", formula="pack_peak_power * 1000 / pack_mass"),
    }
    return {**out, **_scenario_pack()}


def _machine_packs() -> dict[str, Lineage]:
    t12 = "curated.construction_machines"
    machine_table = setting("machine_table")

    def printed(metric: str) -> Lineage:
        return computed(*point(t12, f"metric = '{metric}'"), Upstream(t12, "source_table"), machine_table,
                        formula=f"the machine's {metric} from the table analysis_settings.machine_table names, else the other")

    chargers = tuple(Upstream("curated.charger_classes", c) for c in ("charger_id", "power_kw", "battery_kwh_min", "battery_kwh_max", "charging_modes"))
    out = {
        "machine_id": copied(t12),
        "machine_type": copied(t12),
        **_scenario_keys(),
        "battery_energy": printed("energy_storage"),
        "operating_time": printed("operating_time"),
        "motor_power": printed("motor_power"),
        "average_power": computed("battery_energy", "operating_time", formula="battery_energy / operating_time"),
        "pack_specific_power": computed("motor_power", "pack_mass", formula="motor_power * 1000 / pack_mass"),
        "baseline_scenario_id": renamed("curated.analysis_settings.value", rows="setting = 'baseline_scenario'"),
        "baseline_pack_mass": computed("pack_mass", "baseline_scenario_id", formula="pack_mass of the machine in the baseline scenario"),
        "energy_same_mass": computed("baseline_pack_mass", "pack_gravimetric_energy_density",
                                     formula="baseline_pack_mass * pack_gravimetric_energy_density / 1000"),
        "pack_volume_same_mass": computed("energy_same_mass", "pack_volumetric_energy_density",
                                          formula="energy_same_mass * 1000 / pack_volumetric_energy_density"),
        "pack_cost_same_mass": computed("energy_same_mass", "pack_cost", formula="energy_same_mass * pack_cost"),
        "operating_hours_same_mass": computed("energy_same_mass", "average_power", formula="energy_same_mass / average_power"),
        "covers_workday": computed("operating_hours_same_mass", setting("workday_hours"),
                                   formula="operating_hours_same_mass >= workday_hours"),
        "workday_energy": computed("average_power", setting("workday_hours"), formula="average_power * workday_hours"),
        "workday_pack_mass": computed("workday_energy", "pack_gravimetric_energy_density",
                                      formula="workday_energy * 1000 / pack_gravimetric_energy_density"),
        "workday_pack_volume": computed("workday_energy", "pack_volumetric_energy_density",
                                        formula="workday_energy * 1000 / pack_volumetric_energy_density"),
        "overnight_charge_power": computed("energy_same_mass", setting("overnight_charging_hours"),
                                           formula="energy_same_mass / overnight_charging_hours"),
        "overnight_charger_id": computed("overnight_charge_power", "energy_same_mass", *chargers,
                                         formula="smallest charger class whose power_kw >= overnight_charge_power (and that applies)"),
        "overnight_charger_label": computed("overnight_charger_id", Upstream("curated.charger_classes", "label"),
                                            formula="label of overnight_charger_id"),
        "break_charge_power": computed("energy_same_mass", setting("work_break_charging_hours"),
                                       formula="energy_same_mass / work_break_charging_hours"),
        "break_charger_id": computed("break_charge_power", "energy_same_mass", *chargers,
                                     formula="smallest charger class whose power_kw >= break_charge_power (and that applies)"),
        "break_charger_label": computed("break_charger_id", Upstream("curated.charger_classes", "label"),
                                        formula="label of break_charger_id"),
    }
    return {**out, **_scenario_pack()}


def _fleet_summary() -> dict[str, Lineage]:
    fleets, vp, mp = "curated.fleets", "sizing.vehicle_packs", "sizing.machine_packs"
    lines = tuple(Upstream(fleets, c) for c in ("asset_type", "asset_id", "count"))

    def total(column: str, label: str) -> Lineage:
        return computed(*lines, Upstream(vp, column), Upstream(mp, column), formula=f"sum over the fleet's lines of count * {label}")

    return {
        "fleet_id": copied(fleets),
        "scenario_id": computed(Upstream(vp, "scenario_id"), Upstream(mp, "scenario_id"), formula="every scenario the packs are sized for"),
        "year": computed(Upstream(vp, "year"), Upstream(mp, "year"), formula="the scenario's year"),
        "interpolated": computed(Upstream(vp, "interpolated"), Upstream(mp, "interpolated"), formula="the scenario's interpolated flag"),
        "illustrative": computed(Upstream(fleets, "illustrative"), formula="any line of the fleet is illustrative"),
        "asset_count": computed(Upstream(fleets, "count"), formula="sum of count over the fleet's lines"),
        "total_battery_energy": total("battery_energy", "battery_energy"),
        "total_pack_mass": total("pack_mass", "pack_mass"),
        "total_pack_volume": total("pack_volume", "pack_volume"),
        "total_pack_cost": total("pack_cost_total", "pack_cost_total"),
        "daily_energy": computed(*lines, Upstream(fleets, "daily_miles"), Upstream(fleets, "daily_hours"),
                                 Upstream(vp, "energy_consumption"), Upstream(mp, "average_power"),
                                 formula="sum of count * (daily_miles * energy_consumption) for vehicles, count * daily_hours * average_power for machines"),
        "charging_window": computed(Upstream(fleets, "charging_window_h"), formula="the lines' charging_window_h when they all give one"),
        "depot_charging_power": computed("daily_energy", Upstream(fleets, "charging_window_h"), *lines,
                                         formula="sum over lines of the line's daily energy / its charging window"),
        "assets_exceeding_pack": computed(*lines, Upstream(fleets, "daily_miles"), Upstream(fleets, "daily_hours"),
                                          Upstream(vp, "battery_energy"), Upstream(mp, "battery_energy"),
                                          formula="count of assets whose daily energy exceeds battery_energy"),
        "source_file": computed(Upstream(fleets, "source_file"), formula="the fleet's files, ', '-joined"),
    }


def _pack_uncertainty() -> dict[str, Lineage]:
    ranges = tuple(Upstream("curated.scenario_uncertainty", c) for c in ("metric", "low", "mode", "high", "distribution"))
    energy = point("curated.vehicle_requirements", "metric IN ('energy_needed', 'energy_consumption', 'range')")
    scenario = point(_SCENARIOS, metric_rows(*SCENARIO_METRICS))
    sampled = (*energy, *scenario, *ranges, "n_samples", "seed")
    return {
        "vehicle_id": copied("curated.vehicle_requirements"),
        "scenario_id": copied(_SCENARIOS),
        "year": copied(_SCENARIOS),
        "metric": computed(formula="pack_mass, pack_volume or pack_cost_total (the quantities sampled)"),
        "unit": computed("metric", formula="the unit of metric"),
        **{q: computed(*sampled, formula=f"{label} of the Monte Carlo samples of the pack quantity")
           for q, label in (("p5", "5th percentile"), ("p50", "median"), ("p95", "95th percentile"), ("mean", "mean"))},
        "ranged_metrics": computed(*ranges, formula="count of the scenario's metrics whose distribution is not fixed and low < high"),
        "n_samples": computed(formula="run config of the asset (default MC_SAMPLES)"),
        "seed": computed(formula="run config of the asset (default DEFAULT_SEED)"),
    }


# --------------------------------------------------------------------------- technology packs


_CLAIMS = "curated.cell_claims"


def _technology_cells() -> dict[str, Lineage]:
    overrides = tuple(Upstream("curated.technology_cell_overrides", c) for c in ("technology_id", "product_id", "property", "claim_ids"))
    claims = tuple(Upstream(_CLAIMS, c) for c in ("claim_id", "metric", "technology_id", "product_id", "basis"))
    intervals = (*(Upstream(_CLAIMS, c) for c in ("value_best", "value_min", "value_max", "qualifier", "precision")),
                 *(Upstream("curated.claim_uncertainty", c) for c in ("qualifier", "low_factor", "high_factor")))
    # pipelines/compute/inference.py: a subject claiming one cell energy density gets the other from
    # the kg/L (Wh/L / Wh/kg) of its family's technologies sized from both
    inference = ("family", "subject_type", "claim_count")
    inferred = "; where inferred, the claimed other density x (Wh/L) or / (Wh/kg) the family's {} kg/L"
    return {
        "subject_type": computed(Upstream(_CLAIMS, "product_id"), formula="'technology' or 'product'"),
        "subject_id": computed(Upstream(_CLAIMS, "technology_id"), Upstream(_CLAIMS, "product_id"),
                               formula="technology_id of a claim, or its product_id"),
        "property": computed(Upstream(_CLAIMS, "metric"), formula="each cell property sized: " + ", ".join(CELL_PROPERTIES)),
        "technology_id": computed(Upstream(_CLAIMS, "technology_id"), Upstream("curated.products", "technology_id"),
                                  formula="the claim's technology_id; a product's technology_id from curated.products"),
        "product_id": copied(_CLAIMS),
        "family": copied("curated.technologies"),
        "unit": computed("property", formula="the unit of property"),
        "value": computed(*claims, *overrides, Upstream(_CLAIMS, "value_best"), *inference,
                          formula="mean value_best of the claims feeding the property" + inferred.format("mean")),
        "low": computed(*claims, *overrides, *intervals, *inference,
                        formula="minimum of the feeding claims' interval lows" + inferred.format("lowest (highest for Wh/kg)")),
        "high": computed(*claims, *overrides, *intervals, *inference,
                         formula="maximum of the feeding claims' interval highs" + inferred.format("highest (lowest for Wh/kg)")),
        "claim_count": computed(*claims, *overrides, formula="number of claims feeding the property"),
        "claim_ids": computed(*claims, *overrides, formula="the feeding claims' claim_id, ';'-joined"),
        "overridden": computed(*overrides, formula="an override row names the subject and property"),
        "inferred": computed("property", "claim_count", "family", "subject_type",
                             formula="the subject claims only the other cell energy density and technologies of its family are sized "
                             "from both (pipelines/compute/inference.py)"),
        "inferred_basis": computed("inferred", "property", "family", "subject_type", "subject_id", "claim_count",
                                   formula="'inferred from the claimed Wh/kg (or Wh/L) x the mean cell density of the n sized "
                                   "technolog(ies) of family <family>: <technology_id> (<kg/L>); ...' where inferred"),
        "missing_properties": computed("property", "value", formula="required properties with no value, ';'-joined"),
        "sizable": computed("missing_properties", formula="missing_properties IS NULL"),
    }


def _technology_sized(asset: str) -> dict[str, Lineage]:
    """The columns sizing.technology_packs and sizing.technology_machine_packs share."""
    cells = "sizing.technology_cells"
    ratios = (*(Upstream("curated.technology_pack_ratios", c) for c in ("family", "metric", "scenario_id", "value", "low", "high")),
              *point(_SCENARIOS, metric_rows(*PACK_RATIOS)))
    samples = (*(Upstream(cells, c) for c in ("value", "low", "high", "claim_ids")), *ratios, "battery_energy", "n_samples", "seed")
    limits = "curated.pack_limits"
    out = {
        "subject_type": copied(cells),
        "subject_id": copied(cells),
        "technology_id": copied(cells),
        "product_id": copied(cells),
        "family": copied(cells),
        **{p: computed(Upstream(cells, "value"), Upstream(cells, "property"), formula=f"sizing.technology_cells.value where property = '{p}'")
           for p in CELL_PROPERTIES},
        **{m: computed(*ratios, formula=f"the family's {m} (curated.technology_pack_ratios; Table 10's where it types none)")
           for m in PACK_RATIOS},
        "max_pack_mass": copied(limits),
        "max_pack_volume": copied(limits),
        "limit_basis": renamed(f"{limits}.basis"),
        "inferred_properties": computed(Upstream(cells, "inferred"), Upstream(cells, "property"),
                                        formula="property of the subject's sizing.technology_cells rows where inferred, ';'-joined"),
        "feasible_probability": computed("max_pack_mass", "max_pack_volume", *samples,
                                         formula="share of the samples whose pack mass and volume are within the limits"),
        "n_samples": computed(formula="run config of the asset (default MC_SAMPLES)"),
        "seed": computed(formula="run config of the asset (default DEFAULT_SEED)"),
    }
    for quantity in ("pack_mass", "pack_volume", "pack_cost"):
        for q, label in (("p5", "5th percentile"), ("p50", "median"), ("p95", "95th percentile")):
            out[f"{quantity}_{q}"] = computed(*samples, formula=f"{label} of the sampled {quantity}")
    return out


def _technology_packs() -> dict[str, Lineage]:
    table9 = "curated.vehicle_requirements"
    return {
        "vehicle_id": copied(table9),
        "battery_energy": computed(*point(table9, "metric IN ('energy_needed', 'energy_consumption', 'range')"),
                                   formula="Table 9 energy_needed (energy_consumption * range where it prints none)"),
        **_technology_sized("vehicle"),
    }


def _technology_machine_packs() -> dict[str, Lineage]:
    t12 = "curated.construction_machines"
    rows = "metric IN ('energy_storage', 'operating_time')"
    baseline = point(_SCENARIOS, metric_rows(*SCENARIO_METRICS))
    out = {
        "machine_id": copied(t12),
        "machine_type": copied(t12),
        "battery_energy": computed(*point(t12, "metric = 'energy_storage'"), setting("machine_table"),
                                   formula="the machine's energy_storage (Table 12 / ES-2)"),
        "operating_time": computed(*point(t12, "metric = 'operating_time'"), setting("machine_table"),
                                   formula="the machine's operating_time (Table 12 / ES-2)"),
        "average_power": computed(*point(t12, rows), formula="battery_energy / operating_time"),
        "baseline_scenario_id": renamed("curated.analysis_settings.value", rows="setting = 'baseline_scenario'"),
        "baseline_pack_mass": computed("battery_energy", *baseline, setting("baseline_scenario"),
                                       formula="battery_energy * 1000 / pack Wh/kg of the baseline scenario"),
        "workday_hours": renamed("curated.analysis_settings.value", rows="setting = 'workday_hours'"),
        "covers_workday": computed("operating_hours_same_mass_p50", "workday_hours", formula="operating_hours_same_mass_p50 >= workday_hours"),
        "workday_probability": computed("baseline_pack_mass", "average_power", "workday_hours", "n_samples", "seed",
                                        formula="share of the samples whose same-mass pack lasts workday_hours"),
        **_technology_sized("machine"),
    }
    for q, label in (("p5", "5th percentile"), ("p50", "median"), ("p95", "95th percentile")):
        out[f"operating_hours_same_mass_{q}"] = computed(
            "baseline_pack_mass", "average_power", "cell_gravimetric_energy_density", "gravimetric_cell_to_pack_ratio", "n_samples", "seed",
            formula=f"{label} of baseline_pack_mass * sampled pack Wh/kg / 1000 / average_power")
    return out


# --------------------------------------------------------------------------- quality and the technology database


_PUBLISHED = ("curated.published_cell_results", "curated.cell_design_parameters", "curated.published_pack_results",
              "curated.application_claims")


def _reconciliation() -> dict[str, Lineage]:
    def each(column: str) -> tuple[Upstream, ...]:
        return tuple(Upstream(t, column) for t in _PUBLISHED)

    computed_from = (*(Upstream("model.cell_performance", c) for c in PUBLISHED_OUTPUTS),
                     *(Upstream("sizing.vehicle_packs", c) for c in ("pack_mass", "pack_volume", "pack_cost_total",
                                                                     "pack_specific_power", "battery_energy")))
    notes = "curated.reconciliation_notes"
    return {
        "source_table": computed(*each("source_table"), formula="the table that prints the number"),
        "row_key": computed(*each("cell_id")[:2], Upstream("curated.published_pack_results", "vehicle_id"),
                            Upstream("curated.application_claims", "claim_id"), formula="the printed row (cell, vehicle and scenario, claim)"),
        "column_name": computed(*each("metric"), formula="the printed column, as a metric slug"),
        "published_text": computed(*each("published_text"), formula="the number as printed"),
        "published_value": computed(*each("value"), *each("value_min"), *each("value_max"), formula="the printed number parsed, in unit"),
        "computed_value": computed(*computed_from, Upstream("curated.claim_recomputations", "statistic"),
                                   formula="the pipeline's value for the same row and column"),
        "calibrated_value": computed(Upstream("curated.cell_model_assumptions", "value"), Upstream("curated.vehicle_peak_power", "peak_power_kw"),
                                     formula="the input fitted to this number"),
        "calibrated_parameter": computed(Upstream("curated.cell_model_assumptions", "parameter"),
                                         Upstream("curated.cell_model_assumptions", "calibrated_against"),
                                         Upstream("curated.vehicle_peak_power", "calibrated_against"), formula="the input fitted to this number"),
        "unit": computed(*each("unit"), formula="the canonical unit of the printed number"),
        "precision": computed(*each("precision"), formula="half a unit of the last printed digit"),
        "abs_deviation": computed("computed_value", "published_value", formula="computed_value - published_value"),
        "rel_deviation": computed("abs_deviation", "published_value", formula="abs_deviation / published_value"),
        "deviation_note": computed("computed_value", "published_value", formula="where the computed value lies against a printed range or bound"),
        "tolerance": computed(setting("cell_model_tolerance"), setting("pack_tolerance"), "precision",
                              formula="the analysis_settings tolerance, never tighter than the printed precision"),
        "status": computed("abs_deviation", "tolerance", "calibrated_parameter", Upstream(notes, "not_comparable"),
                           formula="reproduced / calibrated / deviates / not_computed / not_comparable"),
        "note": renamed(f"{notes}.note"),
    }


def _source_findings() -> dict[str, Lineage]:
    from pipelines.tables.quality import CHECKED

    def each(column: str) -> tuple[Upstream, ...]:
        return tuple(Upstream(f"curated.{t}", column) for t in CHECKED if column in _columns(f"curated.{t}"))

    return {
        "table_name": computed(formula="the curated table the rule ran on"),
        "rule": computed(formula="name of the warning-level rule of the table's pandera model"),
        "row_label": computed(*(u for c in ("claim_id", "cell_id", "parameter", "vehicle_id", "machine_id", "fact_id") for u in each(c)),
                              formula="the flagged row's identifying columns, 'column=value, ...'"),
        "metric": computed(*each("metric"), formula="metric of the flagged row"),
        "published_text": computed(*each("published_text"), formula="published_text of the flagged row"),
        "value": computed(*each("value"), formula="value of the flagged row"),
        "recomputed_value": computed(*each("value"), *each("metric"), formula="what the rule recomputes from the row's parts"),
        "relative_deviation": computed("value", "recomputed_value", formula="(value - recomputed_value) / recomputed_value"),
        "explanation": computed("rule", formula="how the rule recomputes the value and the tolerance it allows"),
        "unit": computed(*each("unit"), formula="unit of the flagged row"),
        "source_file": computed(*each("source_file"), formula="source_file of the flagged row"),
        "source_line": computed(*each("source_line"), formula="source_line of the flagged row"),
    }


def _claim_references() -> dict[str, Lineage]:
    return {
        "claim_id": copied(_CLAIMS),
        "document_id": copied(_CLAIMS),
        "reference_id": computed(Upstream(_CLAIMS, "reference_ids"), formula="each number of the ';'-separated reference_ids"),
    }


def _claim_conflicts() -> dict[str, Lineage]:
    interval = tuple(Upstream(_CLAIMS, c) for c in ("qualifier", "value", "value_min", "value_max", "precision"))
    sides = ("a", "b")
    out = {
        "technology_id": copied(_CLAIMS),
        "product_id": copied(_CLAIMS),
        "metric": copied(_CLAIMS),
        "unit": copied(_CLAIMS),
        "basis": copied(_CLAIMS),
        "c_rate": copied(_CLAIMS),
        "test_temperature": copied(_CLAIMS),
        "across_documents": computed("document_id_a", "document_id_b", formula="document_id_a <> document_id_b"),
        "why_they_may_differ": computed(*(f"{c}_{s}" for c in ("document_id", "document_date", "claim_date", "sample_stage",
                                                                 "declared_or_measured", "evidence", "conditions") for s in sides)),
        "gap": computed(*(f"interval_{e}_{s}" for e in ("min", "max") for s in sides),
                        formula="distance between the two claims' intervals"),
    }
    for side in sides:
        for column in CONFLICT_SIDE:
            if column in ("interval_min", "interval_max"):
                out[f"{column}_{side}"] = computed(*interval, formula="what the printed number allows: a point widened by its precision, "
                                                   "a printed range, an open bound (null)")
            elif column == "document_date":
                out[f"{column}_{side}"] = renamed("curated.documents.publication_start")
            else:
                out[f"{column}_{side}"] = renamed(f"{_CLAIMS}.{column}")
    return out


def _technology_comparison() -> dict[str, Lineage]:
    techs, ready = "curated.technologies", "analysis.subject_readiness"
    technology_row = (Upstream(ready, "subject_type"), Upstream(ready, "subject_id"))
    out = {
        "technology_id": copied(techs),
        "label": copied(techs),
        "family": copied(techs),
        "maturity": computed(Upstream(ready, "stage"), *technology_row,
                             formula="stage of the technology's analysis.subject_readiness row; 'unknown' where it has none"),
        "maturity_year": renamed(f"{ready}.stage_year"),
        "maturity_year_qualifier": renamed(f"{ready}.stage_year_qualifier"),
        "next_stage": copied(ready),
        "next_stage_year": copied(ready),
        "claims": computed(Upstream(_CLAIMS, "claim_id"), Upstream(_CLAIMS, "technology_id"), formula="count of the technology's claims"),
        "documents": computed(Upstream(_CLAIMS, "document_id"), formula="count of distinct documents of the technology's claims"),
        "products": computed(Upstream(_CLAIMS, "product_id"), formula="count of distinct products of the technology's claims"),
    }
    for h in HEADLINES:
        metrics = tuple(Upstream("curated.comparison_metrics", c, f"headline = '{h}'") for c in ("headline", "metric"))
        chosen = (*metrics, *(Upstream(_CLAIMS, c) for c in ("metric", "technology_id", "value_best")))  # claims with a value_best
        printed = tuple(Upstream(_CLAIMS, c) for c in ("value", "value_min", "value_max"))
        latest = (*chosen, Upstream(_CLAIMS, "claim_date"))
        for stat, end in (("highest", "max"), ("lowest", "min")):
            number = f"{end}(value, value_min, value_max)"
            out.update({
                f"{h}_{stat}": computed(*chosen, *printed, formula=f"{end} over the technology's {h} claims of {number}: the {stat} number printed"),
                f"{h}_{stat}_text": computed(*chosen, *printed, Upstream(_CLAIMS, "published_text"), Upstream(_CLAIMS, "claim_id"),
                                             formula=f"published_text of the claim printing {h}_{stat} (lowest claim_id on a tie)"),
                f"{h}_{stat}_claim_id": computed(*chosen, *printed, Upstream(_CLAIMS, "claim_id"),
                                                 formula=f"claim_id of the claim printing {h}_{stat} (lowest on a tie)"),
                f"{h}_{stat}_documents": computed(*chosen, *printed, Upstream(_CLAIMS, "document_id"),
                                                  formula=f"count of distinct documents of the claims printing {h}_{stat}"),
            })
        out.update({
            f"{h}_typical": computed(*chosen, formula=f"median value_best of the technology's {h} claims"),
            f"{h}_latest": computed(*latest, formula=f"median value_best of the {h} claims of the latest claim_date"),
            f"{h}_latest_date": computed(*latest, formula=f"the latest claim_date of the technology's {h} claims"),
            f"{h}_latest_claim_ids": computed(*latest, Upstream(_CLAIMS, "claim_id"), formula=f"claim_id of the claims behind {h}_latest, ';'-joined"),
            f"{h}_latest_documents": computed(*latest, Upstream(_CLAIMS, "document_id"),
                                              formula=f"count of distinct documents of the claims behind {h}_latest"),
            f"{h}_claims": computed(*chosen, Upstream(_CLAIMS, "claim_id"), formula=f"count of the technology's {h} claims"),
            f"{h}_documents": computed(*chosen, Upstream(_CLAIMS, "document_id"), formula=f"count of distinct documents of its {h} claims"),
        })
    return out


# --------------------------------------------------------------------------- readiness


_READINESS = "curated.technology_readiness"


def _readiness_rows(*columns: str) -> tuple[Upstream, ...]:
    """The readiness rows of a subject, ranked: their stage, their year (the document's publication
    year when empty) and whether they are a forecast (year_qualifier, publication year)."""
    ranked = ("subject_type", "subject_id", "stage", "year", "year_qualifier", "document_id", *columns)
    return (*(Upstream(_READINESS, c) for c in dict.fromkeys(ranked)), Upstream("curated.documents", "publication_start"))


def _subjects() -> dict[str, Lineage]:
    """subject_type, subject_id, technology_id, product_id of every technology and product."""
    techs, products = "curated.technologies", "curated.products"
    return {
        "subject_type": computed(Upstream(techs, "technology_id"), Upstream(products, "product_id"),
                                 formula="'technology' for each row of curated.technologies, 'product' for each of curated.products"),
        "subject_id": computed(Upstream(techs, "technology_id"), Upstream(products, "product_id"), formula="technology_id or product_id"),
        "technology_id": computed(Upstream(techs, "technology_id"), Upstream(products, "technology_id"),
                                  formula="the technology's technology_id; a product's technology_id from curated.products"),
        "product_id": copied(products),
    }


def _subject_readiness() -> dict[str, Lineage]:
    fact = "of the readiness row giving stage (the highest stage stated as a fact; the earliest year on a tie)"
    forecast = "of the readiness row giving next_stage (the highest forecast stage above stage)"
    return {
        **_subjects(),
        "stage": computed(*_readiness_rows(), formula="highest stage of the subject's readiness rows that are facts (not a forecast: "
                          "year_qualifier expected, or by with a year after the document's publication year); 'unknown' where none"),
        "stage_year": computed(*_readiness_rows(), formula=f"year {fact}"),
        "stage_year_qualifier": computed(*_readiness_rows(), formula=f"year_qualifier {fact}"),
        "next_stage": computed(*_readiness_rows(), formula="highest stage of the subject's forecast rows, where above stage"),
        "next_stage_year": computed(*_readiness_rows(), formula=f"year {forecast}"),
        "next_stage_year_qualifier": computed(*_readiness_rows(), formula=f"year_qualifier {forecast}"),
        "evidence": computed(*_readiness_rows("evidence"), formula=f"evidence {fact}"),
        "document_id": computed(*_readiness_rows(), formula=f"document_id {fact}"),
        "section": computed(*_readiness_rows("section"), formula=f"section {fact}"),
        "quote": computed(*_readiness_rows("quote"), formula=f"quote {fact}"),
        "next_stage_quote": computed(*_readiness_rows("quote"), formula=f"quote {forecast}"),
        "claim_ids": computed(*_readiness_rows("claim_ids"), formula=f"claim_ids {fact}"),
        "readiness_documents": computed(*(Upstream(_READINESS, c) for c in ("subject_type", "subject_id", "document_id")),
                                        formula="count of distinct document_id of the subject's readiness rows"),
        "known": computed("readiness_documents", formula="readiness_documents > 0"),
    }


def _feasibility(asset: str, packs: str) -> dict[str, Lineage]:
    """sizing.technology_feasibility (asset vehicle_id) and sizing.technology_machine_feasibility (machine_id)."""
    years = (Upstream(_SCENARIOS, "year"), Upstream("curated.scenario_years", "year"))
    by_year = (*_readiness_rows(), "subject_type", "subject_id", "year")
    return {
        asset: copied(packs),
        **{c: copied(packs) for c in ("subject_type", "subject_id", "technology_id", "product_id", "family", "feasible_probability",
                                       "limit_basis")},
        "year": computed(*years, formula="every scenario year: curated.battery_scenarios' and the interpolated ones of curated.scenario_years"),
        "scenario_ids": computed(Upstream(_SCENARIOS, "scenario_id"), *years, "year",
                                 formula="scenario_id of the year's scenarios (interpolated_<year> for an interpolated one), sorted, ';'-joined"),
        "required_stage": computed(Upstream("curated.pack_limits", "required_stage"), Upstream("curated.pack_limits", asset),
                                   formula=f"required_stage of the asset's curated.pack_limits row ({asset})"),
        "stage_by_year": computed(*by_year, formula="highest stage of the subject's readiness rows whose year (else the document's "
                                  "publication year) is <= year; 'unknown' for none"),
        "available": computed(*by_year, "required_stage", formula="stage_by_year at or above required_stage (READINESS_STAGES order)"),
        "availability": computed(*by_year, "required_stage",
                                 formula="reached: a fact at or above required_stage by year; expected: only a forecast; not_yet: the "
                                 "subject has rows, none high enough; unknown: no row"),
        "buildable_probability": computed("feasible_probability", "available", formula="feasible_probability where available, else 0"),
    }


def _unsized_subjects() -> dict[str, Lineage]:
    cells = "sizing.technology_cells"
    claims = tuple(Upstream(_CLAIMS, c) for c in ("claim_id", "technology_id", "product_id"))
    numbers = tuple(Upstream(_CLAIMS, c) for c in ("metric", "value_best", "basis", "evidence"))
    subjects = _subjects()
    unsized = tuple(Upstream(cells, c) for c in ("subject_type", "subject_id", "sizable"))
    return {
        **{c: computed(*subjects[c].upstream, *unsized, formula=f"{subjects[c].formula}, for every subject with no sizable row in {cells}")
           for c in ("subject_type", "subject_id")},
        "technology_id": subjects["technology_id"],
        "product_id": subjects["product_id"],
        "family": copied("curated.technologies"),
        "reason": computed(*claims, *numbers, "claims",
                           formula="the first that applies: no_claim (claims = 0); material_level_only (no cell-level Wh/kg or Wh/L, "
                           "a theoretical_limit or material-level claim); above_cell_level_only (no cell-level density, a density at "
                           "pack / module / system level); no_energy_density_claim; no_wh_per_kg_claim; no_wh_per_l_claim"),
        "explanation": computed("reason", formula="the words of reason (UNSIZED_REASONS)"),
        "claims": computed(*claims, formula="count of curated.cell_claims rows naming the subject (its technology_id, or its product_id)"),
    }


def _ownership(kind: str) -> dict[str, Lineage]:
    """sizing.battery_ownership (kind vehicle) and sizing.machine_battery_ownership (kind machine)."""
    packs = "sizing.technology_packs" if kind == "vehicle" else "sizing.technology_machine_packs"
    cells, assumptions = "sizing.technology_cells", "curated.ownership_assumptions"
    annual, per_use, per = (("annual_distance", "energy_consumption", "mile") if kind == "vehicle"
                            else ("annual_operating_hours", "average_power", "operating_hour"))
    interval = (*(Upstream(_CLAIMS, c) for c in ("value_best", "value_min", "value_max", "qualifier", "precision")),
                *(Upstream("curated.claim_uncertainty", c) for c in ("qualifier", "low_factor", "high_factor")))

    def fed(metric: str) -> tuple[Upstream, ...]:  # the subject's claims, else its technology's, else its family's
        return (*(Upstream(_CLAIMS, c, f"metric = '{metric}'") for c in ("claim_id", "technology_id", "product_id")),
                Upstream("curated.technologies", "family"), "subject_type", "subject_id")

    life = (*fed("cycle_life"), *interval, "n_samples", "seed")
    cost = (Upstream(cells, "property"), Upstream(cells, "claim_ids"), *fed("cell_cost"), *interval,
            *(Upstream("curated.technology_pack_ratios", c) for c in ("family", "metric", "scenario_id", "value", "low", "high")),
            *point(_SCENARIOS, metric_rows("cell_cost", "pack_cost_factor")), setting("baseline_scenario"), "n_samples", "seed")
    if kind == "vehicle":
        use = computed(*point("curated.vehicle_requirements", "metric = 'energy_consumption'"))
    else:
        use = computed(*point("curated.construction_machines", "metric IN ('energy_storage', 'operating_time')"), setting("machine_table"),
                       formula="energy_storage / operating_time of the machine (the table analysis_settings.machine_table names)")
    out = {
        f"{kind}_id": copied(packs),
        **{c: copied(cells) for c in ("subject_type", "subject_id", "technology_id", "product_id", "family")},
        "battery_energy": copied(packs),
        "service_life": copied(assumptions),
        annual: copied(assumptions),
        "usable_depth_of_discharge": copied(assumptions),
        per_use: use,
        "assumption_basis": renamed(f"{assumptions}.basis"),
        "cycles_needed": computed(annual, "service_life", per_use, "battery_energy", "usable_depth_of_discharge",
                                  formula=f"{annual} * service_life * {per_use} / (battery_energy * usable_depth_of_discharge)"),
        "cost_basis": computed(*fed("cell_cost"), Upstream(cells, "property"), Upstream(cells, "claim_ids"),
                               formula="claimed where sizing.technology_cells names cell_cost claims, else technology or family "
                               "where those claim a cell_cost, else scenario"),
        "cost_claim_ids": computed(*fed("cell_cost"), Upstream(cells, "property"), Upstream(cells, "claim_ids"), "cost_basis",
                                   formula="claim_id of the claims behind cost_basis, sorted, ';'-joined; null for scenario"),
        "cost_scenario_id": computed("cost_basis", setting("baseline_scenario"), formula="baseline_scenario where cost_basis = 'scenario'"),
        "cycle_life_basis": computed(*fed("cycle_life"), formula="claimed, technology or family: the most specific level claiming a cycle_life"),
        "cycle_life_claim_ids": computed(*fed("cycle_life"), formula="claim_id of the claims behind cycle_life_basis, sorted, ';'-joined"),
        "missing_inputs": computed("cycle_life_basis", formula="'cycle_life: no claim ...' where cycle_life_basis is null"),
        "n_samples": copied(packs),
        "seed": copied(packs),
    }
    for q, label in (("p5", "5th percentile"), ("p50", "median"), ("p95", "95th percentile")):
        out[f"cycle_life_{q}"] = computed(*life)
        out[f"pack_cost_{q}"] = computed(*cost, "battery_energy", formula=f"battery_energy x {label} of the sampled pack USD/kWh "
                                         "(cell_cost x pack_cost_factor)")
        out[f"replacements_{q}"] = computed("cycles_needed", *life,
                                            formula=f"{label} of max(1, ceil(cycles_needed / sampled cycle life)) - 1")
        out[f"lifetime_battery_cost_{q}"] = computed("battery_energy", "cycles_needed", *cost, *life,
                                                     formula=f"battery_energy x {label} of sampled pack USD/kWh x packs bought")
        out[f"battery_cost_per_{per}_{q}"] = computed(f"lifetime_battery_cost_{q}", annual, "service_life",
                                                      formula=f"lifetime_battery_cost_{q} / ({annual} * service_life)")
    return out


_DECLARED = {
    "model.cell_performance": _cell_performance,
    "model.design_sweep": _design_sweep,
    "model.cell_sensitivity": _cell_sensitivity,
    "sizing.vehicle_packs": _vehicle_packs,
    "sizing.machine_packs": _machine_packs,
    "sizing.fleet_summary": _fleet_summary,
    "sizing.pack_uncertainty": _pack_uncertainty,
    "sizing.technology_cells": _technology_cells,
    "sizing.technology_packs": _technology_packs,
    "sizing.technology_machine_packs": _technology_machine_packs,
    "quality.reconciliation": _reconciliation,
    "quality.source_findings": _source_findings,
    "curated.claim_references": _claim_references,
    "quality.claim_conflicts": _claim_conflicts,
    "analysis.technology_comparison": _technology_comparison,
    "analysis.subject_readiness": _subject_readiness,
    "sizing.technology_feasibility": lambda: _feasibility("vehicle_id", "sizing.technology_packs"),
    "sizing.technology_machine_feasibility": lambda: _feasibility("machine_id", "sizing.technology_machine_packs"),
    "sizing.unsized_subjects": _unsized_subjects,
    "sizing.battery_ownership": lambda: _ownership("vehicle"),
    "sizing.machine_battery_ownership": lambda: _ownership("machine"),
}


# --------------------------------------------------------------------------- reading it


@functools.cache
def _columns(table: str) -> tuple[str, ...]:
    return tuple(d.name for d in column_docs(all_tables()[table]))


@functools.cache
def _descriptions(table: str) -> dict[str, str]:
    return {d.name: d.description for d in column_docs(all_tables()[table])}


@functools.cache
def table_lineage(table: str) -> dict[str, Lineage]:
    """column -> Lineage of computed table `table`, upstream tables resolved (a bare column is
    one of `table` itself), copied columns named, formulas filled from the descriptions."""
    declared = _DECLARED[table]() if table in _DECLARED else {}
    descriptions = _descriptions(table) if table in all_tables() else {}
    out = {}
    for column, lineage in declared.items():
        upstream = tuple(
            Upstream(u.table or table, u.column or column, u.rows) for u in lineage.upstream
        )
        formula = lineage.formula
        if formula is None and lineage.how == COMPUTED_HOW:
            formula = descriptions.get(column)
        out[column] = Lineage(lineage.how, upstream, formula)
    return out


def computed_tables() -> list[str]:
    return list(COMPUTED)


def lineage_rows() -> list[dict]:
    """meta.column_lineage: one row per computed column and upstream column (a column computed
    from nothing upstream, a run setting say, has one row with no upstream)."""
    rows = []
    for table in computed_tables():
        for column, lineage in table_lineage(table).items():
            base = {"table_name": table, "column_name": column, "how": lineage.how, "formula": lineage.formula}
            if not lineage.upstream:
                rows.append({**base, "upstream_table": None, "upstream_column": None, "upstream_rows": None})
            for u in dict.fromkeys(lineage.upstream):
                rows.append({**base, "upstream_table": u.table, "upstream_column": u.column, "upstream_rows": u.rows})
    return rows


def upstream_of_other_tables(table: str, column: str) -> list[Upstream]:
    """The columns of other tables `table.column` comes from, through the columns of its own
    table it is computed from (what Dagster's column lineage can show: it links assets)."""
    lineage = table_lineage(table)
    found: dict[tuple[str, str], Upstream] = {}
    stack, seen = [column], set()
    while stack:
        name = stack.pop()
        if name in seen or name not in lineage:
            continue
        seen.add(name)
        for u in lineage[name].upstream:
            if u.table == table:
                stack.append(u.column)
            else:
                found.setdefault((u.table, u.column), u)
    return list(found.values())


def lineage_problems() -> list[str]:
    """Every computed column without lineage, every lineage naming a column that does not
    exist, and every upstream table the table function does not read."""
    from pipelines.tables import TABLE_FUNCTIONS

    problems = []
    tables = all_tables()
    for table in computed_tables():
        lineage = table_lineage(table)
        for column in _columns(table):
            if column not in lineage:
                problems.append(f"{table}.{column}: no lineage declared (pipelines/tables/lineage.py)")
        fn = TABLE_FUNCTIONS.get(table)
        reads = set(fn.inputs.values()) if fn is not None else set()
        for column, entry in lineage.items():
            if column not in _columns(table):
                problems.append(f"{table}: lineage declared for '{column}', which the table does not have")
            if entry.how not in HOW:
                problems.append(f"{table}.{column}: how '{entry.how}' is not one of {HOW}")
            if entry.how in (COPIED, RENAMED) and len(entry.upstream) != 1:
                problems.append(f"{table}.{column}: {entry.how} from {len(entry.upstream)} columns (one expected)")
            for u in entry.upstream:
                if u.table not in tables:
                    problems.append(f"{table}.{column}: upstream table '{u.table}' is not a warehouse table")
                elif u.column not in _columns(u.table):
                    problems.append(f"{table}.{column}: upstream column '{u.table}.{u.column}' does not exist")
                elif u.table != table and fn is not None and u.table not in reads:
                    problems.append(f"{table}.{column}: upstream table '{u.table}' is not an input of the table function")
                if u.table == table and u.column == column:
                    problems.append(f"{table}.{column}: computed from itself")
    return problems

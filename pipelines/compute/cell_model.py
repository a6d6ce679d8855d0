"""Bottom-up cell model of report Section 4.1 (equations 1-23), as pure vectorised numpy.

One *design* is one set of the inputs in ``DESIGN_INPUTS``; every function takes a mapping of
input name -> array (all arrays broadcast together, one element per design) and never loops
over designs. ``tests/reference_cell_model.py`` holds the same arithmetic for a single design
in plain Python floats: the cross-check used by the tests and the baseline of the benchmark.

Which Table 6 rows are inputs and which are published outputs
-------------------------------------------------------------
Inputs taken from Table 6 (curated ``cell_design_parameters``, values in the printed units):

    cathode_thickness [µm], cathode_density [g/cm³], cathode_material_specific_capacity [Ah/g],
    cathode_additional_material_ratio [-], anode_density [g/cm³], separator_density [g/cm³],
    sse_thickness [µm], cu_resistivity [µΩ·cm] (printed as "Cu Conductivity"),
    al_resistivity [µΩ·cm] ("Al Conductivity"), current_collector_thickness [µm],
    cu_density [g/cm³]

Inputs the report uses but does not print (curated ``sources/cell_model_assumptions``, one
row per cell with provenance and reason): cell_capacity [Ah], anode_oversize_factor [-],
average_voltage [V], cathode_porosity [-], anode_specific_capacity [Ah/g], anode_porosity [-],
separator_porosity [-], electrolyte_density [g/cm³], al_density [g/cm³],
sse_resistivity [Ω·cm], electrode_area_specific_resistance [Ω·cm²], current_path_length [mm],
pulse_voltage [V].

Every other Table 6 row is a published *output* that the model recomputes and that
reconciliation compares by name: cathode_specific_capacity, cathode_volumetric_capacity,
cathode_areal_capacity, cathode_mass, anode_capacity, anode_volumetric_capacity, anode_mass,
anode_areal_capacity, sse_mass, sse_interface_resistance, sse_resistance, al_mass,
cu_areal_resistance, al_areal_resistance, cu_resistance, al_resistance, cell_area,
total_mass, volume, mass_density, cell_energy, gravimetric_energy_density,
volumetric_energy_density. Table 7 / ES-1 metrics recomputed: gravimetric_energy_density,
volumetric_energy_density, internal_resistance, pulse_power_95 (plus
matched_impedance_power, the V²/4R figure of Section 2).

An assumptions row whose parameter is a Table 6 input *overrides* the printed value. This is
used only for documented corrections (provenance starting with "correction"): the anode rows
of the LiS and SiC columns appear swapped, and the Li2O "additional material ratio" 29.86 is not
a ratio (see sources/reconciliation_notes/cell_model.csv).

Geometry and departures from the printed equations
--------------------------------------------------
The model is one repeating unit per unit of electrode area: cathode layer, anode layer, one
separator, one Cu and one Al foil (each of the printed current-collector thickness). Every
mass and the volume are proportional to cell_area, so the energy densities do not depend on
cell_capacity. Where the printed equations are ambiguous the model:

* eq (0) cathode_specific_capacity = material capacity / (1 + additional material ratio): the
  composite value Table 6 prints in "Cathode Capacity (Ah/g, Area)";
* eq (11)/(14) count only the solid part of the separator, area × t × density × (1 - porosity)
  (identical to the printed equations when separator_porosity = 0);
* eq (15)/(17) fill the pores of cathode, anode and separator with electrolyte of
  electrolyte_density (per-electrode thickness × porosity instead of one porosity for both);
* eq (18) (electrolyte resistance in the electrodes) and eq (16) cannot be evaluated from the
  report's inputs; they are folded into electrode_area_specific_resistance;
* eq (19) per foil sheet of path length L and width W, with area / (L·W) sheets in parallel:
  R = resistivity · L / (t · W) · (L · W / area) = resistivity · L² / (t · area);
* internal_resistance = (sse ASR + electrode ASR) / area + R_Cu + R_Al;
* pulse_power_95 = EF (1 - EF) V² / R / mass with EF = 0.95 and V = pulse_voltage;
  matched_impedance_power = V² / (4 R) / mass.

Units of every input and output are in ``DESIGN_INPUT_UNITS`` and ``OUTPUT_UNITS``.
"""
from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipelines.schemas.vocabulary import (  # noqa: F401 (re-exported)
    ASSUMED_INPUTS,
    DESIGN_INPUT_UNITS,
    DESIGN_INPUTS,
    DESIGN_SWEEP_DISTRIBUTIONS,
    OUTPUT_UNITS,
    PULSE_EFFICIENCY,
    TABLE6_INPUTS,
)

__all__ = [
    "DESIGN_INPUTS",
    "TABLE6_INPUTS",
    "ASSUMED_INPUTS",
    "DESIGN_INPUT_UNITS",
    "OUTPUT_UNITS",
    "PULSE_EFFICIENCY",
    "compute_cell_performance",
    "design_inputs_from_tables",
    "sensitivity",
    "sample_designs",
    "plan_designs",
    "DesignPlan",
]

_UM = 1e-4  # µm -> cm
_MM = 0.1  # mm -> cm
_MICRO = 1e-6  # µΩ·cm -> Ω·cm


# --------------------------------------------------------------------------- core model


def _as_arrays(inputs: Mapping[str, object]) -> dict[str, np.ndarray]:
    missing = [k for k in DESIGN_INPUTS if k not in inputs]
    if missing:
        raise KeyError(f"missing design input(s): {', '.join(missing)}")
    arrays = {}
    for k in DESIGN_INPUTS:
        try:
            arrays[k] = np.asarray(inputs[k], dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"design input {k!r} must be numeric: {exc}") from None
    shapes = [a.shape for a in arrays.values()]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"design inputs do not broadcast together: {dict(zip(DESIGN_INPUTS, shapes))}") from None
    return arrays


def compute_cell_performance(inputs: Mapping[str, np.ndarray], outputs: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    """Cell masses, volume, energy, resistance and power for every design at once.

    ``inputs`` maps each name of ``DESIGN_INPUTS`` to a number or array (units in
    ``DESIGN_INPUT_UNITS``: thicknesses µm, densities g/cm³, capacities Ah and Ah/g,
    resistivities µΩ·cm for the foils and Ω·cm for the separator, ASR Ω·cm², path length mm,
    voltages V, porosities and ratios as fractions). Extra keys are ignored. Arrays broadcast:
    an input that is the same for every design may be given as one number, which costs less
    than a full array and gives the same values bit for bit.

    Returns a dict of float arrays in the order and units of ``OUTPUT_UNITS`` (masses g,
    thicknesses µm, area cm², volume cm³, energy Wh, Wh/kg, Wh/L, resistances mΩ except the
    foils in pΩ and the ASRs in Ω·cm² / µΩ·cm², powers W/kg); with ``outputs``, only those
    (in that order). Raises KeyError for a missing input or an unknown output and ValueError
    for non-numeric or non-broadcastable inputs; physically impossible inputs (zero capacity,
    porosity 1) give inf/NaN rather than an error.

    Many designs are computed in blocks of ``_BLOCK_ROWS`` (every operation is elementwise, so
    the values do not depend on it).
    """
    names = list(OUTPUT_UNITS) if outputs is None else list(outputs)
    unknown = [k for k in names if k not in OUTPUT_UNITS]
    if unknown:
        raise KeyError(f"unknown output(s): {', '.join(unknown)}")
    x = _as_arrays(inputs)
    shape = np.broadcast_shapes(*(a.shape for a in x.values()))
    if len(shape) != 1 or shape[0] <= _BLOCK_ROWS:
        return {k: np.broadcast_to(v, shape) if np.shape(v) != shape else v for k, v in _model(x, names).items()}
    n = shape[0]
    result = {k: np.empty(n) for k in names}
    for start in range(0, n, _BLOCK_ROWS):
        block = {k: a[start : start + _BLOCK_ROWS] if a.shape == shape else a for k, a in x.items()}
        for k, v in _model(block, names).items():
            result[k][start : start + _BLOCK_ROWS] = v
    return result


# Designs computed at a time: the model's ~60 array operations on blocks of this many float64
# (128 kB an array) stay in the CPU's cache; for the seven outputs the sweep stores, about 1.7
# times as fast as passing whole arrays of a large sweep through memory (all outputs: about the
# same speed). Not a modelling choice: the values do not depend on it.
_BLOCK_ROWS = 16_384


def _model(x: Mapping[str, np.ndarray], outputs: Sequence[str]) -> dict[str, np.ndarray]:
    """Equations (1)-(23) on broadcastable input arrays: the named outputs."""
    with np.errstate(divide="ignore", invalid="ignore"):
        # (1) cathode: composite capacity and volumetric capacity
        cathode_specific_capacity = x["cathode_material_specific_capacity"] / (1.0 + x["cathode_additional_material_ratio"])
        cathode_solid_fraction = 1.0 - x["cathode_porosity"]
        cathode_volumetric_capacity = cathode_specific_capacity * x["cathode_density"] * cathode_solid_fraction
        # (2) areal capacity; thickness µm -> cm
        t_c = x["cathode_thickness"] * _UM
        cathode_areal_capacity = cathode_volumetric_capacity * t_c
        # (3) electrode area
        cell_area = x["cell_capacity"] / cathode_areal_capacity
        # (4) cathode mass (solid)
        cathode_mass = cell_area * t_c * x["cathode_density"] * cathode_solid_fraction
        # (5) anode capacity
        anode_capacity = x["cell_capacity"] * x["anode_oversize_factor"]
        # (6) effective anode density
        anode_effective_density = x["anode_density"] * (1.0 - x["anode_porosity"])
        # (7) anode mass
        anode_mass = anode_capacity / x["anode_specific_capacity"]
        # (8) anode areal capacity
        anode_areal_capacity = anode_capacity / cell_area
        # (9) anode volumetric capacity
        anode_volumetric_capacity = x["anode_specific_capacity"] * anode_effective_density
        # (10) anode thickness, cm
        t_a = anode_areal_capacity / anode_volumetric_capacity
        # (11)/(14) separator (SSE) solid mass
        t_s = x["sse_thickness"] * _UM
        sse_mass = cell_area * t_s * x["separator_density"] * (1.0 - x["separator_porosity"])
        # (15) liquid in the separator pores
        separator_electrolyte_mass = cell_area * t_s * x["electrolyte_density"] * x["separator_porosity"]
        # (17) liquid in the electrode pores
        electrode_electrolyte_mass = cell_area * x["electrolyte_density"] * (t_c * x["cathode_porosity"] + t_a * x["anode_porosity"])
        electrolyte_mass = separator_electrolyte_mass + electrode_electrolyte_mass
        # (20) current-collector masses
        t_cc = x["current_collector_thickness"] * _UM
        cu_mass = x["cu_density"] * cell_area * t_cc
        al_mass = x["al_density"] * cell_area * t_cc
        # (22) denominator: sum of the component masses
        total_mass = cathode_mass + anode_mass + sse_mass + electrolyte_mass + cu_mass + al_mass
        # (23) denominator: stack thickness (cm) and volume
        total_thickness_cm = t_c + t_a + t_s + 2.0 * t_cc
        volume = total_thickness_cm * cell_area
        mass_density = total_mass / volume
        # (21) energy; (22) Wh/kg; (23) Wh/L
        cell_energy = x["cell_capacity"] * x["average_voltage"]
        gravimetric_energy_density = cell_energy / total_mass * 1000.0
        volumetric_energy_density = cell_energy / volume * 1000.0
        # (12) SSE area-specific resistance; (13) over the cell area (Ω)
        sse_interface_resistance = x["sse_resistivity"] * t_s
        r_sse = sse_interface_resistance / cell_area
        r_electrode = x["electrode_area_specific_resistance"] / cell_area
        # (19) foils: resistivity · L² / (t · area), Ω
        path_sq = (x["current_path_length"] * _MM) ** 2
        r_cu = x["cu_resistivity"] * _MICRO * path_sq / (t_cc * cell_area)
        r_al = x["al_resistivity"] * _MICRO * path_sq / (t_cc * cell_area)
        r_total = r_sse + r_electrode + r_cu + r_al
        # Table 7 power: EF(1-EF)V²/R and V²/4R, per kg
        v_sq = x["pulse_voltage"] ** 2
        mass_kg = total_mass / 1000.0
        pulse_power_95 = PULSE_EFFICIENCY * (1.0 - PULSE_EFFICIENCY) * v_sq / r_total / mass_kg
        matched_impedance_power = v_sq / (4.0 * r_total) / mass_kg

        return _outputs(locals(), outputs)


def _outputs(v: Mapping[str, object], names: Sequence[str] | None = None) -> dict:
    """The model's outputs (``names``, default all, in OUTPUT_UNITS order and units) from the
    intermediate values the vectorised model (and the row-wise reference in tests/) computes
    under the same names; an output not asked for is not computed."""
    return {k: _CONVERTED[k](v) if k in _CONVERTED else v[k] for k in (OUTPUT_UNITS if names is None else names)}


# outputs that are not an intermediate value of the same name: output name -> its value in OUTPUT_UNITS
_CONVERTED = {
    "anode_thickness": lambda v: v["t_a"] / _UM,
    "total_thickness": lambda v: v["total_thickness_cm"] / _UM,
    "sse_resistance": lambda v: v["r_sse"] * 1e3,
    "electrode_resistance": lambda v: v["r_electrode"] * 1e3,
    "cu_resistance": lambda v: v["r_cu"] * 1e12,
    "al_resistance": lambda v: v["r_al"] * 1e12,
    "cu_areal_resistance": lambda v: v["r_cu"] * v["cell_area"] * 1e6,
    "al_areal_resistance": lambda v: v["r_al"] * v["cell_area"] * 1e6,
    "internal_resistance": lambda v: v["r_total"] * 1e3,
}


# --------------------------------------------------------------------------- inputs from curated tables


def design_inputs_from_tables(table6_wide: pd.DataFrame, assumptions_wide: pd.DataFrame) -> dict[str, np.ndarray]:
    """Input arrays (one element per cell, in ``table6_wide.index`` order) from the curated tables.

    table6_wide: index cell_id, columns = Table 6 parameter slugs, values in the units printed
    in Table 6 (only the ``TABLE6_INPUTS`` columns are read; output rows may be present).
    assumptions_wide: index cell_id, columns = assumption parameters (``ASSUMED_INPUTS`` and,
    as documented corrections, any ``TABLE6_INPUTS`` slug), values in ``DESIGN_INPUT_UNITS``.

    An assumption value that is not NaN overrides the Table 6 value of the same name. Raises
    ValueError when a cell lacks any input or a cell of table6_wide is absent from the
    assumptions.
    """
    if not isinstance(table6_wide, pd.DataFrame) or not isinstance(assumptions_wide, pd.DataFrame):
        raise ValueError("table6_wide and assumptions_wide must be pandas DataFrames indexed by cell_id")
    if table6_wide.index.has_duplicates or assumptions_wide.index.has_duplicates:
        raise ValueError("table6_wide and assumptions_wide must have one row per cell_id")
    cells = table6_wide.index
    absent = cells.difference(assumptions_wide.index)
    if len(absent):
        raise ValueError(f"cells without assumptions: {', '.join(map(str, absent))}")
    unknown = [c for c in assumptions_wide.columns if c not in DESIGN_INPUTS]
    if unknown:
        raise ValueError(f"assumption parameter(s) that are not design inputs: {', '.join(map(str, unknown))}")
    t6 = table6_wide.reindex(columns=list(DESIGN_INPUTS)).apply(pd.to_numeric, errors="coerce")
    asm = assumptions_wide.reindex(index=cells, columns=list(DESIGN_INPUTS)).apply(pd.to_numeric, errors="coerce")
    merged = asm.combine_first(t6)[list(DESIGN_INPUTS)]
    rows, cols = np.nonzero(merged.isna().to_numpy())
    if len(rows):
        named = [f"{cells[i]}.{DESIGN_INPUTS[j]}" for i, j in zip(rows, cols)]
        raise ValueError(f"missing design input value(s): {', '.join(named[:20])}")
    return {k: merged[k].to_numpy(dtype=float) for k in DESIGN_INPUTS}


# --------------------------------------------------------------------------- sensitivity


def sensitivity(
    inputs: Mapping[str, np.ndarray],
    rel_step: float = 0.10,
    outputs: Sequence[str] = ("gravimetric_energy_density", "volumetric_energy_density"),
    design_ids: Sequence | None = None,
) -> pd.DataFrame:
    """One-at-a-time ±rel_step perturbation of every design input, for every design.

    All (input, direction, design) cases are evaluated in one vectorised call. Returns a long
    frame: design (index or design_ids), input, direction ("-10%"/"+10%"), output, base,
    perturbed, relative_change (100 · (perturbed - base) / base; NaN where base is 0). An input that
    is 0 for a design (e.g. a porosity) stays 0 and shows no change.
    """
    if not (0.0 < float(rel_step) < 1.0):
        raise ValueError(f"rel_step must be in (0, 1), got {rel_step}")
    unknown = [o for o in outputs if o not in OUTPUT_UNITS]
    if unknown:
        raise ValueError(f"unknown output(s): {', '.join(unknown)}")
    x = _as_arrays(inputs)
    shape = np.broadcast_shapes(*(a.shape for a in x.values()))
    if len(shape) > 1:
        raise ValueError("sensitivity expects one-dimensional design arrays")
    n = int(shape[0]) if shape else 1
    base_inputs = {k: np.broadcast_to(v, (n,)).astype(float) for k, v in x.items()}
    ids = np.arange(n) if design_ids is None else np.asarray(design_ids)
    if len(ids) != n:
        raise ValueError(f"design_ids has {len(ids)} entries for {n} designs")

    k = len(DESIGN_INPUTS)
    # case c = 2*i + j perturbs input i by factor (1 - step) for j = 0 and (1 + step) for j = 1
    factors = np.ones((2 * k, k))
    rows = np.arange(2 * k)
    factors[rows, rows // 2] = np.where(rows % 2 == 0, 1.0 - rel_step, 1.0 + rel_step)
    stacked = {name: (factors[:, i][:, None] * base_inputs[name][None, :]).ravel() for i, name in enumerate(DESIGN_INPUTS)}
    perturbed = compute_cell_performance(stacked)
    base = compute_cell_performance(base_inputs)

    pct = f"{rel_step * 100:g}%"
    directions = np.array([f"-{pct}", f"+{pct}"])
    frames = []
    case_input = np.repeat(np.array(DESIGN_INPUTS), 2)
    case_dir = np.tile(directions, k)
    for out in outputs:
        p = np.asarray(perturbed[out]).reshape(2 * k, n)
        b = np.broadcast_to(np.asarray(base[out]), (n,))
        with np.errstate(divide="ignore", invalid="ignore"):
            change = np.where(b != 0, (p - b[None, :]) / b[None, :] * 100.0, np.nan)
        frames.append(
            pd.DataFrame(
                {
                    "design": np.tile(ids, 2 * k),
                    "input": np.repeat(case_input, n),
                    "direction": np.repeat(case_dir, n),
                    "output": out,
                    "base": np.tile(b, 2 * k),
                    "perturbed": p.ravel(),
                    "relative_change": change.ravel(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------- design sweeps

_RANGE_COLUMNS = ("parameter", "low", "high", "distribution", "choices")


def _parse_choices(text: str, parameter: str) -> tuple[list[str] | None, np.ndarray]:
    """'50;100;150' -> (None, [50,100,150]); 'li_metal=2.89;li_si=2.25' -> (labels, values)."""
    items = [] if text is None or (isinstance(text, float) and math.isnan(text)) else [s.strip() for s in str(text).split(";") if s.strip()]
    if not items:
        raise ValueError(f"ranges: parameter {parameter!r} has distribution 'choice' but no choices")
    labelled = ["=" in s for s in items]
    if any(labelled) and not all(labelled):
        raise ValueError(f"ranges: choices of {parameter!r} mix labelled and plain values: {text!r}")
    try:
        if all(labelled):
            pairs = [s.split("=", 1) for s in items]
            labels = [p[0].strip() for p in pairs]
            if len(set(labels)) != len(labels):
                raise ValueError(f"ranges: duplicate choice labels for {parameter!r}: {text!r}")
            values = np.array([float(p[1]) for p in pairs])
        else:
            labels, values = None, np.array([float(s) for s in items])
        if not np.isfinite(values).all():
            raise ValueError(f"ranges: non-numeric choice for {parameter!r}: {text!r}")
        return labels, values
    except ValueError as exc:
        if "duplicate" in str(exc):
            raise
        raise ValueError(f"ranges: non-numeric choice for {parameter!r}: {text!r}") from None


def _group_name(params: Sequence[str], index: int) -> str:
    prefix = params[0].split("_")
    for p in params[1:]:
        parts = p.split("_")
        n = 0
        while n < min(len(prefix), len(parts)) and prefix[n] == parts[n]:
            n += 1
        prefix = prefix[:n]
    return ("_".join(prefix) if prefix else f"group{index}") + "_choice"


@dataclass(frozen=True)
class DesignPlan:
    """A parsed sweep: which inputs vary and how, ready to be drawn in chunks.

    ``chunks(chunk_size)`` yields the designs in consecutive slices; concatenated they are
    exactly ``sample_designs`` (same draws, same order) whatever the chunk size, so a sweep of
    any length is computed and stored in bounded memory. For method "random" every varied input
    reads its own part of the one seeded PCG64 stream (the part the unchunked draw would read:
    uniform input j the doubles j*n .. (j+1)*n, then the integer draws one input after the
    other), so a chunk never depends on how the previous ones were cut.
    """

    method: str
    size: int  # designs drawn (for "grid", the grid's size)
    requested: int  # n asked for (sets the grid's levels)
    seed: int
    base: dict[str, float]
    uniform: tuple[tuple[str, float, float], ...]
    plain_choice: tuple[tuple[str, np.ndarray], ...]
    groups: tuple[tuple[tuple[str, ...], tuple[tuple[str, np.ndarray], ...]], ...]

    @property
    def label_names(self) -> list[str]:
        """Name of the label array of each jointly drawn group ("anode_choice")."""
        names: list[str] = []
        for g, (_, members) in enumerate(self.groups):
            name = _group_name([p for p, _ in members], g)
            if name in names or name in DESIGN_INPUTS:
                name = f"{name}_{g}"
            names.append(name)
        return names

    def _integer_generators(self) -> list[np.random.Generator]:
        """One generator per choice input (plain first, then groups), each positioned where the
        unchunked draw of that input starts: after every uniform double and every earlier
        choice draw (a bounded integer may consume more than one 32-bit word, so the earlier
        draws are replayed rather than counted)."""
        sizes = [len(v) for _, v in self.plain_choice] + [len(labels) for labels, _ in self.groups]
        rng = np.random.default_rng(self.seed)
        rng.bit_generator.advance(len(self.uniform) * self.size)
        generators = []
        for i, k in enumerate(sizes):
            generators.append(copy.deepcopy(rng))
            if i < len(sizes) - 1:
                for start in range(0, self.size, _REPLAY_CHUNK):
                    rng.integers(0, k, min(_REPLAY_CHUNK, self.size - start))
        return generators

    def _grid_axes(self) -> tuple[list[np.ndarray], tuple[int, ...]]:
        combos = int(np.prod([len(v) for _, v in self.plain_choice] + [len(lb) for lb, _ in self.groups]))
        k = max(2, int(round((self.requested / combos) ** (1.0 / len(self.uniform))))) if self.uniform else 1
        axes = [np.linspace(lo, hi, k) for _, lo, hi in self.uniform]
        axes += [np.arange(len(values)) for _, values in self.plain_choice]
        axes += [np.arange(len(labels)) for labels, _ in self.groups]
        return axes, tuple(len(a) for a in axes)

    def chunks(self, chunk_size: int | None = None) -> Iterator[tuple[int, dict[str, np.ndarray]]]:
        """(first design index, designs) per slice of at most ``chunk_size`` designs (None:
        one slice). Designs as ``sample_designs`` returns them."""
        for start, n, designs, coded in self.coded_chunks(chunk_size):
            designs = {k: np.full(n, v) if np.ndim(v) == 0 else v for k, v in designs.items()}
            for name, (labels, i) in coded.items():
                designs[name] = np.asarray(labels, dtype=str)[i]
            yield start, designs

    def coded_chunks(
        self, chunk_size: int | None = None
    ) -> Iterator[tuple[int, int, dict[str, np.ndarray | float], dict[str, tuple[tuple[str, ...], np.ndarray]]]]:
        """(first design index, number of designs, designs, coded labels) per slice: as
        ``chunks``, with an input the sweep does not vary given as its base value (one float,
        which the model broadcasts) rather than a full array, and each jointly drawn label
        array as (labels, index of each design's label) rather than as strings (which cost
        more to build than the model)."""
        step = self.size if chunk_size is None else int(chunk_size)
        if step < 1:
            raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
        if self.method == "random":
            uniform_rngs = []
            for j in range(len(self.uniform)):
                rng = np.random.default_rng(self.seed)
                rng.bit_generator.advance(j * self.size)
                uniform_rngs.append(rng)
            integer_rngs = self._integer_generators()
            choice_sizes = [len(v) for _, v in self.plain_choice] + [len(labels) for labels, _ in self.groups]
        else:
            axes, shape = self._grid_axes()
        for start in range(0, self.size, step):
            n = min(step, self.size - start)
            out: dict[str, np.ndarray] = {}
            if self.method == "random":
                for (p, lo, hi), rng in zip(self.uniform, uniform_rngs):
                    out[p] = rng.uniform(lo, hi, n)
                idx = [rng.integers(0, k, n) for rng, k in zip(integer_rngs, choice_sizes)]
            else:
                flat = np.unravel_index(np.arange(start, start + n), shape) if axes else ()
                for i, (p, _, _) in enumerate(self.uniform):
                    out[p] = axes[i][flat[i]]
                idx = [np.asarray(f) for f in flat[len(self.uniform):]]
            for (p, values), i in zip(self.plain_choice, idx):
                out[p] = values[i]
            label_idx = idx[len(self.plain_choice):]
            coded = {}
            for (labels, members), name, i in zip(self.groups, self.label_names, label_idx):
                for p, values in members:
                    out[p] = values[i]
                coded[name] = (labels, i)
            yield start, n, {k_: out[k_] if k_ in out else self.base[k_] for k_ in DESIGN_INPUTS}, coded


# Integer draws replayed per call when positioning a choice input's stream (bounds memory only).
_REPLAY_CHUNK = 1_000_000


def plan_designs(
    ranges: pd.DataFrame,
    n: int,
    seed: int,
    base: Mapping[str, object],
    method: str = "random",
) -> DesignPlan:
    """Parse and check a sweep (arguments as ``sample_designs``) without drawing it."""
    if method not in ("random", "grid"):
        raise ValueError(f"method must be 'random' or 'grid', got {method!r}")
    if not isinstance(ranges, pd.DataFrame):
        raise ValueError("ranges must be a pandas DataFrame")
    missing_cols = [c for c in _RANGE_COLUMNS if c not in ranges.columns]
    if missing_cols:
        raise ValueError(f"ranges is missing column(s): {', '.join(missing_cols)}")
    n = int(n)
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    missing_base = [k for k in DESIGN_INPUTS if k not in base]
    if missing_base:
        raise KeyError(f"base design lacks input(s): {', '.join(missing_base)}")
    base_values = {}
    for k in DESIGN_INPUTS:
        v = np.asarray(base[k], dtype=float).ravel()
        if v.size != 1:
            raise ValueError(f"base value of {k!r} must be a single number, got {v.size} values")
        base_values[k] = float(v[0])

    params = ranges["parameter"].astype(str).str.strip()
    if params.duplicated().any():
        raise ValueError(f"ranges lists a parameter twice: {sorted(set(params[params.duplicated()]))}")
    unknown = sorted(set(params) - set(DESIGN_INPUTS))
    if unknown:
        raise ValueError(f"ranges parameter(s) that are not design inputs: {', '.join(unknown)}")
    dist = ranges["distribution"].astype(str).str.strip().str.lower()
    bad = sorted(set(dist) - set(DESIGN_SWEEP_DISTRIBUTIONS))
    if bad:
        raise ValueError(f"unknown distribution(s) {bad}; allowed: {', '.join(DESIGN_SWEEP_DISTRIBUTIONS)}")

    uniform: list[tuple[str, float, float]] = []
    plain_choice: list[tuple[str, np.ndarray]] = []
    groups: dict[tuple[str, ...], list[tuple[str, np.ndarray]]] = {}
    for p, d, lo, hi, ch in zip(params, dist, ranges["low"], ranges["high"], ranges["choices"]):
        if d == "uniform":
            try:
                lo_f, hi_f = float(lo), float(hi)
            except (TypeError, ValueError):
                raise ValueError(f"ranges: uniform parameter {p!r} needs numeric low and high") from None
            if not (np.isfinite(lo_f) and np.isfinite(hi_f)) or lo_f > hi_f:
                raise ValueError(f"ranges: parameter {p!r} needs finite low <= high, got {lo}, {hi}")
            uniform.append((p, lo_f, hi_f))
        else:
            labels, values = _parse_choices(ch, p)
            if labels is None:
                plain_choice.append((p, values))
            else:
                groups.setdefault(tuple(labels), []).append((p, values))

    plan = DesignPlan(
        method=method,
        size=n,
        requested=n,
        seed=int(seed),
        base=base_values,
        uniform=tuple(uniform),
        plain_choice=tuple(plain_choice),
        groups=tuple((labels, tuple(members)) for labels, members in groups.items()),
    )
    if method == "grid":
        axes, shape = plan._grid_axes()
        plan = dataclasses.replace(plan, size=int(np.prod(shape)) if axes else n)
    return plan


def sample_designs(
    ranges: pd.DataFrame,
    n: int,
    seed: int,
    base: Mapping[str, object],
    method: str = "random",
) -> dict[str, np.ndarray]:
    """Designs around a base design, drawing the parameters listed in ``ranges``.

    ranges columns: parameter (a ``DESIGN_INPUTS`` name), low, high, distribution
    ("uniform": between low and high; "choice": one of the ';'-separated ``choices``), choices.
    Labelled choices ("li_metal=2.89;li_si=2.25") whose rows share the same label set are drawn
    *jointly* (one label per design for all of them, e.g. an anode material fixing its
    capacity, density and porosity); the drawn labels are returned as a string array under
    "<common prefix>_choice" (e.g. "anode_choice"). Unlabelled choices are drawn independently.

    method "random": n seeded draws (numpy default_rng(seed)). method "grid": the full factorial
    of every choice and k evenly spaced levels (low..high) per uniform parameter, with
    k = max(2, round((n / number of choice combinations) ** (1 / number of uniform
    parameters))): the grid size is near n, not exactly n, and the seed is not used.

    Parameters not in ``ranges`` keep the base value (scalar or length-1 array). Returns a dict
    with every ``DESIGN_INPUTS`` name -> float array of the sample size, plus the label arrays.
    For a large sweep, ``plan_designs(...).chunks(size)`` yields the same designs in slices.
    """
    _, designs = next(plan_designs(ranges, n, seed, base, method).chunks())
    return designs

"""Model tables: the report's bottom-up cell model (Section 4.1, equations 1-23) computed from
the curated design parameters (model.cell_performance), swept over a design space
(model.design_sweep, streamed) and probed for sensitivity (model.cell_sensitivity)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pipelines.compute.cell_model import (
    DESIGN_INPUTS,
    compute_cell_performance,
    design_inputs_from_tables,
    plan_designs,
    sensitivity,
)
from pipelines.schemas.computed.model import PUBLISHED_OUTPUTS, PUBLISHED_TABLE, SWEEP_OUTPUTS
from pipelines.schemas.curated.settings import AnalysisSettings
from pipelines.tables import table

if TYPE_CHECKING:  # pyarrow is imported when the sweep runs, not with the code location
    import pyarrow as pa


def cell_design_inputs(
    cell_design_parameters: pd.DataFrame, cell_model_assumptions: pd.DataFrame
) -> tuple[list[str], dict[str, np.ndarray]]:
    """The nine cells' model inputs: printed Table 6 values, completed (and where documented,
    corrected) by the curated assumptions."""
    table6 = cell_design_parameters.pivot_table(index="cell_id", columns="parameter", values="value", aggfunc="first", sort=False)
    assumed = cell_model_assumptions.pivot_table(index="cell_id", columns="parameter", values="value", aggfunc="first", sort=False)
    assumed = assumed[[c for c in assumed.columns if c in DESIGN_INPUTS]]  # the rest feed the independent eq 12-21 check
    cells = list(dict.fromkeys(cell_design_parameters["cell_id"]))  # order of the table
    return cells, design_inputs_from_tables(table6.loc[cells], assumed)


@table("model.cell_performance")
def compute_cell_performance_table(
    cell_design_parameters: pd.DataFrame, cell_model_assumptions: pd.DataFrame, published_cell_results: pd.DataFrame
) -> pd.DataFrame:
    cells, inputs = cell_design_inputs(cell_design_parameters, cell_model_assumptions)
    outputs = compute_cell_performance(inputs)
    computed = pd.DataFrame({"cell_id": cells, **{k: np.asarray(v, dtype=float) for k, v in outputs.items()}})
    return computed.join(published_beside_computed(computed, published_cell_results))


def published_beside_computed(computed: pd.DataFrame, published_cell_results: pd.DataFrame) -> pd.DataFrame:
    """published_<output> (Table 7 as printed, in the output's canonical unit) and
    <output>_deviation_pct for each output Table 7 prints, aligned with `computed`'s rows."""
    rows = published_cell_results[
        (published_cell_results["source_table"] == PUBLISHED_TABLE) & published_cell_results["metric"].isin(PUBLISHED_OUTPUTS)
    ]
    wide = rows.pivot_table(index="cell_id", columns="metric", values="value", aggfunc="first")
    published = wide.reindex(index=computed["cell_id"], columns=list(PUBLISHED_OUTPUTS)).to_numpy(dtype=float)
    ours = computed[list(PUBLISHED_OUTPUTS)].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        deviation = np.where(published != 0, 100.0 * (ours - published) / published, np.nan)
    return pd.DataFrame(
        {
            **{f"published_{m}": published[:, i] for i, m in enumerate(PUBLISHED_OUTPUTS)},
            **{f"{m}_deviation_pct": deviation[:, i] for i, m in enumerate(PUBLISHED_OUTPUTS)},
        },
        index=computed.index,
    )


# Designs computed, validated and written at a time: bounds the memory of a sweep of any size.
# Not a modelling choice (the result does not depend on it), so it is not a source setting.
# A whole number of DuckDB row groups (122,880 rows each): DuckDB's threads then compress
# whole row groups in parallel instead of merging and recompressing partial ones.
DUCKDB_ROW_GROUP_ROWS = 122_880
SWEEP_CHUNK_ROWS = DUCKDB_ROW_GROUP_ROWS


@table("model.design_sweep", streamed=True)
def design_sweep_chunks(
    cell_design_parameters: pd.DataFrame,
    cell_model_assumptions: pd.DataFrame,
    design_sweep: pd.DataFrame,
    design_sweep_settings: pd.DataFrame,
    analysis_settings: AnalysisSettings,
    chunk_rows: int | None = SWEEP_CHUNK_ROWS,
) -> Iterator[pa.RecordBatch]:
    """model.design_sweep as Arrow record batches of at most `chunk_rows` consecutive designs
    (None: one batch), straight from the numpy arrays; the rows do not depend on the chunk size."""
    import pyarrow as pa

    settings = design_sweep_settings.iloc[0]
    cells, inputs = cell_design_inputs(cell_design_parameters, cell_model_assumptions)
    base_index = cells.index(settings["base_cell_id"])
    base = {k: float(v[base_index]) for k, v in inputs.items()}
    plan = plan_designs(design_sweep, int(settings["n_designs"]), int(settings["seed"]), base, method=settings["method"])
    target = analysis_settings
    same: dict[tuple[str, int], pa.Array] = {}  # (input, rows) -> the column of an input the sweep does not vary
    for start, n, designs, coded in plan.coded_chunks(chunk_rows):
        outputs = compute_cell_performance(designs, SWEEP_OUTPUTS)
        labels, drawn = coded.get("anode_choice", (("base",), np.zeros(n, dtype=np.int64)))
        reaches = (outputs["gravimetric_energy_density"] >= target.design_target_gravimetric) & (
            outputs["volumetric_energy_density"] >= target.design_target_volumetric
        )
        for k in DESIGN_INPUTS:
            if np.ndim(designs[k]) == 0 and (k, n) not in same:
                same[k, n] = pa.array(np.full(n, designs[k], dtype=float))
        yield pa.record_batch(
            {
                "design_id": np.arange(start, start + n),
                "anode_choice": pa.array(labels, type=pa.string()).take(drawn),
                **{k: same[k, n] if np.ndim(designs[k]) == 0 else np.asarray(designs[k], dtype=float) for k in DESIGN_INPUTS},
                **{k: np.ascontiguousarray(np.broadcast_to(outputs[k], n), dtype=float) for k in SWEEP_OUTPUTS},
                "reaches_design_target": np.ascontiguousarray(np.broadcast_to(reaches, n)),
            }
        )


def compute_design_sweep(
    cell_design_parameters: pd.DataFrame,
    cell_model_assumptions: pd.DataFrame,
    design_sweep: pd.DataFrame,
    design_sweep_settings: pd.DataFrame,
    analysis_settings: AnalysisSettings,
) -> pd.DataFrame:
    """The whole sweep in one pandas frame (the asset streams it with `design_sweep_chunks`)."""
    inputs = (cell_design_parameters, cell_model_assumptions, design_sweep, design_sweep_settings, analysis_settings)
    return next(design_sweep_chunks(*inputs, chunk_rows=None)).to_pandas()


@table("model.cell_sensitivity")
def compute_cell_sensitivity(
    cell_design_parameters: pd.DataFrame, cell_model_assumptions: pd.DataFrame, analysis_settings: AnalysisSettings
) -> pd.DataFrame:
    cells, inputs = cell_design_inputs(cell_design_parameters, cell_model_assumptions)
    tornado = sensitivity(inputs, rel_step=analysis_settings.sensitivity_step, design_ids=cells)
    return tornado.rename(columns={"design": "cell_id"})

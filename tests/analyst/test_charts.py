"""Charts: each chart asset materializes in-process into a temporary warehouse, writes a PNG,
places its labels without overlap or cut-off, names things by display name, and draws every
printed range as an error bar."""
from __future__ import annotations

import io

import duckdb
import pandas as pd
import pytest
from PIL import Image

from pipelines.assets.warehouse import published_files
from pipelines.publish import charts

CHART_NAMES = sorted(key.path[-1] for key in published_files.keys if key.path[0] == "charts")  # a multi-asset's keys are a set


@pytest.fixture(scope="module")
def chart_runs(tmp_path_factory, built_warehouse):
    """Materialize the chart assets alone, over a copy of a published warehouse (their upstream
    tables are read from it), into a temporary folder; returns (metadata by chart, exports dir)."""
    import shutil

    from dagster import AssetSelection, DagsterInstance

    from pipelines.definitions import defs
    from pipelines.settings import Paths

    root = tmp_path_factory.mktemp("charts")
    paths = Paths(sources=built_warehouse.sources, warehouse_dir=root / "warehouse")
    paths.warehouse_dir.mkdir()
    shutil.copytree(built_warehouse.build_dir, paths.build_dir)
    shutil.copy2(built_warehouse.published_db, paths.published_db)
    mp = pytest.MonkeyPatch()
    mp.setenv("BATTERY_SOURCES_DIR", str(paths.sources))
    mp.setenv("BATTERY_WAREHOUSE_DIR", str(paths.warehouse_dir))
    try:
        job = defs.resolve_implicit_global_asset_job_def().get_subset(
            asset_selection=AssetSelection.groups("charts").resolve(defs.resolve_asset_graph())
        )
        result = job.execute_in_process(instance=DagsterInstance.ephemeral(), raise_on_error=True)
    finally:
        mp.undo()
    events = [e.step_materialization_data.materialization for e in result.get_asset_materialization_events()]
    metadata = {m.asset_key.path[-1]: {k: getattr(v, "value", v) for k, v in m.metadata.items()} for m in events}
    return metadata, paths


@pytest.fixture(scope="module")
def tables(built_warehouse):
    names = [
        "curated.cell_claims", "model.cell_performance", "curated.modelled_cells", "curated.published_cell_results",
        "sizing.pack_uncertainty",
    ]
    with duckdb.connect(str(built_warehouse.published_db), read_only=True) as con:
        return {n: con.execute(f"SELECT * FROM {n}").df() for n in names}


@pytest.mark.parametrize("name", CHART_NAMES)
def test_chart_asset_writes_a_png_with_readable_labels(name, chart_runs):
    metadata, paths = chart_runs
    meta = metadata[name]
    data = (paths.exports_dir / "charts" / f"{name}.png").read_bytes()
    assert len(data) == meta["bytes"] > 0
    Image.open(io.BytesIO(data)).verify()
    assert meta["overlapping_labels"] == 0, "labels (with the legend, axis labels and title) must not overlap"
    assert meta["labels_outside_figure"] == 0, "no label may be cut by the figure edge"
    assert "data:image/png;base64," in meta["preview"]


def test_old_ragone_file_is_now_the_energy_density_map():
    assert {"energy_density_map", "ragone", "pack_mass_by_vehicle", "machine_operating_hours"} <= set(CHART_NAMES)


def _ranged(points: pd.DataFrame) -> int:
    return int((points["x_hi"] > points["x_lo"]).sum() + (points["y_hi"] > points["y_lo"]).sum())


def test_energy_density_map_draws_every_printed_range_as_an_error_bar(chart_runs, tables):
    points = charts.energy_density_points(*(tables[n] for n in list(tables)[:4]))
    assert _ranged(points) > 0, "the claims hold at least one printed range"
    assert chart_runs[0]["energy_density_map"]["error_bars"] == _ranged(points)


def test_ragone_error_bars_match_the_printed_ranges(chart_runs, tables):
    points = charts.ragone_points(*(tables[n] for n in list(tables)[:4]))
    assert chart_runs[0]["ragone"]["error_bars"] == _ranged(points)
    assert set(points["power_metric"]) <= set(charts.POWER_METRICS)


def test_pack_mass_error_bars_are_the_monte_carlo_bands(chart_runs, tables):
    band = tables["sizing.pack_uncertainty"]
    band = band[band["metric"].eq("pack_mass")]
    assert chart_runs[0]["pack_mass_by_vehicle"]["error_bars"] == int((band["p95"] > band["p5"]).sum()) > 0


def test_modelled_cells_appear_computed_and_as_published_by_display_name(tables):
    points = charts.energy_density_points(*(tables[n] for n in list(tables)[:4]))
    cells = tables["curated.modelled_cells"]
    modelled = points[points["kind"].isin(["computed", "published"])]
    assert not set(modelled["name"]) & set(cells["cell_id"]), "a slug is shown where a display name belongs"
    assert set(modelled["name"]) == set(cells["display_name"])
    table7 = tables["curated.published_cell_results"]
    table7 = table7[table7["source_table"].eq(charts.TABLE7) & table7["metric"].eq("gravimetric_energy_density")]
    published = points[points["kind"].eq("published")].set_index("cell_id")["x"]
    assert published.sort_index().tolist() == table7.set_index("cell_id")["value"].sort_index().tolist()


def test_claims_over_time_plots_every_dated_claim_of_the_metric(chart_runs, built_warehouse):
    """Chart 5: one point per dated gravimetric-energy claim with a best value, ranges as error bars."""
    with duckdb.connect(str(built_warehouse.published_db), read_only=True) as con:
        expected = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE value_max > value_min), count(DISTINCT t.family) "
            "FROM curated.cell_claims c JOIN curated.technologies t USING (technology_id) "
            "WHERE metric = 'gravimetric_energy_density' AND value_best IS NOT NULL AND claim_date IS NOT NULL"
        ).fetchone()
    meta = chart_runs[0]["claims_over_time"]
    assert (meta["claims"], meta["error_bars"], meta["families"]) == expected


def test_overlap_measure_counts_overlapping_labels():
    """The measure the chart tests rely on does see overlapping labels."""
    fig = charts._figure((6.4, 4.8), dpi=100)
    ax = fig.subplots()
    texts = [ax.text(0.5, 0.5, "same place"), ax.text(0.5, 0.5, "same place"), ax.text(0.1, 0.9, "apart")]
    overlaps, outside = charts._label_measures(fig, texts)
    assert (overlaps, outside) == (1, 0)


def test_label_placement_separates_the_labels_of_crowded_points():
    """Twelve labels of points almost on top of each other end up apart, inside the axes, none
    on a marker of the cluster."""
    import numpy as np

    from pipelines.publish.labels import place_labels

    fig = charts._figure((6.4, 4.8), dpi=100)
    ax = fig.subplots()
    x = 0.5 + 0.01 * np.arange(12)
    y = 0.5 + 0.005 * np.arange(12) ** 1.5
    ax.scatter(x, y)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    texts = [ax.text(a, b, f"cell number {i}", fontsize=7) for i, (a, b) in enumerate(zip(x, y))]
    fig.tight_layout()
    place_labels(ax, texts, x, y)
    overlaps, outside = charts._label_measures(fig, texts)
    assert (overlaps, outside) == (0, 0)
    renderer = fig.canvas.get_renderer()
    boxes = np.array([t.get_window_extent(renderer).extents for t in texts])
    frame = ax.get_window_extent(renderer).extents
    assert (boxes[:, :2] >= frame[:2]).all() and (boxes[:, 2:] <= frame[2:]).all(), "a label left the axes"
    points = ax.transData.transform(np.column_stack([x, y]))
    inside = (points[None, :, 0] > boxes[:, None, 0]) & (points[None, :, 0] < boxes[:, None, 2]) & (
        points[None, :, 1] > boxes[:, None, 1]) & (points[None, :, 1] < boxes[:, None, 3])
    assert not inside.any(), "a label covers a point"

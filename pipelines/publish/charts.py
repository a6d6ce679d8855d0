"""Charts rendered to PNG from warehouse tables (matplotlib, Agg backend, no display needed).

Every chart names things by their display names from the curated tables (never slugs), puts a
unit on every axis and a legend outside the plotting area, draws a printed range as an error
bar, and places point labels clear of each other (publish/labels.py). Each render function returns a `Chart`: the PNG
and what was measured on the drawn figure (label overlaps, labels cut by the figure edge, error
bars drawn), which the chart assets show as metadata and the tests assert on.

matplotlib is imported inside the functions: importing this module stays cheap
for code paths that never draw.
"""
from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

MATURITY_ORDER = ["commercial", "early_production", "under_development", "laboratory", "literature"]
MATURITY_COLOURS = {
    "commercial": "#1b9e77",
    "early_production": "#66a61e",
    "under_development": "#e6ab02",
    "laboratory": "#d95f02",
    "literature": "#7570b3",
}
MODELLED_COLOUR = "#e7298a"
SCENARIO_COLOURS = ["#7570b3", "#1b9e77", "#d95f02", "#e6ab02", "#66a61e", "#a6761d", "#666666"]
ENERGY_METRICS = {"gravimetric_energy_density": "wh_per_kg", "volumetric_energy_density": "wh_per_l"}
# Power figures a Ragone plot can use (W/kg), and how the legend calls each definition.
POWER_METRICS = {
    "gravimetric_power_density": "specific power (as published)",
    "pulse_power_95": "pulse power at 95% efficiency",
    "matched_impedance_power": "matched-impedance power",
}
POWER_MARKERS = {"gravimetric_power_density": "s", "pulse_power_95": "o", "matched_impedance_power": "^"}
TABLE7 = "Table 7"


@dataclass
class Chart:
    """A rendered chart and what was measured on it."""

    png: bytes
    labels: int = 0
    overlapping_labels: int = 0
    labels_outside_figure: int = 0
    error_bars: int = 0
    extra: dict = field(default_factory=dict)

    def metadata(self) -> dict:
        return {
            "labels": self.labels,
            "overlapping_labels": self.overlapping_labels,
            "labels_outside_figure": self.labels_outside_figure,
            "error_bars": self.error_bars,
            **self.extra,
        }


def _figure(figsize: tuple[float, float], dpi: float = 110):
    """A matplotlib Figure drawn by the Agg canvas, without pyplot: no global figure registry,
    no backend switch, nothing to close."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def tight_layout(fig, rect: tuple[float, float, float, float] | None = None, pad: float = 1.08) -> None:
    """`fig.tight_layout(rect=rect)` for a figure of subplots of one grid, each Axes measured once:
    the same arithmetic as matplotlib's `_auto_adjust_subplotpars`, so the same layout, for less.

    matplotlib measures every Axes (ticks, tick labels, titles) twice when given a `rect`, once
    for the margins and again for the same margins within the rect, though the Axes do not move
    in between; and `fig.tight_layout()` leaves a placeholder layout engine on the figure, for
    which `savefig` draws the whole figure once more before drawing it into the PNG."""
    from matplotlib import rcParams
    from matplotlib.font_manager import FontProperties

    renderer = fig.canvas.get_renderer()
    axes = [ax for ax in fig.axes if ax.get_visible()]
    if not axes:
        return
    specs = [ax.get_subplotspec() for ax in axes]
    rows, cols = specs[0].get_gridspec().get_geometry()
    width, height = fig.get_size_inches()
    pad_inch = pad * FontProperties(size=rcParams["font.size"]).get_size_in_points() / 72
    to_figure = fig.transFigure.inverted()
    hspaces, vspaces = np.zeros((rows, cols + 1)), np.zeros((rows + 1, cols))
    for ax, spec in zip(axes, specs):
        box, tight = spec.get_position(fig), to_figure.transform_bbox(ax.get_tightbbox(renderer, for_layout_only=True))
        hspaces[spec.rowspan, spec.colspan.start] += box.xmin - tight.xmin
        hspaces[spec.rowspan, spec.colspan.stop] += tight.xmax - box.xmax
        vspaces[spec.rowspan.start, spec.colspan] += tight.ymax - box.ymax
        vspaces[spec.rowspan.stop, spec.colspan] += box.ymin - tight.ymin
    title = fig._suptitle
    title_height = to_figure.transform_bbox(title.get_window_extent(renderer)).height if title and title.get_in_layout() else None

    def margins(rect):
        left, bottom, right, top = rect or (None, None, None, None)
        right, top = (1 - right if right else None), (1 - top if top else None)
        if not left:
            left = max(hspaces[:, 0].max(), 0) + pad_inch / width
        if not right:
            right = max(hspaces[:, -1].max(), 0) + pad_inch / width
        if not top:
            top = max(vspaces[0, :].max(), 0) + pad_inch / height
            if title_height is not None:
                top += title_height + pad_inch / height
        if not bottom:
            bottom = max(vspaces[-1, :].max(), 0) + pad_inch / height
        return left, bottom, right, top

    left, bottom, right, top = margins(None)
    if rect is not None:  # matplotlib's second pass: the whole area, labels included, within rect
        left, bottom, right, top = margins((rect[0] + left, rect[1] + bottom, rect[2] - right, rect[3] - top))
    kwargs = {"left": left, "right": 1 - right, "bottom": bottom, "top": 1 - top}
    wspace = hspaces[:, 1:-1].max() + pad_inch / width if cols > 1 else 0.0
    hspace = vspaces[1:-1, :].max() + pad_inch / height if rows > 1 else 0.0
    panel_width, panel_height = (1 - right - left - wspace * (cols - 1)) / cols, (1 - top - bottom - hspace * (rows - 1)) / rows
    if panel_width <= 0 or panel_height <= 0:  # as matplotlib: no room for the decorations, layout left as it is
        return
    if cols > 1:
        kwargs["wspace"] = wspace / panel_width
    if rows > 1:
        kwargs["hspace"] = hspace / panel_height
    fig.subplots_adjust(**kwargs)


def humanise(text: str) -> str:
    """A vocabulary slug (maturity status, technology family) as words: the vocabularies have
    no display column, their slugs are plain English words joined by underscores."""
    return str(text).replace("_", " ")


# --------------------------------------------------------------------------- points from tables


def _claim_figures(cell_claims: pd.DataFrame, metrics) -> pd.DataFrame:
    """One row per entity and metric: the point drawn (stated value, else the middle of a printed
    range), the range's ends where one is printed, and whether the figure is a one-sided bound."""
    rows = cell_claims[cell_claims["metric"].isin(list(metrics))].copy()
    lo, hi = rows["value_min"].astype(float), rows["value_max"].astype(float)
    rows["point"] = rows["value"].astype(float).fillna((lo + hi) / 2)
    ranged = lo.notna() & hi.notna() & (hi > lo)
    rows["lo"] = lo.where(ranged, rows["point"])
    rows["hi"] = hi.where(ranged, rows["point"])
    rows["bound"] = rows["qualifier"].isin(["gt", "ge", "lt", "le", "up_to", "at_least"])
    rows = rows.dropna(subset=["point"])
    # An entity quoting one metric twice (e.g. 285 and "approximately 280"): the larger figure.
    rows = rows.sort_values("point").drop_duplicates(["entity", "metric"], keep="last")
    return rows[["entity", "status", "metric", "point", "lo", "hi", "bound"]]


def _spread(frame: pd.DataFrame, prefix: str) -> pd.DataFrame:
    return frame.rename(columns={"point": prefix, "lo": f"{prefix}_lo", "hi": f"{prefix}_hi", "bound": f"{prefix}_bound"})


def _modelled_frame(cell_performance: pd.DataFrame, modelled_cells: pd.DataFrame) -> pd.DataFrame:
    return cell_performance.merge(modelled_cells[["cell_id", "display_name"]], on="cell_id", how="left")


def _table7(published_cell_results: pd.DataFrame, metric: str) -> pd.Series:
    rows = published_cell_results[
        published_cell_results["source_table"].eq(TABLE7) & published_cell_results["metric"].eq(metric)
    ]
    return rows.set_index("cell_id")["value"].astype(float)


def _point_columns(values: pd.Series, prefix: str) -> dict:
    return {prefix: values.to_numpy(), f"{prefix}_lo": values.to_numpy(), f"{prefix}_hi": values.to_numpy(), f"{prefix}_bound": False}


def energy_density_points(
    cell_claims: pd.DataFrame,
    cell_performance: pd.DataFrame,
    modelled_cells: pd.DataFrame,
    published_cell_results: pd.DataFrame,
) -> pd.DataFrame:
    """Wh/kg and Wh/L per claim entity that states both, per modelled cell as computed, and per
    modelled cell as Table 7 publishes it. Columns: name, kind (claim | computed | published),
    status, cell_id, and x/y with their _lo/_hi range ends and _bound flags."""
    figures = _claim_figures(cell_claims, ENERGY_METRICS)
    x = _spread(figures[figures["metric"].eq("gravimetric_energy_density")].drop(columns="metric"), "x")
    y = _spread(figures[figures["metric"].eq("volumetric_energy_density")].drop(columns=["metric", "status"]), "y")
    claims = x.merge(y, on="entity").rename(columns={"entity": "name"}).assign(kind="claim", cell_id=None)
    model = _modelled_frame(cell_performance, modelled_cells)
    computed = pd.DataFrame(
        {
            "name": model["display_name"],
            "cell_id": model["cell_id"],
            "status": "modelled",
            "kind": "computed",
            **_point_columns(model["gravimetric_energy_density"].astype(float), "x"),
            **_point_columns(model["volumetric_energy_density"].astype(float), "y"),
        }
    )
    grav = model["cell_id"].map(_table7(published_cell_results, "gravimetric_energy_density"))
    vol = model["cell_id"].map(_table7(published_cell_results, "volumetric_energy_density"))
    published = pd.DataFrame(
        {
            "name": model["display_name"],
            "cell_id": model["cell_id"],
            "status": "modelled",
            "kind": "published",
            **_point_columns(grav, "x"),
            **_point_columns(vol, "y"),
        }
    ).dropna(subset=["x", "y"])
    return pd.concat([claims, computed, published], ignore_index=True)


def ragone_points(
    cell_claims: pd.DataFrame,
    cell_performance: pd.DataFrame,
    modelled_cells: pd.DataFrame,
    published_cell_results: pd.DataFrame,
) -> pd.DataFrame:
    """Specific power (W/kg) against specific energy (Wh/kg), one row per entity and power
    definition: claims that state both, modelled cells as computed (both power definitions the
    model gives) and as Table 7 publishes them (pulse power)."""
    figures = _claim_figures(cell_claims, {**POWER_METRICS, "gravimetric_energy_density": None})
    energy = _spread(figures[figures["metric"].eq("gravimetric_energy_density")].drop(columns="metric"), "x")
    power = _spread(figures[figures["metric"].isin(list(POWER_METRICS))].drop(columns="status"), "y")
    claims = energy.merge(power, on="entity").rename(columns={"entity": "name", "metric": "power_metric"})
    claims = claims.assign(kind="claim", cell_id=None)
    model = _modelled_frame(cell_performance, modelled_cells)
    frames = [claims]
    for metric in POWER_METRICS:
        if metric in model.columns:
            frames.append(
                pd.DataFrame(
                    {
                        "name": model["display_name"],
                        "cell_id": model["cell_id"],
                        "status": "modelled",
                        "kind": "computed",
                        "power_metric": metric,
                        **_point_columns(model["gravimetric_energy_density"].astype(float), "x"),
                        **_point_columns(model[metric].astype(float), "y"),
                    }
                )
            )
        grav = model["cell_id"].map(_table7(published_cell_results, "gravimetric_energy_density"))
        pub_power = model["cell_id"].map(_table7(published_cell_results, metric))
        frames.append(
            pd.DataFrame(
                {
                    "name": model["display_name"],
                    "cell_id": model["cell_id"],
                    "status": "modelled",
                    "kind": "published",
                    "power_metric": metric,
                    **_point_columns(grav, "x"),
                    **_point_columns(pub_power, "y"),
                }
            ).dropna(subset=["x", "y"])
        )
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------- drawing helpers


def _errorbars(ax, points: pd.DataFrame, colour: str, **style) -> int:
    """Draw each row's printed range as an error bar (x and/or y); returns how many bars."""
    drawn = 0
    for axis in ("x", "y"):
        lo, hi = points[f"{axis}_lo"].to_numpy(float), points[f"{axis}_hi"].to_numpy(float)
        ranged = hi > lo
        if not ranged.any():
            continue
        centre = points[axis].to_numpy(float)[ranged]
        err = np.vstack([centre - lo[ranged], hi[ranged] - centre])
        kwargs = {"xerr": err} if axis == "x" else {"yerr": err}
        ax.errorbar(points["x"].to_numpy(float)[ranged], points["y"].to_numpy(float)[ranged], fmt="none",
                    ecolor=colour, elinewidth=1.2, capsize=3, zorder=2, **kwargs, **style)
        drawn += int(ranged.sum())
    return drawn


def _place_labels(ax, texts, x, y) -> None:
    from pipelines.publish.labels import place_labels

    place_labels(ax, texts, x, y)


def _label_measures(fig, texts, drawn: bool = False) -> tuple[int, int]:
    """(pairs of labels whose boxes intersect, labels reaching outside the figure), measured on the
    drawn figure in display pixels (drawn: the figure was just drawn, e.g. by savefig, as it is
    measured; otherwise it is drawn first)."""
    if not drawn:
        fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    if not texts:
        return 0, 0
    boxes = np.array([t.get_window_extent(renderer).extents for t in texts])  # x0, y0, x1, y1
    x0, y0, x1, y1 = boxes.T
    overlap = (x0[:, None] < x1[None, :]) & (x0[None, :] < x1[:, None]) & (y0[:, None] < y1[None, :]) & (y0[None, :] < y1[:, None])
    pairs = int(np.triu(overlap, k=1).sum())
    fx0, fy0, fx1, fy1 = fig.bbox.extents
    outside = int(((x0 < fx0) | (y0 < fy0) | (x1 > fx1) | (y1 > fy1)).sum())
    return pairs, outside


def _finish(fig, ax, texts, error_bars: int, **extra) -> Chart:
    # Labels must clear the legend, the axis labels and the title too: measure them together.
    if not texts:  # placed labels are laid out already; a new layout would move them
        tight_layout(fig)
    legend = ax.get_legend()
    measured = [*texts, *([legend] if legend is not None else []), ax.xaxis.label, ax.yaxis.label, ax.title]
    png = png_bytes(fig)
    overlaps, outside = _label_measures(fig, measured, drawn=True)  # as drawn into the PNG
    return Chart(png, labels=len(texts), overlapping_labels=overlaps, labels_outside_figure=outside,
                 error_bars=error_bars, extra=extra)


def png_bytes(fig) -> bytes:
    """The figure as PNG (one draw; the text positions measured afterwards are the drawn ones).
    zlib level 3 instead of 6: half the encoding time for a file about 5 % larger. Byte-stable:
    the same tables give the same bytes (no matplotlib version, date or other text chunk; the
    drawing itself is deterministic), so an unchanged chart is an unchanged file."""
    from PIL.PngImagePlugin import PngInfo

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", pil_kwargs={"compress_level": 3, "pnginfo": PngInfo()})  # an empty text chunk list
    return buffer.getvalue()


def _legend_outside(ax, **kwargs):
    return ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize=8, **kwargs)


def _bar_axes(ax, groups: list[str], xlabel: str, ylabel: str, title: str, legend_title: str) -> None:
    """Axes of a grouped bar chart: one tick per group, labels and units, legend outside."""
    ax.set_xticks(np.arange(len(groups)), groups, rotation=15, ha="right")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, axis="y", alpha=0.3)
    _legend_outside(ax, title=legend_title)


# --------------------------------------------------------------------------- the charts


def render_energy_density_map(points: pd.DataFrame, targets: tuple[float, float] | None = None) -> Chart:
    """Wh/L against Wh/kg: claims by maturity, modelled cells as computed (filled diamonds, labelled)
    and as Table 7 publishes them (hollow diamonds, joined to the computed point)."""
    fig = _figure((12, 7.5))
    ax = fig.subplots()
    texts, tx, ty, bars = [], [], [], 0
    claims = points[points["kind"].eq("claim")]
    for status in MATURITY_ORDER:
        group = claims[claims["status"].eq(status)]
        if group.empty:
            continue
        colour = MATURITY_COLOURS[status]
        bars += _errorbars(ax, group, colour)
        solid = group[~(group["x_bound"] | group["y_bound"])]
        ax.scatter(solid["x"], solid["y"], s=55, color=colour, edgecolor="black", linewidth=0.5, zorder=3,
                   label=f"claim: {humanise(status)}")
        bound = group[group["x_bound"] | group["y_bound"]]
        if not bound.empty:
            ax.scatter(bound["x"], bound["y"], s=55, facecolor="none", edgecolor=colour, linewidth=1.5, zorder=3)
        for row in group.itertuples(index=False):
            texts.append(ax.text(row.x, row.y, row.name, fontsize=7, zorder=5))
            tx.append(row.x)
            ty.append(row.y)
    if (claims["x_bound"] | claims["y_bound"]).any():
        ax.scatter([], [], s=55, facecolor="none", edgecolor="black", label="claim printed as a bound (\u201cup to\u201d, \u201c>\u201d)")
    computed = points[points["kind"].eq("computed")]
    published = points[points["kind"].eq("published")]
    pairs = computed.merge(published, on="cell_id", suffixes=("", "_pub"))
    for row in pairs.itertuples(index=False):
        ax.plot([row.x, row.x_pub], [row.y, row.y_pub], color=MODELLED_COLOUR, linewidth=0.8, linestyle=":", zorder=2)
    ax.scatter(computed["x"], computed["y"], s=60, marker="D", color=MODELLED_COLOUR, edgecolor="black", linewidth=0.5,
               zorder=4, label="modelled cell, computed here (Section 4.1 model)")
    ax.scatter(published["x"], published["y"], s=60, marker="D", facecolor="none", edgecolor=MODELLED_COLOUR,
               linewidth=1.5, zorder=4, label="modelled cell, as published in Table 7")
    for row in computed.itertuples(index=False):
        texts.append(ax.text(row.x, row.y, row.name, fontsize=7, color="#8a1456", zorder=5))
        tx.append(row.x)
        ty.append(row.y)
    if targets is not None:
        ax.axvline(targets[0], color="grey", linestyle="--", linewidth=1, label=f"design target: {targets[0]:g} Wh/kg")
        ax.axhline(targets[1], color="grey", linestyle="-.", linewidth=1, label=f"design target: {targets[1]:g} Wh/L")
    ax.set_xlabel("Gravimetric energy density (Wh/kg)")
    ax.set_ylabel("Volumetric energy density (Wh/L)")
    ax.set_title("Energy density: published claims and modelled cells (computed and as published)")
    ax.grid(True, alpha=0.3)
    _legend_outside(ax, title="points")
    tight_layout(fig)
    _place_labels(ax, texts, points["x"], points["y"])
    return _finish(fig, ax, texts, bars, points=len(points))


def render_ragone(points: pd.DataFrame) -> Chart:
    """A Ragone plot: specific power (W/kg, log scale) against specific energy (Wh/kg). Colour
    says where a point comes from, the marker which power definition it uses."""
    fig = _figure((12, 7.5))
    ax = fig.subplots()
    sources = {
        "claim": ("published claim", "#1b9e77", True),
        "computed": ("modelled cell, computed here", MODELLED_COLOUR, True),
        "published": ("modelled cell, as published in Table 7", MODELLED_COLOUR, False),
    }
    bars = 0
    # The figures of one cell (power definitions, computed and published) joined by a faint line.
    for _, group in points.sort_values("y").groupby("name"):
        ax.plot(group["x"], group["y"], color="grey", linewidth=0.6, linestyle=":", zorder=1)
    for kind, (label, colour, filled) in sources.items():
        group = points[points["kind"].eq(kind)]
        bars += _errorbars(ax, group, colour)
        for metric, marker in POWER_MARKERS.items():
            sub = group[group["power_metric"].eq(metric)]
            if sub.empty:
                continue
            hollow = sub["x_bound"] | sub["y_bound"] | (not filled)
            ax.scatter(sub.loc[~hollow, "x"], sub.loc[~hollow, "y"], s=55, marker=marker, zorder=4, color=colour,
                       edgecolor="black", linewidth=0.5)
            ax.scatter(sub.loc[hollow, "x"], sub.loc[hollow, "y"], s=55, marker=marker, zorder=4, facecolor="none",
                       edgecolor=colour, linewidth=1.5)
        ax.scatter([], [], s=55, marker="s", label=label,
                   **({"color": colour, "edgecolor": "black"} if filled else {"facecolor": "none", "edgecolor": colour, "linewidth": 1.5}))
    if (points["x_bound"] | points["y_bound"]).any():
        ax.scatter([], [], s=55, marker="s", facecolor="none", edgecolor="#1b9e77", linewidth=1.5,
                   label="claim printed as a bound (\u201cup to\u201d, \u201c>\u201d)")
    for metric, marker in POWER_MARKERS.items():
        if points["power_metric"].eq(metric).any():
            ax.scatter([], [], s=55, marker=marker, color="lightgrey", edgecolor="black", label=f"marker: {POWER_METRICS[metric]}")
    # One label per entity and origin, on its highest power figure.
    labelled = points[points["kind"].ne("published")].sort_values("y").drop_duplicates(["name", "kind"], keep="last")
    texts = [ax.text(r.x, r.y, r.name, fontsize=7, zorder=5, color="#8a1456" if r.kind == "computed" else "black")
             for r in labelled.itertuples(index=False)]
    ax.set_yscale("log")
    ax.set_xlabel("Specific energy (Wh/kg)")
    ax.set_ylabel("Specific power (W/kg, log scale)")
    ax.set_title("Ragone plot: specific power against specific energy (cells with power figures)")
    ax.grid(True, which="both", alpha=0.3)
    _legend_outside(ax, title="colour: origin; marker: power definition")
    tight_layout(fig)
    _place_labels(ax, texts, points["x"], points["y"])
    return _finish(fig, ax, texts, bars, points=len(points))


def pack_mass_frame(
    vehicle_packs: pd.DataFrame,
    pack_uncertainty: pd.DataFrame,
    published_pack_results: pd.DataFrame,
    vehicle_names: pd.Series,
    scenario_names: pd.Series,
) -> pd.DataFrame:
    """Pack mass per vehicle and file scenario: computed, Monte Carlo p5/p95, Table 11 as published."""
    band = pack_uncertainty[pack_uncertainty["metric"].eq("pack_mass")][["vehicle_id", "scenario_id", "p5", "p95"]]
    table11 = published_pack_results[published_pack_results["metric"].eq("pack_mass")]
    table11 = table11.rename(columns={"value": "published"})[["vehicle_id", "scenario_id", "published"]]
    frame = vehicle_packs[["vehicle_id", "scenario_id", "year", "battery_energy", "pack_mass"]].merge(
        band, on=["vehicle_id", "scenario_id"]
    )
    frame = frame.merge(table11, on=["vehicle_id", "scenario_id"], how="left")
    return frame.assign(vehicle=frame["vehicle_id"].map(vehicle_names), scenario=frame["scenario_id"].map(scenario_names))


def render_pack_mass(frame: pd.DataFrame) -> Chart:
    """Grouped bars: pack mass per vehicle (largest battery first) and scenario (by year), the
    Monte Carlo p5-p95 band as error bars, Table 11 as published as black ticks."""
    vehicles = frame.sort_values("battery_energy", ascending=False)["vehicle"].drop_duplicates().tolist()
    scenarios = frame.sort_values(["year", "scenario"])["scenario"].drop_duplicates().tolist()
    fig = _figure((12, 6.5))
    ax = fig.subplots()
    width = 0.8 / len(scenarios)
    x = np.arange(len(vehicles))
    bars, published_drawn = 0, False
    for i, scenario in enumerate(scenarios):
        rows = frame[frame["scenario"].eq(scenario)].set_index("vehicle").reindex(vehicles)
        pos = x + (i - (len(scenarios) - 1) / 2) * width
        ranged = (rows["p95"] > rows["p5"]).to_numpy()
        spread = "" if ranged.any() else " (no Monte Carlo range)"
        ax.bar(pos, rows["pack_mass"], width, color=SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)],
               label=f"{scenario}: computed{spread}", zorder=2)
        if ranged.any():
            centre = rows["pack_mass"].to_numpy(float)
            err = np.vstack([centre - rows["p5"].to_numpy(float), rows["p95"].to_numpy(float) - centre])[:, ranged]
            ax.errorbar(pos[ranged], centre[ranged], yerr=np.clip(err, 0, None), fmt="none", ecolor="black",
                        elinewidth=1, capsize=3, zorder=3)
            bars += int(ranged.sum())
        has_pub = rows["published"].notna().to_numpy()
        if has_pub.any():
            ax.scatter(pos[has_pub], rows["published"].to_numpy(float)[has_pub], marker="_", s=260, color="black",
                       linewidth=2.5, zorder=4)
            published_drawn = True
    ax.errorbar([], [], yerr=[], fmt="none", ecolor="black", capsize=3, label="Monte Carlo p5\u2013p95")
    if published_drawn:
        ax.scatter([], [], marker="_", s=260, color="black", linewidth=2.5, label="Table 11 as published")
    _bar_axes(ax, vehicles, "Vehicle type (largest battery first)", "Battery pack mass (kg)",
              "Pack mass per vehicle and battery scenario, with the Monte Carlo p5\u2013p95 band", "scenario")
    return _finish(fig, ax, [], bars, vehicles=len(vehicles), scenarios=len(scenarios))


def machine_hours_frame(machine_packs: pd.DataFrame, machine_names: pd.Series, scenario_names: pd.Series) -> pd.DataFrame:
    """Operating hours at the baseline pack mass per machine and scenario; an interpolated scenario
    is named after its year."""
    frame = machine_packs[["machine_id", "scenario_id", "year", "interpolated", "operating_hours_same_mass"]].copy()
    named = frame["scenario_id"].map(scenario_names)
    frame["scenario"] = named.fillna("Interpolated (" + frame["year"].astype(str) + ")")
    frame["machine"] = frame["machine_id"].map(machine_names)
    return frame


def render_machine_hours(frame: pd.DataFrame, workday_hours: float) -> Chart:
    """Grouped bars: hours of work per charge with the baseline pack mass, per machine and scenario,
    against the workday line."""
    machines = frame.sort_values("machine")["machine"].drop_duplicates().tolist()
    scenarios = frame.sort_values(["year", "scenario"])["scenario"].drop_duplicates().tolist()
    fig = _figure((12, 6.5))
    ax = fig.subplots()
    width = 0.8 / len(scenarios)
    x = np.arange(len(machines))
    for i, scenario in enumerate(scenarios):
        rows = frame[frame["scenario"].eq(scenario)].set_index("machine").reindex(machines)
        hatch = "//" if bool(rows["interpolated"].fillna(False).any()) else None
        ax.bar(x + (i - (len(scenarios) - 1) / 2) * width, rows["operating_hours_same_mass"], width, hatch=hatch,
               color=SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)], edgecolor="white", label=scenario, zorder=2)
    ax.axhline(workday_hours, color="black", linestyle="--", linewidth=1.2, label=f"workday: {workday_hours:g} h", zorder=3)
    _bar_axes(ax, machines, "Construction machine", "Operating time per charge at today's pack mass (h)",
              "Machine operating hours per battery scenario against the workday", "battery scenario")
    return _finish(fig, ax, [], 0, machines=len(machines), scenarios=len(scenarios))


def claims_over_time_points(claims: pd.DataFrame, technologies: pd.DataFrame, metric: str) -> pd.DataFrame:
    """One point per claim of `metric` with a best value: x = claim date, y = value_best, the printed
    range (value_min..value_max) as the error bar, coloured by the family's display name."""
    rows = claims[claims["metric"].eq(metric) & claims["value_best"].notna() & claims["claim_date"].notna()]
    rows = rows.merge(technologies[["technology_id", "family_name"]], on="technology_id")
    return pd.DataFrame(
        {
            "x": pd.to_datetime(rows["claim_date"]).to_numpy(),
            "y": rows["value_best"].to_numpy(float),
            "y_lo": rows["value_min"].to_numpy(float),
            "y_hi": rows["value_max"].to_numpy(float),
            "family": rows["family_name"].to_numpy(),
            "unit": rows["unit"].to_numpy(),
        }
    )


def render_claims_over_time(points: pd.DataFrame, metric_name: str) -> Chart:
    """Best value of each claim of one metric against the date the claim refers to, one colour
    per technology family; a printed range is drawn as an error bar."""
    from matplotlib import colormaps

    fig = _figure((12, 6.5))
    ax = fig.subplots()
    bars = 0
    palette = colormaps["tab10"].colors  # ten distinct colours: one per family of the taxonomy
    for i, (family, group) in enumerate(sorted(points.groupby("family"), key=lambda kv: kv[0])):
        colour = palette[i % len(palette)]
        ax.scatter(group["x"], group["y"], s=45, color=colour, edgecolor="black", linewidth=0.5, label=family, zorder=3)
        ranged = (group["y_hi"] > group["y_lo"]).to_numpy()
        if ranged.any():
            g = group[ranged]
            ax.errorbar(g["x"], g["y"], yerr=np.vstack([g["y"] - g["y_lo"], g["y_hi"] - g["y"]]), fmt="none",
                        ecolor=colour, elinewidth=1.2, capsize=3, zorder=2)
            bars += int(ranged.sum())
    unit = points["unit"].dropna().iloc[0] if points["unit"].notna().any() else ""
    ax.set_xlabel("Date the claim refers to (claim_date)")
    ax.set_ylabel(f"{metric_name}, point value or midpoint of the printed range ({unit})")
    ax.set_title(f"{metric_name} claims over time, per technology family")
    ax.grid(True, alpha=0.3)
    fig.autofmt_xdate()
    _legend_outside(ax, title="technology family")
    return _finish(fig, ax, [], bars, claims=len(points), families=int(points["family"].nunique()))


def write_png(data: bytes, path: Path) -> Path:
    """Write atomically: a reader never sees half a picture."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path

"""Technology x vehicle pack-mass chart (matplotlib imported inside the render function)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.publish.charts import Chart, _figure, _label_measures, png_bytes, tight_layout


def display_names(technology_packs: pd.DataFrame, technologies: pd.DataFrame, products: pd.DataFrame) -> pd.Series:
    """Readable row label per (subject_type, subject_id): the technology's label, or the product's name."""
    tech = technologies.set_index("technology_id")["label"]
    prod = products.set_index("product_id")["name"]
    is_product = technology_packs["subject_type"].eq("product")
    names = np.where(is_product, technology_packs["subject_id"].map(prod), technology_packs["subject_id"].map(tech))
    return pd.Series(names, index=technology_packs.index).fillna(technology_packs["subject_id"]).astype(str)


# Vehicles side by side (panels here, bar groups in the pack-mass chart) stay readable, and within
# matplotlib's 2**16-pixel image limit, up to a dozen; with more, a chart draws this many, evenly
# spread over the battery-energy order.
MAX_VEHICLE_PANELS = 12


def vehicles_shown(vehicles: list[str]) -> list[str]:
    """All vehicles (in battery-energy order), or MAX_VEHICLE_PANELS of them evenly spaced in that
    order, the smallest and largest battery included."""
    if len(vehicles) <= MAX_VEHICLE_PANELS:
        return vehicles
    picks = np.unique(np.linspace(0, len(vehicles) - 1, MAX_VEHICLE_PANELS).round().astype(int))
    return [vehicles[i] for i in picks]


def row_panels(fig, panels: int, rows: list[str]) -> np.ndarray:
    """`panels` Axes side by side, one row per label (bottom to top), the labels on the first: the
    picture `fig.subplots(1, panels, sharey=True)` with the ticks set on the first draws, for less.
    The y axis is not shared (matplotlib places a shared axis's label from every panel's tick
    labels, for every panel: panels x panels tick sets measured at each layout and draw), and the
    inner panels' unlabelled row ticks are one line of tick-shaped markers where matplotlib makes a
    tick object (two lines, a grid line, two labels) per row and panel; the first row keeps a real
    tick, by which the panel's spine, and so the layout, makes room for the marks."""
    from matplotlib import rcParams
    from matplotlib.lines import TICKLEFT, Line2D
    from matplotlib.ticker import NullFormatter

    axes = np.atleast_1d(fig.subplots(1, panels))
    axes[0].set_yticks(range(len(rows)), rows, fontsize=7.5)
    for ax in axes[1:]:
        ax.set_yticks(range(min(len(rows), 1)))
        ax.yaxis.set_major_formatter(NullFormatter())
        ax.tick_params(axis="y", labelleft=False)
        # the other rows' marks, drawn where and as the axis draws its ticks: left spine, just after the axes (zorder 1.5)
        ax.add_artist(Line2D(np.zeros(max(len(rows) - 1, 0)), np.arange(1, len(rows)), transform=ax.get_yaxis_transform("tick1"), linestyle="none",
                             marker=TICKLEFT, markersize=rcParams["ytick.major.size"], markeredgewidth=rcParams["ytick.major.width"],
                             color=rcParams["ytick.color"], clip_on=False, zorder=1.51, in_layout=False))
    for ax in axes:
        ax.set_ylim(-0.7, len(rows) - 0.3)
    return axes


def readiness_marks(technology_packs: pd.DataFrame, technology_feasibility: pd.DataFrame) -> tuple[pd.DataFrame, int, int]:
    """technology_packs with available_first / available_last (available at the vehicle's required
    stage by the first / last scenario year of sizing.technology_feasibility) and stage_last (the
    subject's stage by the last year), and those two years."""
    keys = ["vehicle_id", "subject_type", "subject_id"]
    first, last = int(technology_feasibility["year"].min()), int(technology_feasibility["year"].max())
    f = technology_feasibility.set_index([*keys, "year"])
    out = technology_packs.copy()
    for name, year in (("first", first), ("last", last)):
        idx = pd.MultiIndex.from_frame(out[keys].assign(year=year))
        out[f"available_{name}"] = f["available"].reindex(idx).fillna(False).astype(bool).to_numpy()
        out[f"stage_{name}"] = f["stage_by_year"].reindex(idx).fillna("unknown").to_numpy()
    return out, first, last


def render_technology_pack_mass(
    technology_packs: pd.DataFrame, technologies: pd.DataFrame, products: pd.DataFrame, vehicle_names: pd.Series,
    technology_feasibility: pd.DataFrame, not_sized: int = 0,
) -> Chart:
    """One panel per vehicle (columns; at most MAX_VEHICLE_PANELS, see vehicles_shown), one row
    per technology or product (its stage by the last scenario year in brackets), lightest first by
    median over vehicles: the median pack mass as a dot with its 5-95 % band. Filled green: fits the
    vehicle's limits in at least half of the samples and its cells are available at the required
    stage by the first scenario year; hatched: fits, available only by the last scenario year;
    hollow green: fits but not available by the last year (a lab cell, a prototype, unknown);
    hollow orange: does not fit. The vehicle's mass limit is a dashed line."""
    from matplotlib.lines import Line2D

    packs, first, last = readiness_marks(technology_packs, technology_feasibility)
    packs["label"] = display_names(packs, technologies, products)
    packs["label"] = np.where(packs["subject_type"].eq("product"), packs["label"] + " (product)", packs["label"])
    inferred = packs["inferred_properties"].fillna("").str.replace("cell_gravimetric_energy_density", "Wh/kg").str.replace(
        "cell_volumetric_energy_density", "Wh/L").str.replace(";", ", ")
    packs["label"] = packs["label"] + np.where(inferred.ne(""), " (" + inferred + " inferred)", "")
    packs["label"] = packs["label"] + " [" + packs["stage_last"].str.replace("_", " ") + "]"
    order = packs.groupby("label")["pack_mass_p50"].median().sort_values(ascending=False).index.tolist()
    vehicles = packs.groupby("vehicle_id")["battery_energy"].first().sort_values().index.tolist()
    shown = vehicles_shown(vehicles)
    left_out = {"vehicles_not_drawn": len(vehicles) - len(shown)} if len(shown) < len(vehicles) else {}
    vehicles = shown
    y = {label: i for i, label in enumerate(order)}

    fig = _figure((2.3 * len(vehicles) + 3.2, 0.32 * len(order) + 2.2))
    axes = row_panels(fig, len(vehicles), order)
    for ax, vehicle in zip(axes, vehicles):
        rows = packs[packs["vehicle_id"].eq(vehicle)]
        pos = rows["label"].map(y).to_numpy()
        fits = rows["feasible_probability"].to_numpy() >= 0.5
        now, later = rows["available_first"].to_numpy(), rows["available_last"].to_numpy()
        mass = rows["pack_mass_p50"].to_numpy()
        ax.hlines(pos, rows["pack_mass_p5"], rows["pack_mass_p95"], color="#7570b3", linewidth=2.5, alpha=0.6, zorder=2)
        ready_now, ready_later, never = fits & now, fits & ~now & later, fits & ~later
        ax.scatter(mass[ready_now], pos[ready_now], color="#1b9e77", edgecolor="black", linewidth=0.5, s=30, zorder=3)
        ax.scatter(mass[ready_later], pos[ready_later], facecolor="white", edgecolor="#1b9e77", hatch="//////", linewidth=1.2, s=42, zorder=3)
        ax.scatter(mass[never], pos[never], facecolor="white", edgecolor="#1b9e77", linewidth=1.2, s=30, zorder=3)
        ax.scatter(mass[~fits], pos[~fits], facecolor="white", edgecolor="#d95f02", linewidth=1.2, s=30, zorder=3)
        ax.axvline(rows["max_pack_mass"].iloc[0], color="grey", linestyle="--", linewidth=1)
        ax.set_title(f"{vehicle_names.get(vehicle, vehicle)}\n{rows['battery_energy'].iloc[0]:,.0f} kWh", fontsize=8.5)
        ax.set_xlim(0, None)
        ax.tick_params(axis="x", labelsize=7, rotation=45)
        ax.grid(True, axis="x", alpha=0.3)
        ax.set_xlabel("pack mass (kg)", fontsize=8)
    handles = [
        Line2D([], [], color="#7570b3", linewidth=2.5, alpha=0.6, label="5-95 % of samples"),
        Line2D([], [], marker="o", linestyle="", color="#1b9e77", markeredgecolor="black", label=f"fits (P >= 0.5), available by {first}"),
        Line2D([], [], marker="o", linestyle="", markerfacecolor="#b3dfd2", markeredgecolor="#1b9e77", label=f"fits, available later, by {last} (hatched)"),
        Line2D([], [], marker="o", linestyle="", markerfacecolor="white", markeredgecolor="#1b9e77", label=f"fits, not available by {last}"),
        Line2D([], [], marker="o", linestyle="", markerfacecolor="white", markeredgecolor="#d95f02", label="does not fit"),
        Line2D([], [], color="grey", linestyle="--", label="mass limit (assumption, curated.pack_limits)"),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=8, frameon=False)
    sized = len(order)
    fig.suptitle(
        "Battery pack mass per vehicle with each technology's claimed cells (Monte Carlo over the claims); [stage by "
        f"{last}], available = at the required stage (curated.pack_limits)\n{sized} technologies/products sized, "
        f"{not_sized} not: see sizing.unsized_subjects (make query NAME=unsized_subjects)", fontsize=10,
    )
    tight_layout(fig, rect=(0, 0.08, 1, 1))
    # Measured on the drawn figure like every other chart: row labels, panel titles, legend, title.
    texts = [*axes[0].get_yticklabels(), *(ax.title for ax in axes), *fig.legends, fig._suptitle]
    png = png_bytes(fig)
    overlaps, outside = _label_measures(fig, texts, drawn=True)  # as drawn into the PNG
    return Chart(png, labels=len(order), overlapping_labels=overlaps, labels_outside_figure=outside,
                 extra={"subjects": len(order), "subjects_not_sized": int(not_sized), "vehicles": len(vehicles), **left_out})


COST_BASIS_COLOURS = {"claimed": "#1b9e77", "technology": "#66a61e", "family": "#e6ab02", "scenario": "#7570b3"}


def render_battery_cost_per_mile(
    ownership: pd.DataFrame, technologies: pd.DataFrame, products: pd.DataFrame, vehicle_names: pd.Series, readiness: pd.DataFrame
) -> Chart:
    """One panel per vehicle (at most MAX_VEHICLE_PANELS), one row per sized technology or product
    (its readiness in brackets), cheapest first by median over vehicles: the median battery cost per
    mile as a dot with its 5-95 % band, on a log scale, coloured by where the cell cost comes from
    (its own claims, its technology's, its family's, or the baseline scenario). A subject whose
    cost per mile cannot be computed is listed with 'no cycle-life claim' and no dot; one whose cycle
    life is the assumption of sources/cycle_life_fallbacks/ says '(cycle life assumed)'."""
    from matplotlib.lines import Line2D
    from matplotlib.ticker import LogLocator, NullFormatter

    rows = ownership.assign(label=display_names(ownership, technologies, products))
    stage = readiness.set_index(["subject_type", "subject_id"])["stage"]
    rows["stage"] = stage.reindex(pd.MultiIndex.from_frame(rows[["subject_type", "subject_id"]])).fillna("unknown").to_numpy()
    rows["label"] = np.where(rows["subject_type"].eq("product"), rows["label"] + " (product)", rows["label"])
    rows["label"] = rows["label"] + " [" + rows["stage"].str.replace("_", " ") + "]"
    missing = rows["battery_cost_per_mile_p50"].isna()
    rows.loc[missing, "label"] = rows.loc[missing, "label"] + " - no cycle-life claim"
    assumed = rows["cycle_life_basis"].eq("assumption")
    rows.loc[assumed, "label"] = rows.loc[assumed, "label"] + " (cycle life assumed)"
    median = rows.groupby("label")["battery_cost_per_mile_p50"].median()
    order = median.sort_values(ascending=False, na_position="first").index.tolist()
    vehicles = rows.groupby("vehicle_id")["battery_energy"].first().sort_values().index.tolist()
    shown = vehicles_shown(vehicles)
    y = {label: i for i, label in enumerate(order)}
    fig = _figure((2.3 * len(shown) + 3.6, 0.32 * len(order) + 2.4))
    axes = row_panels(fig, len(shown), order)
    drawn = 0
    for ax, vehicle in zip(axes, shown):
        part = rows[rows["vehicle_id"].eq(vehicle) & rows["battery_cost_per_mile_p50"].notna()]
        pos = part["label"].map(y).to_numpy()
        ax.hlines(pos, part["battery_cost_per_mile_p5"], part["battery_cost_per_mile_p95"], color="#999999", linewidth=2.5, alpha=0.6, zorder=2)
        colours = part["cost_basis"].map(COST_BASIS_COLOURS).fillna("black")
        ax.scatter(part["battery_cost_per_mile_p50"], pos, c=colours.tolist(), edgecolor="black", linewidth=0.5, s=30, zorder=3)
        drawn += len(part)
        first = rows[rows["vehicle_id"].eq(vehicle)].iloc[0]
        ax.set_title(f"{vehicle_names.get(vehicle, vehicle)}\n{first['battery_energy']:,.0f} kWh, {first['annual_distance']:,.0f} mi/yr, "
                     f"{first['service_life']:g} yr", fontsize=8)
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(base=10))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(True, axis="x", alpha=0.3, which="both")
        ax.set_xlabel("battery USD per mile", fontsize=8)
    handles = [Line2D([], [], color="#999999", linewidth=2.5, alpha=0.6, label="5-95 % of samples")]
    handles += [Line2D([], [], marker="o", linestyle="", color=c, markeredgecolor="black", label=f"median; cell cost: {b}")
                for b, c in COST_BASIS_COLOURS.items()]
    fig.legend(handles=handles, loc="lower center", ncol=5, fontsize=8, frameon=False)
    fig.suptitle("Battery cost per mile over the vehicle's service life with each technology's claimed cells and cycle life "
                 "(pack cost x packs bought / lifetime miles; assumptions: curated.ownership_assumptions)", fontsize=10)
    tight_layout(fig, rect=(0, 0.05, 1, 1))
    texts = [*axes[0].get_yticklabels(), *(ax.title for ax in axes), *fig.legends, fig._suptitle]
    png = png_bytes(fig)
    overlaps, outside = _label_measures(fig, texts, drawn=True)
    return Chart(png, labels=len(order), overlapping_labels=overlaps, labels_outside_figure=outside,
                 extra={"subjects": len(order), "vehicles": len(shown), "points": drawn, "error_bars": drawn,
                        "subjects_without_cost_per_mile": int(rows.loc[missing, "label"].nunique())})

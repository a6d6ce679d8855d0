"""Charts rendered to PNG from warehouse tables (matplotlib, Agg backend, no display needed)."""
from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pandas as pd

MATURITY_ORDER = ["commercial", "early_production", "under_development", "laboratory", "literature", "modelled"]
MATURITY_COLOURS = {
    "commercial": "#1b9e77",
    "early_production": "#66a61e",
    "under_development": "#e6ab02",
    "laboratory": "#d95f02",
    "literature": "#7570b3",
    "modelled": "#e7298a",
}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def ragone_points(cell_claims: pd.DataFrame, cell_performance: pd.DataFrame, modelled_cells: pd.DataFrame) -> pd.DataFrame:
    """One point per entity that states both Wh/kg and Wh/L (stated value, else upper bound),
    plus one per modelled cell (computed)."""
    energy = cell_claims[cell_claims["metric"].isin(["gravimetric_energy_density", "volumetric_energy_density"])]
    energy = energy.assign(point=energy["value"].fillna(energy["value_max"]))
    wide = energy.pivot_table(index=["entity", "technology", "status"], columns="metric", values="point", aggfunc="max").dropna()
    claims = wide.reset_index().rename(columns={"gravimetric_energy_density": "wh_per_kg", "volumetric_energy_density": "wh_per_l"})
    claims["kind"] = "published claim"
    model = cell_performance.merge(modelled_cells[["cell_id", "table7_label", "family"]], on="cell_id")
    modelled = pd.DataFrame(
        {
            "entity": model["cell_id"],  # Tables 7/ES-1 print the two sodium-ion rows with one label
            "technology": model["family"],
            "status": "modelled",
            "wh_per_kg": model["gravimetric_energy_density"],
            "wh_per_l": model["volumetric_energy_density"],
            "kind": "modelled cell (computed)",
        }
    )
    return pd.concat([claims, modelled], ignore_index=True)


def render_ragone(points: pd.DataFrame) -> bytes:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(10, 7), dpi=110)
    for status in MATURITY_ORDER:
        group = points[points["status"] == status]
        if group.empty:
            continue
        marker = "D" if status == "modelled" else "o"
        ax.scatter(group["wh_per_l"], group["wh_per_kg"], s=60, marker=marker, color=MATURITY_COLOURS[status],
                   edgecolor="black", linewidth=0.5, label=status.replace("_", " "), zorder=3)
        for row in group.itertuples(index=False):
            ax.annotate(str(row.entity)[:34], (row.wh_per_l, row.wh_per_kg), fontsize=6.5,
                        xytext=(4, 3), textcoords="offset points", zorder=4)
    ax.axhline(400, color="grey", linestyle=":", linewidth=1)
    ax.axhline(500, color="grey", linestyle="--", linewidth=1)
    ax.axvline(1000, color="grey", linestyle="--", linewidth=1)
    ax.text(ax.get_xlim()[0], 505, " 500 Wh/kg", fontsize=7, color="grey")
    ax.set_xlabel("Volumetric energy density (Wh/L)")
    ax.set_ylabel("Gravimetric energy density (Wh/kg)")
    ax.set_title("Energy density of battery technologies: published claims and modelled cells")
    ax.grid(True, alpha=0.3)
    ax.legend(title="maturity", fontsize=8, loc="lower right")
    return _png(fig)


def render_pack_mass(vehicle_packs: pd.DataFrame, published: pd.DataFrame, scenarios: tuple[str, str]) -> bytes:
    """Bars for the two scenarios compared (the analysis settings' interpolation bracket)."""
    plt = _pyplot()
    packs = vehicle_packs[vehicle_packs["scenario_id"].isin(scenarios)]
    order = packs.groupby("vehicle_id")["energy_kwh"].max().sort_values(ascending=False).index.tolist()
    wide = packs.pivot_table(index="vehicle_id", columns="scenario_id", values="pack_mass").reindex(order)
    t11 = published[published["metric"] == "pack_mass"].pivot_table(index="vehicle_id", columns="scenario_id", values="value").reindex(order)
    fig, ax = plt.subplots(figsize=(10, 6), dpi=110)
    x = np.arange(len(order))
    width = 0.38
    colours = dict(zip(scenarios, ("#7570b3", "#1b9e77")))
    for i, scenario in enumerate(scenarios):
        offset = (i - 0.5) * width
        ax.bar(x + offset, wide[scenario], width, color=colours[scenario], label=f"{scenario} (computed)", zorder=2)
        if scenario in t11:
            ax.scatter(x + offset, t11[scenario], color="black", marker="_", s=300, zorder=3,
                       label="Table 11 as published" if i == 0 else None)
    ax.set_xticks(x, [v.replace("_", " ") for v in order], rotation=20)
    ax.set_ylabel("Battery pack mass (kg)")
    ax.set_title(f"Pack mass per vehicle: {scenarios[0]} vs {scenarios[1]} batteries")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    return _png(fig)


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png")
    _pyplot().close(fig)
    return buffer.getvalue()


def write_png(data: bytes, path: Path) -> Path:
    """Write atomically: a reader never sees half a picture."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path

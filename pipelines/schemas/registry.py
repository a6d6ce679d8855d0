"""Every warehouse table, by its DuckDB name, and the pandera model that defines it.

The IO manager (column comments), the data dictionary and the exports all read this one map.
"""
from __future__ import annotations

import functools
import inspect
import re
import sys

import pandera.pandas as pa

from pipelines.schemas.computed.model import CellPerformance, CellSensitivity, DesignSweep
from pipelines.schemas.computed.ownership import BatteryOwnership, MachineBatteryOwnership
from pipelines.schemas.computed.quality import Reconciliation, SourceFindings
from pipelines.schemas.computed.readiness import (
    TechnologyFeasibility,
    TechnologyMachineFeasibility,
    TechnologyReadinessNow,
    UnsizedSubjects,
)
from pipelines.schemas.computed.sizing import FleetSummary, MachinePacks, PackUncertainty, VehiclePacks
from pipelines.schemas.computed.technology_db import ClaimConflicts, ClaimReferences, TechnologyComparison
from pipelines.schemas.computed.technology_packs import TechnologyCells, TechnologyMachinePacks, TechnologyPacks
from pipelines.schemas.curated.applications import (
    BatteryScenarios,
    ConstructionMachines,
    PublishedPackResults,
    VehicleRequirements,
)
from pipelines.schemas.curated.cell_model_inputs import (
    CellDesignParameters,
    CellModelAssumptions,
    DesignSweepRanges,
    DesignSweepSettings,
    ModelledCells,
    PublishedCellResults,
)
from pipelines.schemas.curated.claims import CellClaims
from pipelines.schemas.curated.literature import Safety, SodiumVsLithium, SsbCostProjections, TechnologyOverview
from pipelines.schemas.curated.ownership import CycleLifeFallbacks, OwnershipAssumptions
from pipelines.schemas.curated.readiness import TechnologyReadiness
from pipelines.schemas.curated.references import References
from pipelines.schemas.curated.report_facts import DocumentFacts, MarketStatistics, ProjectTestPlan
from pipelines.schemas.curated.settings import AnalysisSettingRows
from pipelines.schemas.curated.sizing_inputs import (
    ApplicationClaims,
    ChargerClasses,
    ClaimRecomputations,
    Fleets,
    ReconciliationNotes,
    ScenarioUncertainty,
    ScenarioYears,
    VehiclePeakPower,
)
from pipelines.schemas.curated.technology_db import (
    ComparisonMetrics,
    Documents,
    EvidenceKinds,
    Organisations,
    Products,
    Technologies,
)
from pipelines.schemas.curated.technology_sizing import (
    ClaimUncertainty,
    PackLimits,
    TechnologyCellOverrides,
    TechnologyPackRatios,
)
from pipelines.schemas.curated.vocabularies import Metrics, Units
from pipelines.schemas.meta.lineage import BuildCode, ColumnLineage, SourceVersions
from pipelines.schemas.meta.releases import Changes, Releases, ReleaseTables

# Curated tables: DuckDB table curated.<name> is read from sources/<name>/.
CURATED: dict[str, type[pa.DataFrameModel]] = {
    "units": Units,
    "metrics": Metrics,
    "analysis_settings": AnalysisSettingRows,
    "documents": Documents,
    "evidence_kinds": EvidenceKinds,
    "technologies": Technologies,
    "organisations": Organisations,
    "products": Products,
    "references": References,
    "cell_claims": CellClaims,
    "technology_overview": TechnologyOverview,
    "sodium_vs_lithium": SodiumVsLithium,
    "safety": Safety,
    "ssb_cost_projections": SsbCostProjections,
    "modelled_cells": ModelledCells,
    "cell_design_parameters": CellDesignParameters,
    "published_cell_results": PublishedCellResults,
    "cell_model_assumptions": CellModelAssumptions,
    "design_sweep": DesignSweepRanges,
    "design_sweep_settings": DesignSweepSettings,
    "vehicle_requirements": VehicleRequirements,
    "battery_scenarios": BatteryScenarios,
    "published_pack_results": PublishedPackResults,
    "construction_machines": ConstructionMachines,
    "vehicle_peak_power": VehiclePeakPower,
    "charger_classes": ChargerClasses,
    "fleets": Fleets,
    "scenario_uncertainty": ScenarioUncertainty,
    "scenario_years": ScenarioYears,
    "application_claims": ApplicationClaims,
    "claim_recomputations": ClaimRecomputations,
    "market_statistics": MarketStatistics,
    "test_programme": ProjectTestPlan,
    "document_facts": DocumentFacts,
    "reconciliation_notes": ReconciliationNotes,
    "comparison_metrics": ComparisonMetrics,
    "technology_cell_overrides": TechnologyCellOverrides,
    "technology_pack_ratios": TechnologyPackRatios,
    "claim_uncertainty": ClaimUncertainty,
    "pack_limits": PackLimits,
    "technology_readiness": TechnologyReadiness,
    "ownership_assumptions": OwnershipAssumptions,
    "cycle_life_fallbacks": CycleLifeFallbacks,
}

# Computed tables, "<schema>.<table>" -> model, of the model, sizing and quality layers.
COMPUTED: dict[str, type[pa.DataFrameModel]] = {
    "model.cell_performance": CellPerformance,
    "model.design_sweep": DesignSweep,
    "model.cell_sensitivity": CellSensitivity,
    "sizing.vehicle_packs": VehiclePacks,
    "sizing.machine_packs": MachinePacks,
    "sizing.fleet_summary": FleetSummary,
    "sizing.pack_uncertainty": PackUncertainty,
    "sizing.technology_cells": TechnologyCells,
    "sizing.technology_packs": TechnologyPacks,
    "sizing.technology_machine_packs": TechnologyMachinePacks,
    "quality.reconciliation": Reconciliation,
    "quality.source_findings": SourceFindings,
    "curated.claim_references": ClaimReferences,
    "quality.claim_conflicts": ClaimConflicts,
    "analysis.technology_comparison": TechnologyComparison,
    "analysis.subject_readiness": TechnologyReadinessNow,
    "sizing.technology_feasibility": TechnologyFeasibility,
    "sizing.technology_machine_feasibility": TechnologyMachineFeasibility,
    "sizing.unsized_subjects": UnsizedSubjects,
    "sizing.battery_ownership": BatteryOwnership,
    "sizing.machine_battery_ownership": MachineBatteryOwnership,
}


# Release bookkeeping written by the publish step itself (publish/releases.py), not by an asset:
# documented and commented like every table, but not part of what a build must produce.
META: dict[str, type[pa.DataFrameModel]] = {
    "meta.releases": Releases,
    "meta.release_tables": ReleaseTables,
    "meta.changes": Changes,
    "meta.column_lineage": ColumnLineage,
    "meta.source_versions": SourceVersions,
    "meta.build_code": BuildCode,
}


def all_tables() -> dict[str, type[pa.DataFrameModel]]:
    tables = {f"curated.{name}": model for name, model in CURATED.items()}
    tables.update(COMPUTED)
    return tables


def documented_tables() -> dict[str, type[pa.DataFrameModel]]:
    """Every table of the published file: the built ones and the release bookkeeping."""
    return {**all_tables(), **META}


_DEFINITION = re.compile(r"class (\w+)\b|(\w+)(?:\s*:[^=]*)? = ")


@functools.cache
def _definition_lines(path: str) -> dict[str, int]:
    """Top-level `class Name` and `Name = ...` statements of a module: name -> first line. One
    read of the file per module (inspect.getsourcelines re-parses the whole module per class)."""
    lines: dict[str, int] = {}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            found = _DEFINITION.match(line)
            if found:
                lines.setdefault(found.group(1) or found.group(2), number)
    return lines


def model_source_line(model: type[pa.DataFrameModel]) -> tuple[str, int]:
    """(file, line) where a pandera model is defined: its class statement, or for a model built
    by wide_model() the assignment that builds it."""
    path = inspect.getsourcefile(sys.modules[model.__module__])
    return path, _definition_lines(path).get(model.__name__, 1)

"""The field catalogue: columns shared by many tables, each defined once (type, description,
unit, checks), in the spirit of PUDL's FIELD_METADATA. A model refers to a field by name:

    document_id: Series[str] = catalogue_field("document_id")

and may override what differs for its table (`nullable=True`, a longer description, ...).
The keys of the technology database (documents, technologies, organisations, products,
evidence), the columns of every published number (printed text, parsed value and bounds,
qualifier, units, precision, best value; PublishedNumber in base.py composes from them), the
provenance columns and the curator's note live here.

Key fields carry no pattern check here: where a key is defined (its own table) the model adds
`str_matches=SLUG`; everywhere else the foreign-key check against that table covers it.
This module imports from pipelines/schemas only the grammar of a printed number
(published_values.py, for the qualifiers); base.py imports it.
"""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

import pandera.pandas as pa

from pipelines.schemas.published_values import QUALIFIERS
from pipelines.schemas.vocabulary import CLAIM_BASES, DECLARED_OR_MEASURED, REFERENCE_SCOPES, SAMPLE_STAGES

SOURCE = "source"  # column typed by a curator in sources/
DERIVED = "derived"  # column computed by the pipeline
SLUG = r"^[a-z0-9_]+$"  # identifiers analysts join on (cell_id, vehicle_id, claim_id, ...)

# value_basis: how value_best is chosen from the parsed printed number (one rule, applied by
# pipelines/schemas/published_values.best_values to every table with published numbers).
VALUE_BASES = {
    "point": "the number printed alone (exact)",
    "approximate_point": "the number printed with ~ / approximately",
    "central_value": "the centre of a printed a ± b",
    "midpoint_of_range": "the midpoint of a printed range a-b",
    "lower_bound": "the bound of a printed >, ≥, 'over', 'at least' (the claim is at least this)",
    "upper_bound": "the bound of a printed <, ≤, 'up to', 'as much as' (the claim is at most this)",
    "not_numeric": "no number printed (N/a, -, text): value_best is null",
}
VALUE_BEST_RULE = (
    "Best single value of the printed number, in `unit`: the point value for a number printed alone, "
    "with ~ or as a ± b; the midpoint of a range; the bound of >, ≥, <, ≤ or 'up to'; null when no "
    "number is printed. value_basis says which."
)


@dataclass(frozen=True)
class FieldSpec:
    description: str
    unit: str | None = None
    origin: str = SOURCE
    checks: dict[str, Any] = dataclass_field(default_factory=dict)


FIELDS: dict[str, FieldSpec] = {
    # a published number: as printed, parsed (value / value_min / value_max / qualifier in the
    # canonical unit), its precision and best value (see PublishedNumber in base.py)
    "metric": FieldSpec("Quantity measured, from the controlled metric vocabulary (curated.metrics)"),
    "published_label": FieldSpec(
        "Row or column label the report prints for this value, typos included", checks={"nullable": True}
    ),
    "published_text": FieldSpec("The value exactly as printed, qualifier and range included, without unit"),
    "published_unit": FieldSpec("The unit exactly as printed", checks={"nullable": True}),
    "value": FieldSpec(
        "Point value in the canonical `unit` (the bound for >, ≥, <, up to; null for a range)",
        origin=DERIVED,
        checks={"nullable": True},
    ),
    "value_min": FieldSpec(
        "Lower bound in the canonical `unit` where the printed text gives one", origin=DERIVED, checks={"nullable": True}
    ),
    "value_max": FieldSpec(
        "Upper bound in the canonical `unit` where the printed text gives one", origin=DERIVED, checks={"nullable": True}
    ),
    "qualifier": FieldSpec(
        "How the printed text qualifies the number: " + ", ".join(QUALIFIERS),
        origin=DERIVED,
        checks={"isin": list(QUALIFIERS)},
    ),
    "unit": FieldSpec(
        "Canonical unit of value/value_min/value_max: the metric's unit (curated.metrics)",
        origin=DERIVED,
        checks={"nullable": True},
    ),
    "precision": FieldSpec(
        "Half a unit of the last digit printed, in `unit`: how precisely the report states the value",
        origin=DERIVED,
        checks={"nullable": True, "ge": 0},
    ),
    # ids of the report's modelled cells, vehicles, machines, scenarios and claims: the table that
    # defines the id adds `unique=True, str_matches=SLUG`; a table naming one refers to it.
    "cell_id": FieldSpec("Modelled cell design (curated.modelled_cells)"),
    "vehicle_id": FieldSpec("Vehicle type (curated.vehicle_requirements)"),
    "machine_id": FieldSpec("Construction machine (curated.construction_machines)"),
    "scenario_id": FieldSpec("Battery scenario (curated.battery_scenarios)"),
    "claim_id": FieldSpec("Claim slug, stable once published"),
    "scenario_year": FieldSpec("Year the scenario describes", checks={"ge": 2000, "le": 2100}),
    "document_id": FieldSpec(
        "Source document the row is taken from (curated.documents): the row's own cell, or its file's "
        "entry in the dataset's dataset.yaml (documents: file -> document_id); never a dataset-wide default",
    ),
    "technology_id": FieldSpec(
        "Technology the row describes (curated.technologies); the printed label stays beside it",
    ),
    "organisation_id": FieldSpec(
        "Company, laboratory or university behind the row (curated.organisations); null where the source "
        "names none ('various')",
        checks={"nullable": True},
    ),
    "product_id": FieldSpec(
        "Named cell, product or prototype the row is about (curated.products); null for a claim about a "
        "technology in general",
        checks={"nullable": True},
    ),
    "evidence": FieldSpec(
        "Kind of evidence behind the number (curated.evidence_kinds): company claim, independent test, "
        "peer-reviewed measurement, model projection, theoretical limit, review estimate",
    ),
    "claim_date": FieldSpec(
        "Date the claim refers to: the row's own date where the source gives one ('as of 2023'), else the "
        "document's publication date; a year or month is stored as its first day. Written by a curator as "
        "YYYY, YYYY-MM or YYYY-MM-DD",
        checks={"nullable": True},
    ),
    "claim_date_basis": FieldSpec(
        "Where claim_date comes from: 'row' (the row's own date) or 'document' (the document's date)",
        origin=DERIVED,
        checks={"isin": ["row", "document"]},
    ),
    "value_best": FieldSpec(VALUE_BEST_RULE, origin=DERIVED, checks={"nullable": True}),
    "value_basis": FieldSpec(
        "How value_best is chosen: " + ", ".join(VALUE_BASES),
        origin=DERIVED,
        checks={"isin": list(VALUE_BASES)},
    ),
    "section": FieldSpec("Locator: section of the document the value comes from (ES = executive summary)"),
    "source_table": FieldSpec("Locator: table of the document the value is printed in, if any", checks={"nullable": True}),
    "reference_ids": FieldSpec(
        "Reference numbers from the document's own reference list (curated.references, keyed by document_id "
        "and reference_id), ';'-separated as printed; curated.claim_references holds them one per row",
        checks={"nullable": True},
    ),
    "reference_scope": FieldSpec(
        "Where the cited reference_ids sit relative to the claim: " + ", ".join(REFERENCE_SCOPES)
        + " (cited in the claim's own sentence, its paragraph, a caption, or only its section); empty without references",
        checks={"nullable": True, "isin": list(REFERENCE_SCOPES)},
    ),
    # what a claimed number means
    "quote": FieldSpec(
        "The shortest phrase of the document holding the number (at most about 25 words), so anyone can find "
        "it; required for a web document's claims, and it must contain published_text",
        checks={"nullable": True},
    ),
    "basis": FieldSpec(
        "Level the number is stated at: " + ", ".join(CLAIM_BASES) + " (unspecified: the source does not say)",
        checks={"isin": list(CLAIM_BASES)},
    ),
    "sample_stage": FieldSpec(
        "Stage of the sample the number is about: " + ", ".join(SAMPLE_STAGES),
        checks={"isin": list(SAMPLE_STAGES)},
    ),
    "declared_or_measured": FieldSpec(
        "Whether the number is declared (a rating or specification), measured (a test result), a target, or "
        "an estimate: " + ", ".join(DECLARED_OR_MEASURED),
        checks={"isin": list(DECLARED_OR_MEASURED)},
    ),
    "c_rate_text": FieldSpec("C-rate of the test as printed (C/5, 0.1C, 1C, 2C)", checks={"nullable": True}),
    "c_rate": FieldSpec(
        "C-rate of the test parsed from c_rate_text (C/5 -> 0.2)", unit="C", origin=DERIVED, checks={"nullable": True, "gt": 0}
    ),
    "test_temperature": FieldSpec(
        "Temperature the number was measured at, where the source gives it", unit="°C", checks={"nullable": True}
    ),
    "date_inferred": FieldSpec(
        "True where the date is not printed on the document and was inferred (from its URL, a later page, ...)",
    ),
    "reference_id": FieldSpec("Number of the reference in its document's reference list", checks={"ge": 1}),
    # provenance of every curated row
    "source_file": FieldSpec("File under sources/ the row was read from", origin=DERIVED),
    "source_line": FieldSpec("Line of source_file holding the row (header is line 1)", origin=DERIVED),
    "note": FieldSpec("Curator's note, in our own words", checks={"nullable": True}),
}

# Generic names a table may also use in its own sense (the unit of one of its other columns, a
# setting's value, an explanation that is the row itself), declared there with field(); every
# other column named like a catalogue field refers to it (tests/schemas/test_field_catalogue.py).
GENERIC_NAMES = ("metric", "unit", "value", "note", "basis")


def field(
    description: str,
    *,
    unit: str | None = None,
    origin: str = SOURCE,
    bounds: tuple[float, float] | None = None,
    **checks: Any,
) -> Any:
    """A pandera Field that also records unit and origin (source file vs pipeline).

    `bounds` (low, high) declares the physical range of a number column when its unit alone
    does not fix it (a signed deviation, say); see base.physical_range."""
    checks.setdefault("nullable", False)
    metadata = {"unit": unit, "origin": origin}
    if bounds is not None:
        metadata["bounds"] = (float(bounds[0]), float(bounds[1]))
    return pa.Field(description=description, metadata=metadata, **checks)


_AS_CATALOGUED: Any = object()


def catalogue_field(name: str, *, description: str | None = None, unit: Any = _AS_CATALOGUED, **overrides: Any) -> Any:
    """The pandera Field of catalogue entry `name` (a `field`); keyword arguments override what
    differs for the table: its description, unit (None for none), origin, bounds or checks."""
    spec = FIELDS[name]
    options = {"origin": spec.origin, **spec.checks, **overrides}
    column = field(description or spec.description, unit=spec.unit if unit is _AS_CATALOGUED else unit, **options)
    column.metadata["field"] = name
    return column

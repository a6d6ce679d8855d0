"""Each shared field is defined once, in pipelines/schemas/fields.py: every model column named
like a catalogue entry refers to it (catalogue_field), overriding only what differs for its table."""
from __future__ import annotations

from pipelines.schemas.fields import FIELDS, GENERIC_NAMES
from pipelines.schemas.registry import all_tables, documented_tables


def test_every_column_named_like_a_catalogue_field_refers_to_it():
    """A generic name (unit, value, ...) used in a table's own sense may be declared there, but
    never as a copy of the catalogue's declaration."""
    loose = []
    for table, model in documented_tables().items():
        for name, column in model.to_schema().columns.items():
            if name not in FIELDS or (column.metadata or {}).get("field") == name:
                continue
            if name not in GENERIC_NAMES or column.description == FIELDS[name].description:
                loose.append(f"{table}.{name}")
    assert loose == [], "use catalogue_field(name) for these columns"


def test_published_numbers_compose_from_the_catalogue():
    from pipelines.schemas.base import PublishedNumber

    columns = PublishedNumber.to_schema().columns
    own = [name for name in columns if name not in ("source_file", "source_line")]
    assert [name for name in own if (columns[name].metadata or {}).get("field") != name] == []


def test_units_in_code_agree_with_the_metric_vocabulary():
    """Units of model inputs and outputs, sizing metrics and computed columns named like a curated
    metric are the metric's unit in sources/metrics (one truth: the vocabulary)."""
    import pandas as pd

    from pipelines.schemas.vocabulary import DESIGN_INPUT_UNITS, INDEPENDENT_INPUT_UNITS, OUTPUT_UNITS, UNCERTAIN_METRICS
    from tests.helpers import REAL_SOURCES

    metrics = pd.concat(pd.read_csv(f, dtype=str) for f in sorted((REAL_SOURCES / "metrics").glob("*.csv")))
    unit_of = dict(zip(metrics["metric"], metrics["unit"]))
    declared = [("code", name, unit) for units in (DESIGN_INPUT_UNITS, INDEPENDENT_INPUT_UNITS, OUTPUT_UNITS, UNCERTAIN_METRICS)
                for name, unit in units.items()]
    for table, model in all_tables().items():
        if not table.startswith("curated."):
            declared += [(table, name, (c.metadata or {}).get("unit")) for name, c in model.to_schema().columns.items()
                         if (c.metadata or {}).get("unit")]
    compared = [(where, name, unit) for where, name, unit in declared if name in unit_of]
    assert len(compared) >= 20  # the check reaches the cell model's inputs and outputs
    assert [(where, name, unit, unit_of[name]) for where, name, unit in compared if unit != unit_of[name]] == []

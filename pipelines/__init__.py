"""Battery-technology warehouse: sources/ -> pandera-validated curated tables -> cell model,
pack sizing and reconciliation -> DuckDB, orchestrated by Dagster.

    pipelines/ingest/     where a dataset enters (reading files, parsing printed numbers)
    pipelines/schemas/    where it is checked (one pandera model per table)
    pipelines/compute/    where it is computed (pure numpy: cell model, sizing, reconciliation)
    pipelines/assets/     the Dagster assets wiring the layers together
    pipelines/publish/    where it lands (staging DuckDB, atomic publish, dictionary, exports)
    pipelines/automation/ sensor and schedule that keep the warehouse current
"""
# Nothing is imported here: `battery query` (pipelines/query.py) must not pay for Dagster.
# Dagster's beta/preview notices are silenced where Dagster definitions are declared
# (pipelines/assets/__init__.py, pipelines/automation/__init__.py).

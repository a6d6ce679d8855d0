"""Battery-technology warehouse: sources/ -> pandera-validated curated tables -> cell model,
pack sizing and reconciliation -> DuckDB, orchestrated by Dagster.

    pipelines/ingest/     where a dataset enters (reading files, parsing printed numbers)
    pipelines/schemas/    where it is checked (one pandera model per table)
    pipelines/compute/    where it is computed (pure numpy: cell model, sizing, reconciliation)
    pipelines/assets/     the Dagster assets wiring the layers together
    pipelines/publish/    where it lands (staging DuckDB, atomic publish, dictionary, exports)
    pipelines/automation/ sensor and schedule that keep the warehouse current
"""
import warnings

# Dagster marks observable source assets and some metadata helpers as beta; the notice adds
# nothing for users of this project and would drown the build output.
from dagster import BetaWarning, PreviewWarning

warnings.filterwarnings("ignore", category=BetaWarning)
warnings.filterwarnings("ignore", category=PreviewWarning)

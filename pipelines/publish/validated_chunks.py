"""A table produced as Arrow record batches (the streamed design sweep), each batch checked
against the table's pandera model as it is produced, before DuckDB writes it."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import pandas as pd

from pipelines.publish.duckdb_tables import BatchStream
from pipelines.schemas.base import warning_checks
from pipelines.schemas.validate import WarningResult, evaluate_warnings

if TYPE_CHECKING:  # pyarrow is imported when a streamed table runs, not with the code location
    import pyarrow as pa

# Failing rows kept per warning rule (shown in the check's metadata).
KEPT_FAILING_ROWS = 50


class ValidatedChunks:
    """A table produced as consecutive Arrow record batches, each checked against the table's
    pandera model as it is produced (schemas/validate_arrow.py: blocking rules raise SourceError
    naming the row; warning-level rules are tallied over all batches)."""

    def __init__(self, batches: Iterable[pa.RecordBatch], model, table: str) -> None:
        self._batches = iter(batches)
        self._model, self._table = model, table
        self.rows = 0
        self._flagged: dict[str, tuple[WarningResult, int]] = {}

    def _checked(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        from pipelines.schemas.validate_arrow import validate_batch

        checked = validate_batch(batch, self._model, self._table, first_row=self.rows)
        if warning_checks(self._model):
            frame = checked.to_pandas().set_axis(pd.RangeIndex(self.rows, self.rows + checked.num_rows))
            for result in evaluate_warnings(frame, self._model):
                kept, count = self._flagged.get(result.check_name, (None, 0))
                rows = result.failing_rows if kept is None else pd.concat([kept.failing_rows, result.failing_rows])
                merged = WarningResult(
                    check_name=result.check_name,
                    description=result.description,
                    passed=result.passed and (kept is None or kept.passed),
                    failing_rows=rows.head(KEPT_FAILING_ROWS),
                )
                self._flagged[result.check_name] = (merged, count + len(result.failing_rows))
        self.rows += checked.num_rows
        return checked

    def stream(self) -> BatchStream:
        """Checks the first batch now (so a failure there is reported by the asset's schema
        check), the others as the writer pulls them."""
        first = self._checked(next(self._batches))

        def batches() -> Iterator[pa.RecordBatch]:
            yield first
            for batch in self._batches:
                yield self._checked(batch)

        return BatchStream(first.schema, batches())

    @property
    def warnings(self) -> list[tuple[WarningResult, int]]:
        return list(self._flagged.values())

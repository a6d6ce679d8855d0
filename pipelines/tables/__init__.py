"""The computed tables as plain functions (no Dagster): each takes curated (or computed) frames,
named as the tables they are, and returns its table validated against its pandera model.

`@table("schema.name")` marks a function as the one that builds that table: the asset factory
(pipelines/assets/computed.py) reads the table name from it and the inputs from its signature,
so adding a table is one function here and one line in an asset module.
"""
from __future__ import annotations

import functools
import inspect
from collections.abc import Callable

import pandas as pd

from pipelines.schemas.registry import all_tables
from pipelines.schemas.validate import validate


def table(name: str, *, streamed: bool = False) -> Callable[[Callable], Callable]:
    """Mark `fn` as building table `name` ("<schema>.<table>"). Its result is validated by the
    table's model (the curated frames passed in let an error name the source rows behind a bad
    row). A streamed table's function yields Arrow record batches, validated as they are written
    (pipelines/assets/computed.py ValidatedChunks), so it is returned as it is."""
    model = all_tables()[name]

    def mark(fn: Callable) -> Callable:
        if streamed:
            fn.table, fn.streamed = name, True
            return fn

        @functools.wraps(fn)
        def validated(*args, **kwargs) -> pd.DataFrame:
            bound = inspect.signature(fn).bind(*args, **kwargs)
            frames = {k: v for k, v in bound.arguments.items() if isinstance(v, pd.DataFrame)}
            return validate(fn(*args, **kwargs), model, name, inputs=frames)

        validated.table, validated.streamed = name, False
        return validated

    return mark

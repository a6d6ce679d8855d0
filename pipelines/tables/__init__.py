"""The computed tables as plain functions (no Dagster): each takes curated (or computed) frames,
named as the tables they are, and returns its table validated against its pandera model.

`@table("schema.name")` marks a function as the one that builds that table: the asset factory
(pipelines/assets/computed.py) reads the table name from it and the inputs from its signature,
so adding a table is one function here and one line in an asset module.
"""
from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence

import pandas as pd

from pipelines.schemas.curated.settings import AnalysisSettings
from pipelines.schemas.registry import all_tables
from pipelines.schemas.validate import validate

# Every table function, by the table it builds (filled as the modules of pipelines/tables/ load).
TABLE_FUNCTIONS: dict[str, Callable] = {}


def table_named(name: str, reader: str) -> str:
    """The registered table a parameter called `name` means: the only one of that name, or,
    when two schemas hold it (curated.design_sweep, model.design_sweep), the one that is not
    the table being built."""
    matches = [t for t in all_tables() if t.split(".")[1] == name and t != reader]
    if len(matches) != 1:
        raise ValueError(f"{reader}: parameter '{name}' names {len(matches)} registered tables {matches}; name it after one table")
    return matches[0]


def table(name: str, *, streamed: bool = False, reads: Sequence[str] = ()) -> Callable[[Callable], Callable]:
    """Mark `fn` as building table `name` ("<schema>.<table>"). Its result is validated by the
    table's model (the curated frames passed in let an error name the source rows behind a bad
    row). `reads` names the tables of a function taking `**tables`. A streamed table's function yields Arrow record batches, validated as they are written
    (pipelines/publish/validated_chunks.py ValidatedChunks). A parameter typed `AnalysisSettings` may be
    given curated.analysis_settings as a frame: it is read into the typed object once per call."""
    model = all_tables()[name]

    def mark(fn: Callable) -> Callable:
        signature = inspect.signature(fn)
        typed = [p.name for p in signature.parameters.values() if p.annotation in (AnalysisSettings, AnalysisSettings.__name__)]

        def arguments(args, kwargs) -> dict:
            """The call's arguments by name, the settings read (once) from their curated frame."""
            bound = signature.bind(*args, **kwargs)
            for key in typed:
                if isinstance(bound.arguments.get(key), pd.DataFrame):
                    bound.arguments[key] = AnalysisSettings.from_frame(bound.arguments[key])
            return bound

        @functools.wraps(fn)
        def built(*args, **kwargs):
            bound = arguments(args, kwargs)
            result = fn(*bound.args, **bound.kwargs)
            if streamed:
                return result
            frames = {k: v for k, v in bound.arguments.items() if isinstance(v, pd.DataFrame)}
            return validate(result, model, name, inputs=frames)

        built.table, built.streamed = name, streamed
        # parameter -> table read: the parameters without a default, or `reads` for `**tables`
        params = [p.name for p in signature.parameters.values() if p.default is p.empty and p.kind is not p.VAR_KEYWORD]
        built.inputs = {t.split(".")[1]: t for t in reads} or {p: table_named(p, name) for p in params}
        TABLE_FUNCTIONS[name] = built
        return built

    return mark

"""Each table asset links to its pandera model in the Dagster UI: the code reference names the
model's file and the line where the model is defined (a class, or the assignment that builds it)."""
from __future__ import annotations

import re
from pathlib import Path

from pipelines.definitions import defs
from pipelines.schemas.registry import all_tables


def test_every_table_asset_points_at_its_models_definition_line():
    models = all_tables()
    checked = 0
    for spec in defs.resolve_all_asset_specs():
        table = ".".join(spec.key.path)
        if table not in models:
            continue
        model = models[table]
        references = [
            r for r in spec.metadata["dagster/code_references"].code_references
            if getattr(r, "label", None) == "pandera model"
        ]
        assert len(references) == 1, table
        reference = references[0]
        line = Path(reference.file_path).read_text(encoding="utf-8").splitlines()[reference.line_number - 1]
        assert re.match(rf"(class {model.__name__}\b|{model.__name__}\b.* = )", line), (table, line)
        checked += 1
    assert checked == len(models)

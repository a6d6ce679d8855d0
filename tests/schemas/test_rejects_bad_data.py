"""Each curated schema rejects a crafted bad file with a message naming file, line, column and rule."""
from __future__ import annotations

import csv

import pytest

from pipelines.errors import SourceError
from pipelines.ingest.curate import curate
from pipelines.ingest.read_source import dataset_files
from pipelines.schemas.base import column_docs
from pipelines.schemas.registry import CURATED


def _required_column(name: str, header: list[str]) -> str:
    """The first curator-typed column of the file that may not be empty (a column that
    dataset.yaml `defaults:` fills is not in the file)."""
    return next(d.name for d in column_docs(CURATED[name]) if d.origin == "source" and not d.nullable and d.name in header)


@pytest.mark.parametrize("name", sorted(CURATED))
def test_empty_required_value_is_rejected(name, sources_copy):
    path = dataset_files(sources_copy / name)[0]
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    column = _required_column(name, rows[0])
    rows[1][rows[0].index(column)] = ""
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)

    vocabularies = {}
    if name not in ("units", "metrics"):
        vocabularies = {"units": curate("units", sources_copy)[0], "metrics": curate("metrics", sources_copy)[0]}
    with pytest.raises(SourceError) as info:
        curate(name, sources_copy, vocabularies.get("metrics"), vocabularies.get("units"))
    message = str(info.value)
    assert f"sources/{name}/{path.name}, line 2" in message
    assert f"column '{column}'" in message
    assert "rule 'not_nullable'" in message or "required" in message or "not in the vocabulary" in message


@pytest.mark.parametrize("name", sorted(CURATED))
def test_missing_dataset_metadata_is_rejected(name, sources_copy):
    (sources_copy / name / "dataset.yaml").unlink()
    with pytest.raises(SourceError, match=rf"sources/{name}/dataset.yaml: dataset.yaml is missing"):
        curate(name, sources_copy)

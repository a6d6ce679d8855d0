"""The curator's guide in sources/README.md is generated from the pandera models and the table
functions, is current, and agrees with the asset graph Dagster runs."""
from __future__ import annotations

from dagster import AssetKey

from pipelines.definitions import defs
from pipelines.publish.guide import README_PATH, readers, with_guide
from pipelines.schemas.base import source_columns
from pipelines.schemas.registry import CURATED


def test_curators_guide_is_current():
    text = README_PATH.read_text(encoding="utf-8")
    assert text == with_guide(text), "run `make docs`"


def test_guide_lists_every_dataset_and_source_column():
    text = README_PATH.read_text(encoding="utf-8")
    for name, model in CURATED.items():
        section = text.split(f"### `{name}`\n", 1)[1].split("\n### ", 1)[0]
        for column in source_columns(model):
            assert f"| `{column}` |" in section, (name, column)


def test_readers_are_the_computed_tables_the_asset_graph_feeds():
    graph = defs.resolve_asset_graph()
    computed_groups = {"model", "sizing", "quality", "analysis", "curated"}
    documented = readers()
    for name in CURATED:
        children = {
            child.to_user_string().replace("/", ".")
            for child in graph.get(AssetKey(["curated", name])).child_keys
            if child.path[0] in computed_groups and not (child.path[0] == "curated" and child.path[1] in CURATED)
        }
        assert set(documented.get(f"curated.{name}", [])) == children, name

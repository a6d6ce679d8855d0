"""No module of pipelines/ imports from a higher layer (function-level imports included).

The order, lowest first, is the one the layout table of docs/developer.md gives. A package may import from
its own layer and any lower one; a module not listed here fails the test until it is placed."""
from __future__ import annotations

import ast
from pathlib import Path

import pipelines

PACKAGE = Path(pipelines.__file__).parent
# Lowest first. Foundation modules import only the standard library, third-party packages and
# each other; `publish` (storage and rendering) sits below the assets that call it.
LAYERS: list[set[str]] = [
    {"settings", "errors", "progress", "provenance", "query", "runtime", "__init__"},
    {"schemas"},
    {"ingest"},
    {"compute"},
    {"tables"},
    {"publish"},
    {"assets"},
    {"automation", "definitions", "cli"},
]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "pipelines":
            yield node.lineno, node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "pipelines":
                    yield node.lineno, alias.name


def test_every_module_has_a_layer():
    modules = {_layer("pipelines." + ".".join(p.relative_to(PACKAGE).with_suffix("").parts)) for p in PACKAGE.rglob("*.py")}
    assert modules - set(RANK) == set(), "place the new package in LAYERS"


def test_no_import_from_a_higher_layer():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        here = _layer("pipelines." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts))
        for line, module in _imports(path):
            there = _layer(module)
            if RANK[there] > RANK[here]:
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line} ({here}) imports {module} ({there})")
    assert upward == []


def test_query_path_imports_no_pipeline_code():
    """The query path stays fast: duckdb and the standard library only."""
    assert list(_imports(PACKAGE / "query.py")) == []


def test_developer_guide_layout_table_lists_every_layer_in_order():
    """The layout table of docs/developer.md names every package and top-level module of pipelines/, lowest
    layer first (the order LAYERS enforces)."""
    import re

    guide = (PACKAGE.parent / "docs" / "developer.md").read_text(encoding="utf-8")
    section = guide.split("## Layout", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    ranks, named = [], set()
    for row in rows:
        first_cell = row.split("|")[1]
        names = [n.removesuffix(".py") for n in re.findall(r"`pipelines/([A-Za-z_]+)(?:\.py|/)`", first_cell)]
        assert all(n in RANK for n in names), f"docs/developer.md names an unknown part of pipelines/: {names}"
        named.update(names)
        ranks += [RANK[n] for n in names]
    assert ranks == sorted(ranks), "docs/developer.md layout rows are not lowest layer first"
    assert set(RANK) - {"__init__"} - named == set(), "the layout table of docs/developer.md misses these"


def test_asset_modules_only_declare():
    """pipelines/assets/ holds declarations (factories over the table registry), not domain
    logic: the issue-11 budget is under 750 lines for the whole package."""
    lines = sum(len(p.read_text(encoding="utf-8").splitlines()) for p in (PACKAGE / "assets").glob("*.py"))
    assert lines < 750, f"pipelines/assets/ has {lines} lines: move computation into tables/ or compute/"

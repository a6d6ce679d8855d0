"""The sources tree is the only input (issue 10 item 4): links out of the tree are refused
without being read, nothing in the tree is ignored silently (build and sensor), dataset.yaml is
strict, NUL bytes are refused, and formula-like text is neutralised in the CSV exports."""
from __future__ import annotations

import csv
import hashlib
import os
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, SkipReason, build_sensor_context

from pipelines.definitions import defs
from pipelines.errors import SourceError
from pipelines.ingest.curate import curate
from pipelines.ingest.read_source import DATASET_KEYS
from tests.helpers import build_dataset, failure_message

SECRET = "OUTSIDE-SECRET-do-not-echo"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fails(published, dataset: str, expected: list[str], absent: tuple[str, ...] = ()) -> str:
    before = _digest(published.published_db)
    message = failure_message(build_dataset(dataset))
    for fragment in expected:
        assert fragment in message, f"{fragment!r} missing from:\n{message}"
    for fragment in absent:
        assert fragment not in message, f"{fragment!r} must not appear in:\n{message}"
    assert _digest(published.published_db) == before
    return message


def _outside_csv(tmp_path: Path) -> Path:
    """A CSV outside the tree with the right header, so only the link itself can be wrong."""
    table9 = Path(os.environ["BATTERY_SOURCES_DIR"]) / "vehicle_requirements" / "table9.csv"
    outside = tmp_path / "outside.csv"
    rows = list(csv.reader(table9.open(encoding="utf-8")))
    rows[1][rows[0].index("note")] = SECRET
    with outside.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows[:2])
    return outside


def test_symlinked_csv_to_outside_is_refused_unread(published, tmp_path):
    (published.sources / "vehicle_requirements" / "linked.csv").symlink_to(_outside_csv(tmp_path))
    _fails(
        published,
        "vehicle_requirements",
        ["sources/vehicle_requirements/linked.csv", "symbolic link or resolves outside sources/"],
        absent=(SECRET,),
    )


def test_symlinked_dataset_yaml_and_folder_are_refused(sources_copy, tmp_path):
    passwd = tmp_path / "passwd"
    passwd.write_text(f"root:x:0:0:{SECRET}:/root:/bin/bash\n", encoding="utf-8")
    meta = sources_copy / "references" / "dataset.yaml"
    meta.unlink()
    meta.symlink_to(passwd)
    with pytest.raises(SourceError) as info:
        curate("references", sources_copy)
    assert "sources/references/dataset.yaml" in str(info.value) and "symbolic link" in str(info.value)
    assert SECRET not in str(info.value)

    moved = tmp_path / "units_elsewhere"
    (sources_copy / "units").rename(moved)
    (sources_copy / "units").symlink_to(moved, target_is_directory=True)
    with pytest.raises(SourceError) as info:
        curate("units", sources_copy)
    assert "sources/units" in str(info.value) and "symbolic link" in str(info.value)


def test_unknown_folder_fails_the_build_saying_what_to_do(published):
    stray = published.sources / "new_dataset"
    stray.mkdir()
    (stray / "rows.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (published.sources / ".hidden_folder").mkdir()  # hidden entries are left aside
    message = _fails(published, "units", ["sources/new_dataset", "folder has no pandera model", "pipelines/schemas/registry.py"])
    assert ".hidden_folder" not in message


def test_upper_case_csv_and_other_files_fail_the_build(published):
    folder = published.sources / "vehicle_requirements"
    (folder / "extra.CSV").write_bytes((folder / "table9.csv").read_bytes())
    (folder / "notes.txt").write_text("curator notes\n", encoding="utf-8")
    (folder / ".DS_Store").write_bytes(b"\0")  # hidden: left aside
    _fails(
        published,
        "vehicle_requirements",
        ["sources/vehicle_requirements/extra.CSV", "sources/vehicle_requirements/notes.txt", "lower-case .csv", "rename it"],
        absent=(".DS_Store",),
    )


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"- title\n- description\n", ["dataset.yaml must be a mapping", "it is a list"]),
        (b"just a sentence\n", ["dataset.yaml must be a mapping", "it is a str"]),
        (b"", ["dataset.yaml must be a mapping", "it is empty"]),
        (b"title: [unclosed\n", ["dataset.yaml is not valid YAML", "line 2"]),
        ("title: Caf\u00e9\n".encode("latin-1"), ["dataset.yaml is not UTF-8", "line 1"]),
    ],
    ids=["list", "scalar", "empty", "malformed", "latin-1"],
)
def test_malformed_dataset_yaml_names_the_file(sources_copy, content, expected):
    (sources_copy / "references" / "dataset.yaml").write_bytes(content)
    with pytest.raises(SourceError) as info:
        curate("references", sources_copy)
    message = str(info.value)
    for fragment in ["sources/references/dataset.yaml", *expected]:
        assert fragment in message, f"{fragment!r} missing from:\n{message}"


def test_dataset_yaml_keys_are_strict_and_defaults_is_an_optional_mapping(sources_copy):
    meta = sources_copy / "references" / "dataset.yaml"
    original = meta.read_text(encoding="utf-8")
    meta.write_text(original + "owner: somebody\n", encoding="utf-8")
    with pytest.raises(SourceError) as info:
        curate("references", sources_copy)
    assert "column 'owner'" in str(info.value) and "unknown dataset.yaml key" in str(info.value)
    assert ", ".join(DATASET_KEYS) in str(info.value)

    # a `defaults:` mapping fills a column's empty cells
    meta.write_text(original + "defaults:\n  note: kept as printed\n", encoding="utf-8")
    frame, dataset = curate("references", sources_copy)
    assert dataset.metadata["defaults"]["note"] == "kept as printed" and len(frame)

    meta.write_text(original + "defaults: not a mapping\n", encoding="utf-8")
    with pytest.raises(SourceError) as info:
        curate("references", sources_copy)
    assert "column 'defaults'" in str(info.value) and "must be a mapping" in str(info.value)


def test_nul_byte_in_a_csv_is_refused(published):
    path = published.sources / "vehicle_requirements" / "table9.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = lines[2].replace("New York Cycle", "New York\0Cycle", 1)
    path.write_text("".join(lines), encoding="utf-8")
    _fails(published, "vehicle_requirements", ["table9.csv", "line 3", "column 'driving_cycle'", "NUL byte"])


# --------------------------------------------------------------------------- the sensor

SENSOR = defs.resolve_sensor_def("sources_changed")


def _evaluate(instance, cursor=None):
    return SENSOR(build_sensor_context(instance=instance, definitions=defs, cursor=cursor))


@pytest.mark.parametrize("kind", ["unknown folder", "upper-case file", "link"])
def test_sensor_requests_a_run_for_what_the_build_refuses(workspace, tmp_path, kind):
    """The sensor does not skip a refused entry: it requests the run of the dataset that
    reports it, and that run fails with the message (the build tests above)."""
    with DagsterInstance.ephemeral() as instance:
        cursor = _evaluate(instance).cursor
        if kind == "unknown folder":
            (workspace.sources / "new_dataset").mkdir()
            reporter = "curated/units"
        elif kind == "upper-case file":
            folder = workspace.sources / "vehicle_requirements"
            (folder / "extra.CSV").write_bytes((folder / "table9.csv").read_bytes())
            reporter = "curated/vehicle_requirements"
        else:
            (workspace.sources / "vehicle_requirements" / "linked.csv").symlink_to(_outside_csv(tmp_path))
            reporter = "curated/vehicle_requirements"
        result = _evaluate(instance, cursor)
        (run,) = result.run_requests
        assert reporter in {k.to_user_string() for k in run.asset_selection}
        assert isinstance(_evaluate(instance, result.cursor), SkipReason)  # one run per change


# --------------------------------------------------------------------------- CSV exports


def test_formula_cells_are_neutralised_in_csv_exports_only(tmp_path):
    from pipelines.publish.exports import export_tables

    db = tmp_path / "w.duckdb"
    texts = ['=HYPERLINK("http://x","y")', "+1", "-20 to 55", "@SUM(A1)", "\tx", "plain", "a=b"]
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE SCHEMA s; CREATE TABLE s.t (txt VARCHAR, n DOUBLE)")
        con.executemany("INSERT INTO s.t VALUES (?, ?)", [(t, -20.0) for t in texts])
    export_tables(db, tmp_path / "tables", ("csv", "parquet"))

    with (tmp_path / "tables" / "csv" / "s.t.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row, text in zip(rows, texts):
        formula = text[0] in "=+-@\t"
        assert row["txt"] == ("'" + text if formula else text)
        assert float(row["n"]) == -20.0  # numbers are not touched
    with duckdb.connect() as con:  # the Parquet export and the stored table keep the text
        parquet = [r[0] for r in con.execute(f"SELECT txt FROM '{tmp_path / 'tables' / 'parquet' / 's.t.parquet'}'").fetchall()]
    with duckdb.connect(str(db), read_only=True) as con:
        stored = [r[0] for r in con.execute("SELECT txt FROM s.t").fetchall()]
    assert parquet == texts and stored == texts

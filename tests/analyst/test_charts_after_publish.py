"""Charts off the critical path (issue 26): `battery build` publishes the warehouse, then draws
the charts from the published file. Charts are byte-stable between two builds of the same
sources; a chart that fails never blocks or undoes the publish, the build exits non-zero naming
it and saying the warehouse was published, and no PNG on disk shows an earlier warehouse."""
from __future__ import annotations

import duckdb

from pipelines.publish.chart_builders import CHARTS
from pipelines.publish.chart_files import chart_tables


def _drawn_from(db) -> dict[str, bytes]:
    """Every chart drawn directly by its builder from the tables of `db`."""
    with duckdb.connect(str(db), read_only=True) as con:
        out = {}
        for build in CHARTS:
            tables = {p: con.execute(f"SELECT * FROM {t}").df() for p, t in chart_tables(build).items()}
            out[build.__name__] = build(**tables).png
    return out


def test_charts_are_drawn_after_the_publish_and_byte_stable_between_builds(published, built_warehouse, capsys):
    from pipelines.cli import main

    before = published.published_db.stat().st_ino
    assert main(["build"]) == 0
    out = capsys.readouterr().out
    assert published.published_db.stat().st_ino != before  # swapped in by this build
    assert out.index("Published ") < out.index("Drawing the charts from the published warehouse")
    reference = _drawn_from(built_warehouse.published_db)  # another build of the same sources
    for name, png in reference.items():
        assert f"charts.{name}" in out  # says when each finished
        on_disk = (published.exports_dir / "charts" / f"{name}.png").read_bytes()
        assert on_disk == png, f"{name}.png differs between two builds of the same sources"
        assert b"tEXt" not in on_disk and b"Matplotlib" not in on_disk  # no version or date text in the file


def test_a_failing_chart_leaves_the_warehouse_published_and_no_stale_png(published, monkeypatch, capsys):
    import time

    from dagster import DagsterInstance

    import pipelines.publish.charts as draw
    from pipelines.cli import render_charts
    from pipelines.definitions import defs

    charts_dir = published.exports_dir / "charts"
    charts_dir.mkdir(parents=True)
    stale = charts_dir / "ragone.png"
    stale.write_bytes(b"a chart of an earlier warehouse")

    def broken(points):
        raise RuntimeError("the ragone builder is broken on purpose")

    monkeypatch.setattr(draw, "render_ragone", broken)
    # what `battery build` does once the publish is done (the whole build: test above)
    job = defs.resolve_job_def("build_warehouse")
    published_file = published.published_db.read_bytes()
    with DagsterInstance.ephemeral() as instance:
        assert render_charts(job, instance, time.monotonic(), 0.0) == 1
    captured = capsys.readouterr()
    assert published.published_db.read_bytes() == published_file  # the published warehouse stays as it is
    assert "charts.ragone" in captured.err and "broken on purpose" in captured.err
    assert "WAS replaced" in captured.err
    assert not stale.exists(), "a chart of an earlier warehouse must not stay on disk beside the new warehouse"
    drawn = {p.stem for p in charts_dir.glob("*.png")}
    assert drawn == {b.__name__ for b in CHARTS} - {"ragone"}  # the other charts were still drawn
    with duckdb.connect(str(published.published_db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM curated.cell_claims").fetchone()[0] > 0


def test_a_sensor_run_redraws_the_charts_of_the_tables_it_rebuilt(tmp_path):
    """A full build or a charts-only run draws every chart; a run of some tables draws the charts
    reading one of them, and any chart whose PNG is missing."""
    from pipelines.publish.chart_files import charts_to_draw

    names = lambda builds: {b.__name__ for b in builds}  # noqa: E731
    assert names(charts_to_draw(CHARTS, None, tmp_path)) == names(CHARTS)
    assert names(charts_to_draw(CHARTS, set(), tmp_path)) == names(CHARTS)
    for build in CHARTS:
        (tmp_path / f"{build.__name__}.png").write_bytes(b"drawn")
    rebuilt = {"sizing.machine_packs"}
    expected = {b.__name__ for b in CHARTS if rebuilt & set(chart_tables(b).values())}
    assert expected and expected != names(CHARTS)
    assert names(charts_to_draw(CHARTS, rebuilt, tmp_path)) == expected
    (tmp_path / "ragone.png").unlink()
    assert names(charts_to_draw(CHARTS, rebuilt, tmp_path)) == expected | {"ragone"}

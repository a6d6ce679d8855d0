"""Charts off the critical path (issue 26): `battery build` publishes the warehouse, then draws
the charts from the published file. Charts are byte-stable between two builds of the same
sources; a chart that fails never blocks or undoes the publish, the build exits non-zero naming
it and saying the warehouse was published, and no PNG on disk shows an earlier warehouse."""
from __future__ import annotations

import json

import duckdb

from pipelines.publish.chart_builders import CHARTS
from pipelines.publish.chart_files import can_fork, chart_tables, usable_cores


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
    assert main(["build", "--full"]) == 0  # every table rebuilt and published again
    out = capsys.readouterr().out
    assert published.published_db.stat().st_ino != before  # swapped in by this build
    assert out.index("Published ") < out.index("The files of the published warehouse")
    reference = _drawn_from(built_warehouse.published_db)  # another build of the same sources
    for name, png in reference.items():
        line = out.split(f"charts.{name}", 1)[1].split("\n", 1)[0]  # says when each finished
        assert "drawn in" in line
        # none was on disk: each was drawn from the staged tables, given a second core to draw on
        assert ("from the staged tables" in line) == (usable_cores() > 1 and can_fork())
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


def test_files_written_from_unchanged_tables_are_left_as_they_are(published, capsys):
    """The exports, charts and site are written again only when what they were written from
    changed (exports/WRITTEN_FROM.json): after a build that changed no row, none; after a change
    to one table, the charts reading it, the exports and the site; a chart whose PNG was changed
    on disk is drawn again; a dataset's description (shown by the site) rewrites the site."""
    import time

    from dagster import DagsterInstance

    from pipelines.cli import render_charts
    from pipelines.definitions import defs
    from pipelines.publish.after_publish import MANIFEST
    from pipelines.publish.exports import LOCK

    job = defs.resolve_job_def("build_warehouse")
    charts_dir = published.exports_dir / "charts"

    def files() -> dict:
        """Every file written from the warehouse (not the manifest and its lock) -> (inode, mtime)."""
        found = [p for folder in (published.exports_dir, published.site_dir) for p in folder.rglob("*")]
        return {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in found if p.is_file() and p.name not in (MANIFEST, LOCK)}

    def after_publish() -> str:
        with DagsterInstance.ephemeral() as instance:
            assert render_charts(job, instance, time.monotonic(), 0.0) == 0
        return capsys.readouterr().out

    out = after_publish()
    assert f"{len(CHARTS)} charts drawn by" in out and "unchanged since" not in out
    first = files()

    out = after_publish()  # the same tables: nothing is written
    assert files() == first
    assert out.count("unchanged since") == len(CHARTS) + 2 and f"0 charts drawn, {len(CHARTS)} unchanged" in out

    with duckdb.connect(str(published.published_db)) as con:
        con.execute("UPDATE curated.vehicle_requirements SET note = 'edited after the charts' WHERE metric = 'range'")
    (charts_dir / "ragone.png").write_bytes(b"not the chart that was drawn")
    out = after_publish()
    now = files()
    redrawn = {p.stem for p in charts_dir.glob("*.png") if now[p] != first[p]}
    readers = {b.__name__ for b in CHARTS if "curated.vehicle_requirements" in chart_tables(b).values()}
    assert readers and "ragone" not in readers
    assert redrawn == readers | {"ragone"}
    assert (charts_dir / "ragone.png").read_bytes() == _drawn_from(published.published_db)["ragone"]
    parquet = published.table_exports_dir / "parquet" / "curated.vehicle_requirements.parquet"
    assert now[parquet] != first[parquet]
    with duckdb.connect() as con:
        assert con.execute(f"SELECT count(*) FROM '{parquet}' WHERE note = 'edited after the charts'").fetchone()[0] > 0
    assert now[published.site_dir / "index.html"] != first[published.site_dir / "index.html"]
    assert f"{len(readers) + 1} charts drawn, {len(CHARTS) - len(readers) - 1} unchanged" in out

    described = published.sources / "vehicle_requirements" / "dataset.yaml"  # the site shows its title
    text = described.read_text(encoding="utf-8")
    described.write_text(text.replace("Battery energy requirements", "Energy requirements, retitled,"), encoding="utf-8")
    out = after_publish()
    assert out.count("unchanged since") == len(CHARTS) + 1  # the exports and charts; the site is rewritten
    page = (published.site_dir / "tables" / "curated.vehicle_requirements.html").read_text(encoding="utf-8")
    assert "Energy requirements, retitled," in page


def test_files_written_while_another_build_published_are_not_recorded(published):
    """The step runs outside the build lock: when another build publishes while it writes, what
    it wrote (from either file) is not recorded as written from the new one; the next run writes
    it again."""
    import json

    from pipelines.publish.after_publish import MANIFEST, write_after_publish
    from pipelines.publish.exports import export_tables

    def export_while_another_build_publishes(*args, **kwargs):
        rows = export_tables(*args, **kwargs)
        with duckdb.connect(str(published.published_db)) as con:
            con.execute("UPDATE curated.vehicle_requirements SET note = 'published meanwhile' WHERE metric = 'range'")
        return rows

    def run(export) -> dict:
        done = dict(write_after_publish(published, [], None, ("parquet",), False, print, export=export))
        return done["warehouse.exports"]

    assert "unchanged_since" not in run(export_while_another_build_publishes)
    manifest = json.loads((published.exports_dir / MANIFEST).read_text(encoding="utf-8"))
    assert "warehouse.exports" not in manifest["files"]
    assert "unchanged_since" not in run(export_tables)  # written again, from the file as it is now
    assert "unchanged_since" in run(export_tables)


def test_a_chart_drawn_while_the_tables_were_computed_is_written_only_from_the_tables_published(published, monkeypatch):
    """publish/early_charts.py: a chart drawn from the tables as staged is written after the publish
    only when the published file holds exactly those tables (else it is drawn again from it), and
    a builder that failed there fails the files step naming it, with no PNG left on disk."""
    from pipelines.publish import early_charts
    from pipelines.publish.after_publish import AfterPublishFailed, write_after_publish

    ragone, pack_mass = (next(b for b in CHARTS if b.__name__ == n) for n in ("ragone", "pack_mass_by_vehicle"))

    def broken_chart(cell_claims):
        """A chart whose builder fails."""
        raise RuntimeError("broken on purpose")

    charts_dir = published.exports_dir / "charts"
    charts_dir.mkdir(parents=True)
    (charts_dir / "broken_chart.png").write_bytes(b"a chart of an earlier warehouse")
    builds = [ragone, pack_mass, broken_chart]
    monkeypatch.setattr(early_charts, "usable_cores", lambda: 2)  # a second core to draw on, whatever the machine
    try:
        assert early_charts.arm(builds, {"curated.cell_claims", "sizing.vehicle_packs"}, lambda name, digests: False)
        with duckdb.connect(str(published.published_db), read_only=True) as staged:  # staging holds what is published next
            for table in ("curated.cell_claims", "sizing.vehicle_packs"):
                early_charts.stored(table, staged)
        drawing = early_charts._armed["drawing"]
        assert set(drawing.submitted) == {"ragone", "pack_mass_by_vehicle", "broken_chart"}
        for _, future in drawing.submitted.values():
            future.result()
        assert not (charts_dir / "ragone.png").exists()  # nothing is written before the files step takes it
        with duckdb.connect(str(published.published_db)) as con:  # what is published is not what pack_mass was drawn from
            con.execute("UPDATE sizing.vehicle_packs SET pack_mass = pack_mass + 1")
        try:
            done = dict(write_after_publish(published, builds, None, None, False, print))
        except AfterPublishFailed as failure:
            assert "charts.broken_chart" in str(failure) and "broken on purpose" in str(failure)
        else:
            raise AssertionError(f"the failing chart was not reported: {done}")
    finally:
        early_charts.disarm()
    assert not (charts_dir / "broken_chart.png").exists()
    reference = _drawn_from(published.published_db)
    for build in (ragone, pack_mass):
        assert (charts_dir / f"{build.__name__}.png").read_bytes() == reference[build.__name__]
    manifest = json.loads((published.exports_dir / "WRITTEN_FROM.json").read_text(encoding="utf-8"))["files"]
    assert manifest["charts.ragone"]["metadata"]["drawn_from_staged_tables"] is True
    assert manifest["charts.pack_mass_by_vehicle"]["metadata"]["drawn_from_staged_tables"] is False  # drawn again, from the file


def test_a_drawing_lost_with_its_process_is_drawn_again_from_the_published_file(published, monkeypatch):
    """The drawing process is only a head start: killed mid-drawing (out of memory, by hand), its
    chart is drawn after the publish from the published file, not reported as failed."""
    import os
    import signal
    import time

    from pipelines.publish import early_charts
    from pipelines.publish.after_publish import write_after_publish
    from pipelines.publish.charts import Chart

    builder_process = os.getpid()

    def slow_chart(cell_claims):
        """A chart that never finishes in the drawing process."""
        if os.getpid() != builder_process:
            time.sleep(60)
        return Chart(png=f"{len(cell_claims)} claims".encode())

    monkeypatch.setattr(early_charts, "usable_cores", lambda: 2)
    try:
        assert early_charts.arm([slow_chart], {"curated.cell_claims"}, lambda name, digests: False)
        drawing = early_charts._armed["drawing"]
        with duckdb.connect(str(published.published_db), read_only=True) as staged:
            early_charts.stored("curated.cell_claims", staged)
        _, future = drawing.submitted["slow_chart"]
        deadline = time.monotonic() + 20
        while not future.running() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert future.running()
        for pid in list(drawing.pool._processes):
            os.kill(pid, signal.SIGKILL)  # mid-drawing
        done = dict(write_after_publish(published, [slow_chart], None, None, False, print))
    finally:
        early_charts.disarm()
    assert done["charts.slow_chart"]["drawn_from_staged_tables"] is False
    with duckdb.connect(str(published.published_db), read_only=True) as con:
        claims = con.execute("SELECT count(*) FROM curated.cell_claims").fetchone()[0]
    assert (published.exports_dir / "charts" / "slow_chart.png").read_bytes() == f"{claims} claims".encode()

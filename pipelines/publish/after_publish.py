"""The files written from the published warehouse once it is published, read-only: the exports,
the charts and the catalogue site (no Dagster: pipelines/assets/warehouse.py declares them as
assets of one step and calls `write_after_publish`).

The charts are drawn in processes of their own (chart_files.draw_charts) while this process
writes the exports and the site's pages; the site links the charts last, once drawn. A failure
of one never stops the others (except the site, which links the exports: it is not rewritten
over failed exports); all are reported together at the end, saying the warehouse was published.

A file already written from the same tables by the same code is not written again: the
manifest exports/WRITTEN_FROM.json records, for each file, a digest of the code (provenance.
code_digest) and of the tables it was written from (duckdb_tables.table_digests: columns, rows
and their order), and each chart's SHA-256. A build that changed no row rewrites nothing; one
that changed a table redraws the charts reading it, and rewrites the exports and the site."""
from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from pipelines.provenance import code_digest
from pipelines.publish.chart_files import Drawn, chart_tables, charts_to_draw, draw_charts
from pipelines.publish.duckdb_tables import connect, table_digests
from pipelines.publish.exports import export_tables
from pipelines.publish.site import build_site
from pipelines.settings import Paths

MANIFEST = "WRITTEN_FROM.json"  # in warehouse/exports/: what each file there and the site were written from


class AfterPublishFailed(Exception):
    """Files written from the published warehouse (exports, charts, site) that failed after the
    publish: the warehouse stays published; what is on disk is said."""

    @classmethod
    def of(cls, failed: dict[str, Exception], paths: Paths) -> AfterPublishFailed:
        listing = "; ".join(f"{name}: {type(e).__name__}: {e}" for name, e in failed.items())
        notes = []
        if any(name.startswith("charts.") for name in failed):
            notes.append(f"The failed charts' PNGs were removed from {paths.exports_dir / 'charts'}, so no chart on disk shows an earlier warehouse.")
        if "warehouse.exports" in failed:
            notes.append(f"{paths.table_exports_dir} does not hold this warehouse's exports (any there are an earlier warehouse's; the next "
                         "build rewrites them from the published file first), so the site, which links them, was not rewritten.")
        if "warehouse.site" in failed:
            notes.append(f"{paths.site_dir} is still the catalogue of an earlier warehouse (make site rewrites it).")
        return cls(f"{len(failed)} of the files written from the published warehouse failed ({paths.published_db} was published and holds "
                   f"this build's tables): {listing}. " + " ".join(notes))


def chart_metadata(drawn: Drawn, paths: Paths) -> dict:
    """A chart drawn: its PNG (path and picture), when and how fast, what was measured on it."""
    name, chart = drawn.build.__name__, drawn.chart
    return {
        "path": str(paths.exports_dir / "charts" / f"{name}.png"),
        "preview": f"![{name}](data:image/png;base64,{base64.b64encode(chart.png).decode()})",
        "bytes": len(chart.png),
        "render_seconds": round(drawn.seconds, 3),
        "drawn_at": drawn.finished_at,
        **chart.metadata(),
    }


class WrittenFrom:
    """The manifest of the files written from the published warehouse: file -> the key it was
    written from (code and tables), when, its metadata, and a chart's SHA-256. A file is up to
    date when its key is the one this run would write it from and it is still on disk as written."""

    def __init__(self, paths: Paths, tables: dict[str, str]):
        self.path = paths.exports_dir / MANIFEST
        self.tables = tables  # table -> digest, of the published file
        try:
            self.entries: dict[str, dict] = json.loads(self.path.read_text(encoding="utf-8"))["files"]
        except (OSError, ValueError, KeyError, TypeError):
            self.entries = {}

    def key(self, tables: list[str] | None, **extra) -> str:
        """The digest of the code, `extra` and the digests of `tables` (None: every table)."""
        chosen = sorted(self.tables) if tables is None else sorted(tables)
        return hashlib.sha256(json.dumps([code_digest(), extra, [(t, self.tables.get(t)) for t in chosen]]).encode()).hexdigest()

    def up_to_date(self, name: str, key: str, png: Path | None = None) -> dict | None:
        """The recorded entry of `name` when it was written with `key` (and `png` holds what was
        written), else None."""
        entry = self.entries.get(name)
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None
        if png is not None and not (png.is_file() and hashlib.sha256(png.read_bytes()).hexdigest() == entry.get("sha256")):
            return None
        return entry

    def record(self, name: str, key: str, metadata: dict, png: bytes | None = None) -> None:
        kept = {k: v for k, v in metadata.items() if k != "preview"}
        self.entries[name] = {"key": key, "metadata": kept, **({"sha256": hashlib.sha256(png).hexdigest()} if png is not None else {})}

    def forget(self, name: str) -> None:
        self.entries.pop(name, None)

    def save(self) -> None:
        """Written atomically (a run reading it sees the previous one or this one)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{MANIFEST}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"files": self.entries}, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)


def dataset_descriptions(sources: Path) -> str:
    """Digest of every sources/<dataset>/dataset.yaml: the site shows a curated table's title,
    grain and origin from there (dictionary.table_metadata), not from a table."""
    digest = hashlib.sha256()
    for path in sorted(sources.glob("*/dataset.yaml")):
        digest.update(path.parent.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def unchanged(entry: dict) -> dict:
    """The metadata of a file left as it was: as recorded when written, and since when."""
    meta = dict(entry["metadata"])
    written = meta.get("drawn_at", meta.get("written_at"))
    return {**meta, "unchanged_since": written, "checked_at": time.time()}


def write_after_publish(
    paths: Paths, builds: list[Callable], run_tables: set[str] | None, export_formats: tuple[str, ...] | None, site: bool,
    log: Callable[[str], None], export: Callable = export_tables,
) -> Iterator[tuple[str, dict]]:
    """(asset name, metadata) for each file written, or left as it was when written from the
    same tables by the same code (WrittenFrom; its metadata then says since when): the exports
    in `export_formats` (None: not asked), the charts of `builds` this run must draw
    (chart_files.charts_to_draw) and the site (when `site`); raises AfterPublishFailed naming
    every one that failed, after the others."""
    failed: dict[str, Exception] = {}
    drawn: list[Drawn] = []
    site_metadata = None
    charts_dir = paths.exports_dir / "charts"
    with connect(paths.published_db, read_only=True) as con:
        written = WrittenFrom(paths, table_digests(con))

    def failure(name: str, error: Exception, trace: str = "") -> None:
        failed[name] = error
        written.forget(name)
        log(f"{name} failed: {type(error).__name__}: {error}" + (f"\n{trace}" if trace else ""))

    todo = charts_to_draw(builds, run_tables, charts_dir)
    chart_keys = {b.__name__: written.key(sorted(set(chart_tables(b).values()))) for b in todo}
    fresh = {b.__name__: entry for b in todo
             if (entry := written.up_to_date(f"charts.{b.__name__}", chart_keys[b.__name__], charts_dir / f"{b.__name__}.png"))}
    to_draw = [b for b in todo if b.__name__ not in fresh]
    rewritten = bool(to_draw)  # a file the site links changed
    with draw_charts(to_draw, paths.published_db, charts_dir) as drawing:  # drawing from here on
        if export_formats:
            started = time.monotonic()
            key = written.key(None, formats=list(export_formats))
            every = [paths.table_exports_dir / f / f"{t}.{f}" for f in export_formats for t in written.tables]
            entry = written.up_to_date("warehouse.exports", key) if all(f.is_file() for f in every) else None
            if entry is not None:
                yield "warehouse.exports", unchanged(entry)
            else:
                rewritten = True
                try:
                    rows = export(paths.published_db, paths.table_exports_dir, export_formats)
                except Exception as error:  # noqa: BLE001 - the charts are still drawn; reported with them at the end
                    failure("warehouse.exports", error)
                else:
                    meta = {"folder": str(paths.table_exports_dir), "formats": ", ".join(export_formats), "tables": len(rows),
                            "seconds": round(time.monotonic() - started, 3), "written_at": time.time()}
                    written.record("warehouse.exports", key, meta)
                    yield "warehouse.exports", meta
        if site and "warehouse.exports" not in failed:
            started = time.monotonic()
            # and the files it links (rewritten when one of them was), and the datasets' descriptions
            key = written.key(None, descriptions=dataset_descriptions(paths.sources))
            entry = written.up_to_date("warehouse.site", key) if (paths.site_dir / "index.html").is_file() else None
            if entry is not None and not rewritten:
                site_metadata = unchanged(entry)
            else:
                try:  # the pages first, then (once drawn) the charts
                    summary = build_site(paths.published_db, paths.site_dir, paths.exports_dir, lambda: drawn.extend(drawing))
                except Exception as error:  # noqa: BLE001 - reported at the end
                    failure("warehouse.site", error)
                else:
                    site_metadata = {"folder": str(paths.site_dir), **summary, "seconds": round(time.monotonic() - started, 3), "written_at": time.time()}
                    written.record("warehouse.site", key, site_metadata)
        drawn.extend(drawing)  # the charts not read yet: all of them without a site
    for name, entry in fresh.items():
        png = (charts_dir / f"{name}.png").read_bytes()
        yield f"charts.{name}", {**unchanged(entry), "preview": f"![{name}](data:image/png;base64,{base64.b64encode(png).decode()})"}
    for chart in drawn:
        if isinstance(chart.chart, Exception):
            failure(f"charts.{chart.build.__name__}", chart.chart, chart.trace)
        else:
            meta = chart_metadata(chart, paths)
            written.record(f"charts.{chart.build.__name__}", chart_keys[chart.build.__name__], meta, chart.chart.png)
            yield f"charts.{chart.build.__name__}", meta
    if failed:
        written.forget("warehouse.site")  # it links what failed
    written.save()
    if site_metadata is not None:
        yield "warehouse.site", site_metadata
    if failed:
        raise AfterPublishFailed.of(failed, paths)

"""The files written from the published warehouse once it is published, read-only: the exports,
the charts and the catalogue site (no Dagster: pipelines/assets/warehouse.py declares them as
assets of one step and calls `write_after_publish`).

The charts are drawn in processes of their own (chart_files.draw_charts) while this process
writes the exports and the site's pages; the site links the charts last, once drawn. A failure
of one never stops the others (except the site, which links the exports: it is not rewritten
over failed exports); all are reported together at the end, saying the warehouse was published.

A file already written from the same tables by the same code is not written again: the
manifest exports/WRITTEN_FROM.json records, for each file, a digest of the code (provenance.
code_digest) and of the tables it was written from (duckdb_tables.table_digests: comments,
columns, rows and their order), and each chart's SHA-256. A build that changed no row rewrites nothing; one
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
from pipelines.publish import early_charts
from pipelines.publish.chart_files import Drawn, chart_tables, charts_to_draw, draw_charts
from pipelines.publish.duckdb_tables import connect, table_digests
from pipelines.publish.exports import STAMP, export_tables, files_lock, identity_of
from pipelines.publish.site import build_site
from pipelines.settings import Paths

MANIFEST = "WRITTEN_FROM.json"  # in warehouse/exports/: what each file there and the site were written from
CODE = code_digest()  # taken at import: the code this process runs, not what is on disk by the time it writes


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
        "drawn_from_staged_tables": drawn.early,  # tables identical to the published ones (early_charts.py)
        **chart.metadata(),
    }


class WrittenFrom:
    """The manifest of the files written from the published warehouse: file -> the key it was
    written from (code and tables), its metadata, and a chart's SHA-256. A file is up to date when
    its key is the one this run would write it from and it is still on disk as written."""

    def __init__(self, paths: Paths, tables: dict[str, str]):
        self.path = paths.exports_dir / MANIFEST
        self.tables = tables  # table -> digest, of the published file
        try:
            self.entries: dict[str, dict] = json.loads(self.path.read_text(encoding="utf-8"))["files"]
        except (OSError, ValueError, KeyError, TypeError):
            self.entries = {}
        self.touched: set[str] = set()  # recorded or forgotten by this run

    def key(self, tables: list[str] | None, **extra) -> str:
        """The digest of the code, `extra` and the digests of `tables` (None: every table)."""
        chosen = sorted(self.tables) if tables is None else sorted(tables)
        return hashlib.sha256(json.dumps([CODE, extra, [(t, self.tables.get(t)) for t in chosen]]).encode()).hexdigest()

    def linked(self) -> list:
        """What the site links, as recorded: the exports' key and every chart's SHA-256."""
        charts = {name: entry.get("sha256") for name, entry in self.entries.items() if name.startswith("charts.")}
        return [self.entries.get("warehouse.exports", {}).get("key"), sorted(charts.items())]

    def up_to_date(self, name: str, key: str) -> dict | None:
        """The recorded entry of `name` when it was written with `key`, else None."""
        entry = self.entries.get(name)
        return entry if isinstance(entry, dict) and entry.get("key") == key else None

    def chart_on_disk(self, name: str, key: str, charts_dir: Path) -> tuple[dict, bytes] | None:
        """(entry, PNG) of chart `name` when it was drawn with `key` and its PNG is still on disk as drawn."""
        entry, png = self.up_to_date(f"charts.{name}", key), _png(charts_dir / f"{name}.png")
        if entry is None or png is None or hashlib.sha256(png).hexdigest() != entry.get("sha256"):
            return None
        return entry, png

    def record(self, name: str, key: str, metadata: dict, png: bytes | None = None) -> None:
        kept = {k: v for k, v in metadata.items() if k != "preview"}
        self.entries[name] = {"key": key, "metadata": kept, **({"sha256": hashlib.sha256(png).hexdigest()} if png is not None else {})}
        self.touched.add(name)

    def forget(self, name: str) -> None:
        self.entries.pop(name, None)
        self.touched.add(name)

    def save(self, tables_now: dict[str, str]) -> None:
        """Written atomically. When the published file changed while this run wrote (another build
        published: this step runs outside the build lock), what this run wrote is not recorded:
        the next run writes it again."""
        if tables_now != self.tables:
            for name in self.touched:
                self.entries.pop(name, None)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{MANIFEST}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"files": self.entries}, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)


def drawn_already(paths: Paths) -> Callable[[str, dict[str, str]], bool]:
    """(chart, digests of its tables) -> whether its PNG on disk is the one this code drew from
    tables with these digests (the manifest, read once): what early_charts.py need not draw."""
    written, charts_dir = WrittenFrom(paths, {}), paths.exports_dir / "charts"

    def fresh(name: str, digests: dict[str, str]) -> bool:
        written.tables = digests  # the key of these tables, as after the publish with these digests
        return written.chart_on_disk(name, written.key(sorted(digests)), charts_dir) is not None

    return fresh


def dataset_descriptions(sources: Path) -> str:
    """Digest of every sources/<dataset>/dataset.yaml: the site shows a curated table's title,
    grain and origin from there (dictionary.table_metadata), not from a table."""
    digest = hashlib.sha256()
    for path in sorted(sources.glob("*/dataset.yaml")):
        digest.update(path.parent.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def unchanged(entry: dict, where: dict) -> dict:
    """The metadata of a file left as it was: what was measured on it when written (not how long
    that took), where it is now (`where`), and since when it is unchanged."""
    meta = entry["metadata"]
    kept = {k: v for k, v in meta.items() if k not in ("seconds", "render_seconds", "drawn_at", "drawn_from_staged_tables", "written_at", "path", "folder")}
    return {**kept, **where, "unchanged_since": meta.get("drawn_at", meta.get("written_at")), "checked_at": time.time()}


def _png(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def write_after_publish(
    paths: Paths, builds: list[Callable], run_tables: set[str] | None, export_formats: tuple[str, ...] | None, site: bool,
    log: Callable[[str], None], export: Callable = export_tables,
) -> Iterator[tuple[str, dict]]:
    """(asset name, metadata) for each file written, or left as it was when written from the
    same tables by the same code (WrittenFrom; its metadata then says since when): the exports
    in `export_formats` (None: not asked), the charts of `builds` this run must draw
    (chart_files.charts_to_draw) and the site (when `site`); raises AfterPublishFailed naming
    every one that failed, after the others. One run at a time (exports.files_lock)."""
    with files_lock(paths.exports_dir):
        yield from _write_after_publish(paths, builds, run_tables, export_formats, site, log, export)


def _write_after_publish(paths, builds, run_tables, export_formats, site, log, export) -> Iterator[tuple[str, dict]]:
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
    fresh: dict[str, tuple[dict, bytes]] = {}  # chart -> (its entry, its PNG as drawn then)
    for b in todo:
        on_disk = written.chart_on_disk(b.__name__, chart_keys[b.__name__], charts_dir)
        if on_disk is not None:
            fresh[b.__name__] = on_disk
    to_draw = [b for b in todo if b.__name__ not in fresh]
    rewritten = bool(to_draw)  # a file the site links is written again
    # drawn from the tables as staged, when the published ones are the same (early_charts.py); the others now
    to_draw, drawn_early = early_charts.take(to_draw, written.tables, charts_dir)
    drawn.extend(drawn_early)
    descriptions = dataset_descriptions(paths.sources)
    with draw_charts(to_draw, paths.published_db, charts_dir) as drawing:  # drawing from here on
        if export_formats:
            started = time.monotonic()
            key = written.key(None, formats=list(export_formats))
            entry = written.up_to_date("warehouse.exports", key)
            stamp = paths.table_exports_dir / STAMP
            every = [paths.table_exports_dir / f / f"{t}.{f}" for f in export_formats for t in written.tables]
            if entry is not None and stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == identity_of(written.tables) \
                    and all(f.is_file() for f in every):
                yield "warehouse.exports", unchanged(entry, {"folder": str(paths.table_exports_dir)})
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
            # the tables, the datasets' descriptions and the files it links (the exports, the charts)
            entry = written.up_to_date("warehouse.site", written.key(None, descriptions=descriptions, linked=written.linked()))
            if entry is not None and not rewritten and (paths.site_dir / "index.html").is_file():
                site_metadata = unchanged(entry, {"folder": str(paths.site_dir)})
            else:
                try:  # the pages first, then (once drawn) the charts
                    summary = build_site(paths.published_db, paths.site_dir, paths.exports_dir, lambda: drawn.extend(drawing))
                except Exception as error:  # noqa: BLE001 - reported at the end
                    failure("warehouse.site", error)
                else:
                    site_metadata = {"folder": str(paths.site_dir), **summary, "seconds": round(time.monotonic() - started, 3), "written_at": time.time()}
        drawn.extend(drawing)  # the charts not read yet: all of them without a site
    for name, (entry, png) in fresh.items():
        where = {"path": str(charts_dir / f"{name}.png"), "preview": f"![{name}](data:image/png;base64,{base64.b64encode(png).decode()})"}
        yield f"charts.{name}", unchanged(entry, where)
    for chart in drawn:
        if isinstance(chart.chart, Exception):
            failure(f"charts.{chart.build.__name__}", chart.chart, chart.trace)
        else:
            meta = chart_metadata(chart, paths)
            written.record(f"charts.{chart.build.__name__}", chart_keys[chart.build.__name__], meta, chart.chart.png)
            yield f"charts.{chart.build.__name__}", meta
    if failed:
        written.forget("warehouse.site")  # it links what failed
    elif site_metadata is not None and "unchanged_since" not in site_metadata:  # keyed on what it links, now recorded
        written.record("warehouse.site", written.key(None, descriptions=descriptions, linked=written.linked()), site_metadata)
    with connect(paths.published_db, read_only=True) as con:
        written.save(table_digests(con))
    if site_metadata is not None:
        yield "warehouse.site", site_metadata
    if failed:
        raise AfterPublishFailed.of(failed, paths)

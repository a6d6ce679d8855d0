"""The static catalogue (warehouse/site/): HTML pages generated from the published DuckDB file and
the pandera models, for readers who do not write SQL.

Pages: a home page with search over technologies, products, organisations, documents, tables and
columns, and the charts; one page per technology family and technology; one per document; one
per table (description, grain, keys, columns with units, a preview that filters and sorts in the
browser, CSV and Parquet downloads); one per release (what changed, from meta.changes). Every
page is stamped with the release the file holds.

Everything is generic over what the file holds: a section appears when its table or column
exists (a readiness table, a cost table, claim columns such as `basis` or `quote`), and every
table with a `technology_id` column shows its rows on the technology pages. Nothing needs a
server or the network: data travels as `<script>` files (they load from file:// where fetch()
does not), and the JavaScript (static/site.js) is written here. The site is written to a fresh
folder that replaces the previous one only once complete."""
from __future__ import annotations

import functools
import html
import inspect
import json
import math
import os
import re
import shutil
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote

from pipelines.publish.chart_builders import CHARTS
from pipelines.publish.dictionary import table_metadata
from pipelines.publish.duckdb_tables import connect, per_table, quoted
from pipelines.publish.exports import replace_folder
from pipelines.schemas.base import column_docs, table_key
from pipelines.schemas.registry import documented_tables

STATIC = Path(__file__).with_name("site_static")
# The preview of a table holds its first rows; a table of at most this many rows is previewed
# whole and also written as a full CSV (a larger one: Parquet, and the CSV export on request).
PREVIEW_ROWS = 1000
PROVENANCE = ("source_file", "source_line")


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def slug(text: str) -> str:
    """A file name for an id: letters, digits, `_`, `-` and `.` kept, anything else `_`."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", str(text)) or "_"


def _text(value: object) -> str:
    """A cell as a reader sees it: no trailing zeros, dates without midnight."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:.6g}" if abs(value) < 1e15 else f"{value:.6e}"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@functools.lru_cache(maxsize=1 << 16, typed=True)
def _cached_cell(value: object) -> str:
    return _e(_text(value))


def _cell(value: object) -> str:
    """A cell as HTML text (`_e(_text(value))`), remembered per value: the pages repeat the same ids,
    units, dates and numbers thousands of times. `typed`: 1, 1.0 and True are different cells."""
    try:
        return _cached_cell(value)
    except TypeError:  # an unhashable value (a list column)
        return _e(_text(value))


def web_link(url: object) -> str | None:
    """A document's address as a link only when it is a web address (never javascript: or a path)."""
    text = str(url or "").strip()
    return text if re.match(r"https?://", text, flags=re.I) else None


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    return f"{n:,} {noun if n == 1 else nouns or noun + 's'}"


JSON_NATIVE = re.compile(r"^(BOOLEAN|TINYINT|SMALLINT|INTEGER|BIGINT|UTINYINT|USMALLINT|UINTEGER|FLOAT|DOUBLE|VARCHAR)$")


def _json_expr(column: str, kind: str) -> str:
    """A column as a JSON cell: numbers, booleans and text as they are; a timestamp as its date
    when it is midnight; anything else as its text."""
    c = quoted(column)
    if JSON_NATIVE.match(kind):
        return c
    if kind.startswith("TIMESTAMP"):
        return f"CASE WHEN CAST({c} AS TIME) = TIME '00:00:00' THEN strftime({c}, '%Y-%m-%d') ELSE strftime({c}, '%Y-%m-%d %H:%M:%S') END"
    return f"CAST({c} AS VARCHAR)"


class Warehouse:
    """What the published file holds: tables, columns and their comments, and row queries."""

    def __init__(self, con):
        self.con = con
        self.tables: dict[str, dict] = {}
        for schema, table, comment in con.execute(
            "SELECT schema_name, table_name, comment FROM duckdb_tables() WHERE database_name = current_database() "
            "ORDER BY schema_name, table_name"
        ).fetchall():
            self.tables[f"{schema}.{table}"] = {"schema": schema, "table": table, "comment": comment or "", "columns": {}}
        for schema, table, column, kind, comment in con.execute(
            "SELECT schema_name, table_name, column_name, data_type, comment FROM duckdb_columns() "
            "WHERE database_name = current_database() ORDER BY schema_name, table_name, column_index"
        ).fetchall():
            self.tables[f"{schema}.{table}"]["columns"][column] = {"type": kind, "comment": comment or ""}
        for table, (n,) in per_table(con, {t: self.ref(t) for t in self.tables}, "count(*)").items():
            self.tables[table]["rows"] = n

    def has(self, table: str, *columns: str) -> bool:
        return table in self.tables and all(c in self.tables[table]["columns"] for c in columns)

    def columns(self, table: str) -> list[str]:
        return list(self.tables[table]["columns"]) if table in self.tables else []

    def ref(self, table: str) -> str:
        schema, name = table.split(".", 1)
        return f"{quoted(schema)}.{quoted(name)}"

    def rows(self, sql: str, params: list | None = None) -> tuple[list[str], list[tuple]]:
        cursor = self.con.execute(sql, params or [])
        return [d[0] for d in cursor.description], cursor.fetchall()

    def select(self, table: str, where: str = "", params: list | None = None, order: str = "", limit: int | None = None) -> list[dict]:
        if table not in self.tables:
            return []
        sql = f"SELECT * FROM {self.ref(table)}" + (f" WHERE {where}" if where else "") + (f" ORDER BY {order}" if order else "")
        sql += f" LIMIT {int(limit)}" if limit else ""
        names, rows = self.rows(sql, params)
        return [dict(zip(names, row)) for row in rows]

    def grouped(self, table: str, column: str, order: str = "") -> dict[object, list[dict]]:
        """Every row of `table` by its value of `column`: one query, however many values."""
        groups: dict[object, list[dict]] = defaultdict(list)
        for row in self.select(table, order=order) if self.has(table, column) else []:
            groups[row[column]].append(row)
        return groups

    def with_column(self, column: str) -> list[str]:
        return [t for t, info in self.tables.items() if column in info["columns"]]


# ---------------------------------------------------------------- page pieces


def page(title: str, body: str, depth: int, stamp: str, scripts: tuple[str, ...] = ()) -> str:
    up = "../" * depth
    nav = " ".join(
        f'<a href="{up}{href}">{label}</a>'
        for href, label in (("index.html", "Home"), ("technologies.html", "Technologies"), ("documents.html", "Documents"),
                            ("tables.html", "Tables"), ("releases.html", "What changed"))
    )
    tags = "".join(f'<script src="{up}{s}"></script>' for s in (*scripts, "static/site.js"))
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)} · battery technologies catalogue</title>"
        f'<link rel="stylesheet" href="{up}static/site.css"></head>\n<body>'
        f'<header><a class="brand" href="{up}index.html">Battery technologies catalogue</a><nav>{nav}</nav></header>\n'
        f'<main><p class="stamp">{stamp}</p>\n<h1>{_e(title)}</h1>\n{body}\n</main>\n'
        f'<footer>{stamp} · generated from <code>warehouse/battery.duckdb</code> by <code>battery site</code></footer>\n'
        f"{tags}</body></html>\n"
    )


def html_table(rows: list[dict], columns: list[str], links: dict | None = None, cls: str = "", units: dict | None = None) -> str:
    links, units = links or {}, units or {}
    head = "".join(f"<th>{_e(c)}" + (f' <span class="unit">[{_e(units[c])}]</span>' if units.get(c) else "") + "</th>" for c in columns)
    body = []
    for row in rows:
        cells = []
        for c in columns:
            text = _cell(row.get(c))
            href = links[c](row) if c in links and row.get(c) is not None else None
            # short text on one line, long text in a wide column: no tall, narrow rows
            td = '<td class="long">' if len(text) > 60 else '<td class="short">' if len(text) <= 40 else "<td>"
            cells.append(f'{td}<a href="{_e(href)}">{text}</a></td>' if href else f"{td}{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<div class="scroll"><table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


def definition_list(row: dict, skip: tuple[str, ...] = PROVENANCE, links: dict | None = None) -> str:
    links = links or {}
    items = []
    for key, value in row.items():
        if key in skip or value is None or _text(value) == "":
            continue
        text = _cell(value)
        href = links[key](row) if key in links else None
        if href:
            text = f'<a href="{_e(href)}">{text}</a>'
        items.append(f"<dt>{_e(key)}</dt><dd>{text}</dd>")
    return f'<dl class="facts">{"".join(items)}</dl>'


def present(rows: list[dict], preferred: tuple[str, ...], skip: tuple[str, ...] = PROVENANCE) -> list[str]:
    """The preferred columns the rows have, then none else: optional columns show when they exist."""
    names = list(rows[0]) if rows else []
    return [c for c in preferred if c in names and c not in skip and any(r.get(c) is not None for r in rows)]


def shown_columns(rows: list[dict], skip: tuple[str, ...]) -> list[str]:
    names = list(rows[0]) if rows else []
    return [c for c in names if c not in skip and any(r.get(c) is not None and _cell(r.get(c)) != "" for r in rows)]


# ---------------------------------------------------------------- the site


class Site:
    def __init__(self, wh: Warehouse, out: Path, exports_dir: Path):
        self.wh, self.out, self.exports_dir = wh, out, exports_dir
        self.models = documented_tables()
        releases = wh.select("meta.releases", order="release_number DESC") if wh.has("meta.releases", "release_number") else []
        self.releases = releases
        latest = releases[0] if releases else {}
        when = _text(latest.get("published_at")) if latest else ""
        self.stamp = (
            f'Release <b>{_e(latest.get("release_id", "unreleased"))}</b>' + (f", published {_e(when)} UTC" if when else "")
        )
        self.release_id = latest.get("release_id")
        self.search: list[dict] = []
        self._units: dict[str, dict[str, str]] = {}
        self.technologies = {r["technology_id"]: r for r in wh.select("curated.technologies", order="technology_id")}
        self.documents = {r["document_id"]: r for r in wh.select("curated.documents", order="document_id")}

    def units(self, table: str) -> dict[str, str]:
        """column -> unit, from the table's pandera model (none for a table without one); read
        from the model once per table, asked once per page that shows the table."""
        if table not in self._units:
            model = self.models.get(table)
            self._units[table] = {d.name: d.unit for d in column_docs(model) if d.unit} if model is not None else {}
        return self._units[table]

    # links, relative to a page one folder down
    def tech_link(self, row: dict) -> str:
        return f"../technologies/{slug(row['technology_id'])}.html"

    def doc_link(self, row: dict, column: str = "document_id") -> str:
        return f"../documents/{slug(row[column])}.html"

    def table_link(self, table: str, depth: int = 1) -> str:
        return f"{'../' * depth}tables/{slug(table)}.html"

    def write(self, relative: str, text: str) -> None:
        path = self.out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def preview(self, name: str, columns: list[str], rows_json: str, shown_rows: int, total: int, download: str) -> str:
        """A preview widget with its rows inline (a JSON array of row arrays, as DuckDB wrote it):
        static/site.js filters, sorts and downloads them in the browser, from file:// too."""
        payload = f'{{"columns":{json.dumps(columns)},"rows":{rows_json},"total":{total}}}'.replace("</", "<\\/")
        key = json.dumps(name).replace("</", "<\\/")
        shown = f"the first {shown_rows:,} of {total:,} rows" if total > shown_rows else f"all {total:,} rows"
        return (
            f"<script>window.BATTERY_DATA=window.BATTERY_DATA||{{}};window.BATTERY_DATA[{key}]={payload};</script>"
            f'<div class="preview" data-name="{_e(name)}" data-download="{_e(download)}">'
            f'<p class="note">Preview of {shown}. Type to filter (every word must appear in the row), click a column to sort, '
            f"and download what you see as CSV.</p>"
            f'<div class="controls"><input type="search" class="filter" placeholder="Filter rows…" aria-label="Filter rows">'
            f'<button type="button" class="download-csv">Download these rows as CSV</button>'
            f'<span class="count" aria-live="polite"></span></div><div class="grid"></div></div>'
        )

    def previews(self, sources: dict[str, tuple[str, str, tuple[str, ...]]]) -> dict[str, tuple[list[str], str, int]]:
        """name -> (columns, rows as a JSON array of arrays, rows in it) for each (table, WHERE
        clause, columns left out) of `sources`, in one DuckDB query: DuckDB writes the JSON, no
        Python loop over rows."""
        columns, parts = {}, []
        for i, (name, (table, where, leave_out)) in enumerate(sources.items()):
            kept = {c: info["type"] for c, info in self.wh.tables[table]["columns"].items() if c not in leave_out}
            columns[name] = list(kept)
            cells = ", ".join(_json_expr(c, t) for c, t in kept.items())
            source = f"SELECT * FROM {self.wh.ref(table)}" + (f" WHERE {where}" if where else "") + f" LIMIT {PREVIEW_ROWS}"
            parts.append(f"(SELECT coalesce(json_group_array(json_array({cells})), '[]')::VARCHAR || '|' || count(*) FROM ({source})) AS p{i}")
        if not parts:
            return {}
        values = self.wh.con.execute("SELECT " + ", ".join(parts)).fetchone()
        out = {}
        for name, value in zip(sources, values):
            rows_json, _, n = value.rpartition("|")
            out[name] = (columns[name], rows_json, int(n))
        return out

    def changes_previews(self) -> dict[str, tuple[list[str], str, int, int]]:
        """release id -> (columns, first rows of meta.changes as JSON, rows in it, rows in all),
        every release in one query."""
        if not self.wh.has("meta.changes", "release_id"):
            return {}
        kept = {c: info["type"] for c, info in self.wh.tables["meta.changes"]["columns"].items() if c != "release_id"}
        cells = ", ".join(_json_expr(c, t) for c, t in kept.items())
        rows = self.wh.con.execute(
            f"SELECT release_id, coalesce(json_group_array(json_array({cells})), '[]')::VARCHAR, count(*), max(total) "
            "FROM (SELECT *, row_number() OVER (PARTITION BY release_id) AS n, count(*) OVER (PARTITION BY release_id) AS total "
            f"FROM meta.changes) WHERE n <= {PREVIEW_ROWS} GROUP BY release_id"
        ).fetchall()
        return {rid: (list(kept), rows_json, shown, total) for rid, rows_json, shown, total in rows}

    # ------------------------------------------------------------ pages
    def build(self, charts_drawn: Callable[[], object] | None = None) -> dict:
        shutil.copytree(STATIC, self.out / "static")
        self.table_pages()
        families = self.technology_pages()
        self.document_pages()
        self.release_pages()
        if charts_drawn is not None:  # the pages above do not show the charts: written while they are drawn
            charts_drawn()
        charts = self.copy_charts()
        self.home(charts, families)
        self.write("data/search.js", "window.BATTERY_SEARCH=" + json.dumps(self.search, separators=(",", ":")) + ";\n")
        return {
            "pages": sum(1 for _ in self.out.rglob("*.html")),
            "technologies": len(self.technologies),
            "documents": len(self.documents),
            "tables": len(self.wh.tables),
            "search_entries": len(self.search),
            "release": self.release_id or "",
        }

    def copy_charts(self) -> list[tuple[str, str]]:
        """The charts the build drew (warehouse/exports/charts/), linked (or copied) into the site."""
        found = []
        (self.out / "charts").mkdir(parents=True, exist_ok=True)
        for build in CHARTS:
            source = self.exports_dir / "charts" / f"{build.__name__}.png"
            if source.exists():
                _link_or_copy(source, self.out / "charts" / source.name)
                found.append((source.name, (inspect.getdoc(build) or build.__name__).splitlines()[0]))
        return found

    def table_pages(self) -> None:
        by_schema: dict[str, list[str]] = defaultdict(list)
        parquet = self.exports_dir / "tables" / "parquet"
        csv_exports = self.exports_dir / "tables" / "csv"
        (self.out / "downloads").mkdir(parents=True, exist_ok=True)
        data = self.previews({t: (t, "", ()) for t in self.wh.tables})
        for table, info in self.wh.tables.items():
            by_schema[info["schema"]].append(table)
            model = self.models.get(table)
            meta = table_metadata(table, model) if model is not None else {"grain": "", "provenance": "", "title": ""}
            description = (model.to_schema().description if model is not None else "") or info["comment"]
            docs = {d.name: d for d in column_docs(model)} if model is not None else {}
            key = table_key(model) if model is not None else ()
            columns = []
            for name, col in info["columns"].items():
                doc = docs.get(name)
                columns.append({
                    "column": name,
                    "type": col["type"],
                    "unit": doc.unit if doc else "",
                    "key": "key" if name in key else "",
                    "description": doc.description if doc else col["comment"],
                })
                self.search.append({"k": "column", "n": f"{table}.{name}", "d": (doc.description if doc else col["comment"]) + (f" [{doc.unit}]" if doc and doc.unit else ""), "u": f"tables/{slug(table)}.html#col-{slug(name)}"})
            self.search.append({"k": "table", "n": table, "d": " ".join(x for x in (meta["title"], description) if x), "u": f"tables/{slug(table)}.html"})
            total = info.get("rows", 0)
            names, rows_json, shown = data[table]
            downloads = []
            if (csv_exports / f"{table}.csv").exists():
                _link_or_copy(csv_exports / f"{table}.csv", self.out / "downloads" / f"{slug(table)}.csv")
                downloads.append(f'<a href="../downloads/{slug(table)}.csv" download>the whole table as CSV</a>')
            elif shown == total:
                downloads.append("the whole table as CSV: the preview's download button, with no filter")
            else:
                downloads.append("the whole table as CSV: build with <code>BATTERY_EXPORT_CSV=1 make build</code>")
            if (parquet / f"{table}.parquet").exists():
                _link_or_copy(parquet / f"{table}.parquet", self.out / "downloads" / f"{slug(table)}.parquet")
                downloads.append(f'<a href="../downloads/{slug(table)}.parquet" download>the whole table as Parquet</a>')
            widget = self.preview(table, names, rows_json, shown, total, f"{slug(table)}.csv")
            column_rows = "".join(
                f'<tr id="col-{slug(c["column"])}"><td><code>{_e(c["column"])}</code></td><td>{_e(c["type"])}</td>'
                f'<td>{_e(c["unit"])}</td><td>{_e(c["key"])}</td><td>{_e(c["description"])}</td></tr>'
                for c in columns
            )
            facts = [("Rows", f"{total:,}"), ("Grain", meta["grain"]), ("Key", ", ".join(key)), ("Provenance", meta["provenance"])]
            body = (
                (f'<p class="lead">{_e(meta["title"])}</p>' if meta["title"] else "")
                + f"<p>{_e(description)}</p>"
                + '<dl class="facts">' + "".join(f"<dt>{k}</dt><dd>{_e(v)}</dd>" for k, v in facts if v) + "</dl>"
                + f'<p class="downloads">Download: {" · ".join(downloads)}</p>'
                + "<h2>Columns</h2>"
                + '<div class="scroll"><table><thead><tr><th>column</th><th>type</th><th>unit</th><th>key</th><th>description</th></tr></thead>'
                + f"<tbody>{column_rows}</tbody></table></div>"
                + f"<h2>Preview</h2>{widget}"
            )
            self.write(f"tables/{slug(table)}.html", page(table, body, 1, self.stamp))
        items = "".join(
            f"<h2>{_e(schema)}</h2><ul class=\"cards\">"
            + "".join(
                f'<li><a href="tables/{slug(t)}.html"><code>{_e(t)}</code></a> <span class="muted">{self.wh.tables[t].get("rows", 0):,} rows</span>'
                f'<br><span class="desc">{_e(self.wh.tables[t]["comment"])}</span></li>'
                for t in tables
            )
            + "</ul>"
            for schema, tables in by_schema.items()
        )
        self.write("tables.html", page("Tables", "<p>Every table of the warehouse, by schema. Each page describes the table and its columns, previews its rows and offers downloads.</p>" + items, 0, self.stamp))

    def technology_pages(self) -> dict[str, list[dict]]:
        wh = self.wh
        families: dict[str, list[dict]] = defaultdict(list)
        for row in self.technologies.values():
            families[row.get("family") or "other"].append(row)
        products = wh.select("curated.products", order="product_id")
        organisations = {r["organisation_id"]: r for r in wh.select("curated.organisations", order="organisation_id")}
        for p in products:
            org = organisations.get(p.get("organisation_id"), {})
            self.search.append({"k": "product", "n": p.get("name") or p["product_id"], "d": " ".join(_text(x) for x in (org.get("name"), self.technologies.get(p.get("technology_id"), {}).get("label"), p.get("note")) if x), "u": f"technologies/{slug(p['technology_id'])}.html#product-{slug(p['product_id'])}" if p.get("technology_id") else f"tables/{slug('curated.products')}.html"})
        for o in organisations.values():
            self.search.append({"k": "organisation", "n": o.get("name") or o["organisation_id"], "d": " ".join(_text(x) for x in (o.get("kind"), o.get("country"), o.get("note")) if x), "u": f"tables/{slug('curated.organisations')}.html#q={quote(str(o['organisation_id']))}"})

        claims_by_tech: dict[str, list[dict]] = defaultdict(list)
        order = "metric, claim_date DESC" if wh.has("curated.cell_claims", "claim_date") else "metric"
        for claim in wh.select("curated.cell_claims", order=order) if wh.has("curated.cell_claims", "technology_id", "metric") else []:
            claims_by_tech[claim["technology_id"]].append(claim)
        conflicts = wh.select("quality.claim_conflicts") if wh.has("quality.claim_conflicts", "technology_id") else []
        cells = wh.select("curated.modelled_cells") if wh.has("curated.modelled_cells", "technology_id") else []
        performance = {r["cell_id"]: r for r in wh.select("model.cell_performance")} if wh.has("model.cell_performance", "cell_id") else {}
        shown = {"curated.technologies", "curated.cell_claims", "quality.claim_conflicts", "curated.modelled_cells",
                 "sizing.technology_packs", "sizing.technology_machine_packs", "curated.products"}
        others = [t for t in wh.with_column("technology_id") if t not in shown]
        readiness = [t for t in others if "readiness" in t]
        costs = [t for t in others if "cost" in t and t not in readiness]
        rest = [t for t in others if t not in readiness and t not in costs]
        other_rows = {t: defaultdict(list) for t in others}
        for t in others:
            for row in wh.select(t):
                other_rows[t][row.get("technology_id")].append(row)
        packs = defaultdict(list)
        for t, subject in (("sizing.technology_packs", "vehicle_id"), ("sizing.technology_machine_packs", "machine_id")):
            if wh.has(t, "technology_id"):
                for row in wh.select(t, order=subject):
                    packs[(t, row["technology_id"])].append(row)

        for tech_id, tech in self.technologies.items():
            sections = [definition_list(tech, skip=(*PROVENANCE, "technology_id", "family", "family_name", "label"))]
            family = tech.get("family") or "other"
            sections.insert(0, f'<p class="lead">Family: <a href="../families/{slug(family)}.html">{_e(tech.get("family_name") or family)}</a> · id <code>{_e(tech_id)}</code></p>')
            for t in readiness:
                sections.append(self.other_section("Readiness", t, other_rows[t].get(tech_id, [])))
            sections.append(self.claims_section(claims_by_tech.get(tech_id, [])))
            mine = [c for c in conflicts if c.get("technology_id") == tech_id]
            if mine:
                sections.append(self.conflicts_section(mine))
            my_cells = [c for c in cells if c.get("technology_id") == tech_id]
            if my_cells:
                sections.append(self.cells_section(my_cells, performance))
            sections.append(self.packs_section(packs.get(("sizing.technology_packs", tech_id), []), packs.get(("sizing.technology_machine_packs", tech_id), [])))
            for t in costs:
                sections.append(self.other_section("What it costs", t, other_rows[t].get(tech_id, [])))
            mine_products = [p for p in products if p.get("technology_id") == tech_id]

            def org_link(row: dict) -> str:
                return f"../tables/curated.organisations.html#q={quote(str(row['organisation_id']))}"

            if mine_products:
                sections.append("<h2>Products</h2>" + "".join(
                    f'<div id="product-{slug(p["product_id"])}" class="product">{definition_list(p, links={"organisation_id": org_link})}</div>'
                    for p in mine_products
                ))
            for t in rest:
                sections.append(self.other_section(None, t, other_rows[t].get(tech_id, [])))
            sections.append(self.sources_section(claims_by_tech.get(tech_id, [])))
            label = tech.get("label") or tech_id
            self.write(f"technologies/{slug(tech_id)}.html", page(label, "\n".join(s for s in sections if s), 1, self.stamp))
            self.search.append({"k": "technology", "n": label, "d": " ".join(_text(x) for x in (tech_id, tech.get("family_name"), tech.get("description")) if x), "u": f"technologies/{slug(tech_id)}.html"})

        listing = []
        for family, techs in sorted(families.items()):
            name = techs[0].get("family_name") or family
            rows = "".join(
                f'<li><a href="../technologies/{slug(t["technology_id"])}.html">{_e(t.get("label") or t["technology_id"])}</a>'
                f' <span class="muted">{plural(len(claims_by_tech.get(t["technology_id"], [])), "claim")}</span>'
                f'<br><span class="desc">{_e(t.get("description"))}</span></li>'
                for t in techs
            )
            comparison = ""
            if wh.has("analysis.technology_comparison", "technology_id", "family"):
                comp = wh.select("analysis.technology_comparison", "family = ?", [family])
                cols = shown_columns(comp, skip=(*PROVENANCE, "family"))
                comparison = "<h2>Side by side</h2>" + html_table(comp, cols, {"technology_id": self.tech_link}) + f'<p class="note">From <a href="{self.table_link("analysis.technology_comparison")}">analysis.technology_comparison</a>.</p>'
            self.write(f"families/{slug(family)}.html", page(name, f'<ul class="cards">{rows}</ul>{comparison}', 1, self.stamp))
            self.search.append({"k": "family", "n": name, "d": ", ".join(t.get("label") or "" for t in techs), "u": f"families/{slug(family)}.html"})
            listing.append(
                f'<h2><a href="families/{slug(family)}.html">{_e(name)}</a></h2><ul class="cards">'
                + rows.replace('href="../', 'href="')
                + "</ul>"
            )
        self.write("technologies.html", page("Technologies", "<p>Every technology of the taxonomy, by family: what was claimed for it, by which document and when, what the model computes, and which vehicles and machines its cells would make feasible.</p>" + "".join(listing), 0, self.stamp))
        return families

    def claims_section(self, claims: list[dict]) -> str:
        if not claims:
            return "<h2>Claims</h2><p>No claim in the warehouse names this technology.</p>"
        preferred = ("entity", "published_text", "published_unit", "conditions", "quote", "value_best", "unit", "value_basis",
                     "basis", "declared_or_measured", "sample_stage", "c_rate", "test_temperature", "evidence", "claim_date",
                     "document_id", "section", "source_table", "reference_ids", "status", "note")
        by_metric: dict[str, list[dict]] = defaultdict(list)
        for c in claims:
            by_metric[c.get("metric") or ""].append(c)
        parts = [f'<h2>Claims <span class="muted">({len(claims)}, grouped by metric, newest first)</span></h2>',
                 '<p class="note"><b>published_text</b> is the number exactly as printed; <b>value_best</b> is the one value '
                 "used to compare (rule: <b>value_basis</b>); <b>evidence</b> says how it was obtained.</p>"]
        for metric, rows in by_metric.items():
            cols = present(rows, preferred)
            parts.append(f'<h3 id="metric-{slug(metric)}">{_e(metric)}</h3>' + html_table(rows, cols, {"document_id": self.doc_link}))
        return "".join(parts)

    def conflicts_section(self, conflicts: list[dict]) -> str:
        parts = ["<h2>Conflicting claims</h2><p class=\"note\">Pairs of claims about the same technology or product and metric, "
                 "from different documents or sections, whose printed values cannot both hold.</p>"]
        for c in conflicts:
            fields = [k[:-2] for k in c if k.endswith("_a") and f"{k[:-2]}_b" in c and k[:-2] not in PROVENANCE]
            rows = "".join(
                f"<tr><th>{_e(f)}</th>"
                + "".join(
                    (f'<td><a href="{self.doc_link(c, f"{f}_{s}")}">{_cell(c[f"{f}_{s}"])}</a></td>' if f == "document_id" and c.get(f"{f}_{s}")
                     else f"<td>{_cell(c[f'{f}_{s}'])}</td>")
                    for s in ("a", "b")
                )
                + "</tr>"
                for f in fields
            )
            head = " · ".join(_e(_text(c.get(k))) for k in ("metric", "product_id", "conditions", "gap") if c.get(k) is not None)
            parts.append(f'<h3>{head}</h3><div class="scroll"><table class="side"><thead><tr><th></th><th>claim A</th><th>claim B</th></tr></thead><tbody>{rows}</tbody></table></div>')
        return "".join(parts)

    def cells_section(self, cells: list[dict], performance: dict) -> str:
        columns = [c["cell_id"] for c in cells]
        fields: list[str] = []
        merged = []
        for c in cells:
            row = {**c, **performance.get(c["cell_id"], {})}
            merged.append(row)
            fields += [k for k in row if k not in fields and k not in PROVENANCE and k != "cell_id"]
        units = {**self.units("curated.modelled_cells"), **self.units("model.cell_performance")}
        rows = "".join(
            f"<tr><th>{_e(f)}" + (f' <span class="unit">[{_e(units[f])}]</span>' if units.get(f) else "") + "</th>"
            + "".join(f"<td>{_cell(r.get(f))}</td>" for r in merged) + "</tr>"
            for f in fields if any(r.get(f) is not None for r in merged)
        )
        head = "".join(f"<th>{_e(c)}</th>" for c in columns)
        return (
            f"<h2>Modelled cells</h2><p class=\"note\">The report's cell designs of this technology, as computed by the cell model "
            f'(<a href="{self.table_link("model.cell_performance")}">model.cell_performance</a>) beside the published values.</p>'
            f'<div class="scroll"><table class="side"><thead><tr><th></th>{head}</tr></thead><tbody>{rows}</tbody></table></div>'
        )

    def packs_section(self, vehicles: list[dict], machines: list[dict]) -> str:
        if not vehicles and not machines:
            return ("<h2>Vehicles and machines</h2><p>Not sized: the warehouse holds no cell energy density for it "
                    f'(see <a href="{self.table_link("sizing.technology_cells")}">sizing.technology_cells</a>).</p>')
        v_cols = ("vehicle_id", "subject_type", "subject_id", "feasible_probability", "pack_mass_p50", "pack_mass_p5", "pack_mass_p95",
                  "max_pack_mass", "pack_volume_p50", "max_pack_volume", "pack_cost_p50", "pack_cost_p5", "pack_cost_p95", "limit_basis")
        m_cols = ("machine_id", "subject_type", "subject_id", "covers_workday", "workday_probability", "operating_hours_same_mass_p50",
                  "workday_hours", "feasible_probability", "pack_mass_p50", "max_pack_mass", "pack_cost_p50", "limit_basis")
        parts = ['<h2>Vehicles and machines</h2><p class="note">Every vehicle and construction machine built with this technology\'s '
                 "claimed cells (Monte Carlo p5 / p50 / p95). <b>feasible_probability</b> is the share of samples whose pack fits "
                 "the vehicle's mass and volume limits; units in brackets.</p>"]
        for title, rows, cols, table in (("Vehicles", vehicles, v_cols, "sizing.technology_packs"), ("Construction machines", machines, m_cols, "sizing.technology_machine_packs")):
            if rows:
                feasible = sum(1 for r in rows if (r.get("feasible_probability") or 0) >= 0.5)
                parts.append(f"<h3>{title} <span class=\"muted\">({feasible} of {len(rows)} rows feasible in at least half the samples)</span></h3>"
                             + html_table(rows, present(rows, cols), units=self.units(table)) + f'<p class="note">From <a href="{self.table_link(table)}">{table}</a>.</p>')
        return "".join(parts)

    def other_section(self, heading: str | None, table: str, rows: list[dict]) -> str:
        if not rows:
            return ""
        cols = shown_columns(rows, skip=(*PROVENANCE, "technology_id"))
        title = heading or table
        return (f'<h2>{_e(title)}</h2><p class="note">From <a href="{self.table_link(table)}"><code>{_e(table)}</code></a>: '
                f'{_e(self.wh.tables[table]["comment"])}</p>' + html_table(rows, cols, {"document_id": self.doc_link}, units=self.units(table)))

    def sources_section(self, claims: list[dict]) -> str:
        ids = sorted({c["document_id"] for c in claims if c.get("document_id")})
        if not ids:
            return ""
        items = "".join(
            f'<li><a href="../documents/{slug(d)}.html">{_e(self.documents.get(d, {}).get("title") or d)}</a>'
            + (f' · <a href="{_e(web_link(self.documents[d].get("url")))}" rel="external">{_e(self.documents[d]["url"])}</a>'
               if web_link(self.documents.get(d, {}).get("url")) else "")
            + "</li>"
            for d in ids
        )
        return f"<h2>Sources</h2><ul>{items}</ul>"

    def document_pages(self) -> None:
        wh = self.wh
        numbered = {t: wh.grouped(t, "document_id") for t in wh.with_column("document_id") if wh.has(t, "published_text")}
        references = wh.grouped("curated.references", "document_id", order="reference_id")
        listing = []
        for doc_id, doc in self.documents.items():
            parts = [definition_list(doc, links={"url": lambda r: web_link(r["url"])})]
            total = 0
            for t, by_document in numbered.items():
                rows = by_document.get(doc_id, [])
                if not rows:
                    continue
                total += len(rows)
                key = table_key(self.models[t]) if t in self.models else ()
                text_cols = [c for c, info in wh.tables[t]["columns"].items()
                             if c in key or info["type"] in ("VARCHAR", "DATE") or c in ("published_text", "published_unit")]
                cols = shown_columns(rows, skip=(*PROVENANCE, "document_id", "claim_date_basis"))
                cols = [c for c in cols if c in text_cols]
                parts.append(f'<h3><a href="{self.table_link(t)}">{_e(t)}</a> <span class="muted">({len(rows)} rows)</span></h3>'
                             + html_table(rows, cols, {"technology_id": self.tech_link}))
            refs = references.get(doc_id, [])
            if refs:
                parts.append(f"<h2>Its reference list <span class=\"muted\">({len(refs)})</span></h2>"
                             + html_table(refs, shown_columns(refs, skip=(*PROVENANCE, "document_id"))))
            parts.insert(1, f"<h2>Every number taken from it <span class=\"muted\">({total} rows)</span></h2>"
                            "<p class=\"note\">Each row as printed (<b>published_text</b>, <b>published_unit</b>) with where it is printed (<b>section</b>, <b>source_table</b>).</p>")
            title = doc.get("title") or doc_id
            self.write(f"documents/{slug(doc_id)}.html", page(title, "\n".join(parts), 1, self.stamp))
            self.search.append({"k": "document", "n": title, "d": " ".join(_text(doc.get(k)) for k in ("authors", "publisher", "publication_date", "kind", "report_number") if doc.get(k)), "u": f"documents/{slug(doc_id)}.html"})
            listing.append(doc | {"numbers": total})
        cols = present(listing, ("document_id", "title", "authors", "publisher", "publication_date", "kind", "numbers"))
        body = "<p>Every source document, and how many published numbers the warehouse holds from each.</p>" + html_table(
            listing, cols, {"document_id": lambda r: f"documents/{slug(r['document_id'])}.html", "title": lambda r: f"documents/{slug(r['document_id'])}.html"})
        self.write("documents.html", page("Documents", body, 0, self.stamp))

    def release_pages(self) -> None:
        wh = self.wh
        per_release = wh.grouped("meta.release_tables", "release_id", order="table_name")
        changes = self.changes_previews()
        for release in self.releases:
            rid = release["release_id"]
            tables = per_release.get(rid, [])
            changed = [t for t in tables if any((t.get(k) or 0) for k in ("rows_added", "rows_removed", "rows_changed"))]
            parts = [definition_list(release)]
            if tables:
                cols = shown_columns(changed or tables, skip=("release_id",))
                parts.append(f"<h2>Tables that changed <span class=\"muted\">({len(changed)} of {len(tables)})</span></h2>"
                             + (html_table(changed, cols, {"table_name": lambda r: self.table_link(r["table_name"]) if r["table_name"] in wh.tables else None}) if changed else "<p>None.</p>"))
            if rid in changes:
                names, rows_json, shown, total = changes[rid]
                widget = self.preview(f"changes.{rid}", names, rows_json, shown, total, f"changes-{slug(rid)}.csv")
                parts.append(f"<h2>Row-level changes <span class=\"muted\">({total:,})</span></h2>{widget}")
            else:
                parts.append("<h2>Row-level changes</h2><p>None kept for this release: it is the first release, changed no row, or its "
                             "changes were pruned with its release file (meta.releases keeps every release).</p>")
            self.write(f"releases/{slug(rid)}.html", page(f"What changed in {rid}", "\n".join(parts), 1, self.stamp))
        cols = present(self.releases, ("release_id", "published_at", "previous_release_id", "trigger", "git_commit", "tables", "rows", "changed_rows"))
        body = "<p>Every release of the warehouse, newest first. A release is made by a build that changes at least one row.</p>" + (
            html_table(self.releases, cols, {"release_id": lambda r: f"releases/{slug(r['release_id'])}.html"}) if self.releases else "<p>No release yet.</p>")
        self.write("releases.html", page("What changed", body, 0, self.stamp))

    def home(self, charts: list[tuple[str, str]], families: dict) -> None:
        wh = self.wh
        counts = [(plural(len(self.technologies), "technology", "technologies"), "technologies.html"),
                  (plural(len(self.documents), "document"), "documents.html"),
                  (plural(len(wh.tables), "table"), "tables.html"), (plural(len(self.releases), "release"), "releases.html")]
        if wh.has("curated.cell_claims"):
            counts.insert(1, (plural(wh.tables["curated.cell_claims"].get("rows", 0), "claim"), "tables/curated.cell_claims.html"))
        fam = "".join(
            f'<li><a href="families/{slug(f)}.html">{_e(t[0].get("family_name") or f)}</a> <span class="muted">{len(t)}</span></li>'
            for f, t in sorted(families.items())
        )
        figures = "".join(
            f'<figure><a href="charts/{_e(name)}"><img src="charts/{_e(name)}" alt="{_e(caption)}" loading="lazy"></a><figcaption>{_e(caption)}</figcaption></figure>'
            for name, caption in charts
        )
        body = (
            '<p class="lead">What is known about advanced battery technologies for buses, trucks and construction machines: '
            "every claim with the document, date and evidence behind it, what the cell model computes, and which vehicles "
            "each technology's cells would make feasible.</p>"
            '<form class="search" role="search" onsubmit="return false"><input id="search" type="search" autocomplete="off" '
            'placeholder="Search technologies, products, organisations, documents, tables, columns… (e.g. sodium)" aria-label="Search">'
            '</form><div id="results" aria-live="polite"></div>'
            '<p class="counts">' + " · ".join(f'<a href="{h}">{_e(t)}</a>' for t, h in counts) + "</p>"
            f'<h2>Technology families</h2><ul class="inline">{fam}</ul>'
            + (f'<h2>Charts</h2><div class="charts">{figures}</div>' if figures else "")
        )
        self.write("index.html", page("Battery technologies catalogue", body, 0, self.stamp, ("data/search.js",)))


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link (instant, no space) where the file system allows, a copy elsewhere."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def build_site(published_db: Path, target: Path, exports_dir: Path, charts_drawn: Callable[[], object] | None = None) -> dict:
    """Write the catalogue of `published_db` to `target` (replaced whole once complete). The charts
    are linked from exports_dir/charts/ last, after `charts_drawn()` returns (when given): the
    pages are written while the charts are drawn."""
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with connect(published_db, read_only=True) as con:
        summary = Site(Warehouse(con), staging, exports_dir).build(charts_drawn)
    replace_folder(staging, target, background=True)
    return summary

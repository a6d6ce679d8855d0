"""meta.column_lineage, meta.source_versions and meta.build_code: where every computed column comes
from, and what the published build was made from, sources and code (written by the publish step and
the run's staging setup)."""
from __future__ import annotations

from pandera.typing import Series

from pipelines.schemas.base import DERIVED, ComputedTable, field

HOW = ["copied", "renamed", "computed"]


class ColumnLineage(ComputedTable):
    table_name: Series[str] = field("Computed table, schema.table", origin=DERIVED)
    column_name: Series[str] = field("Column of table_name", origin=DERIVED)
    how: Series[str] = field(
        "How the column is made from its upstream column(s): copied (same value, same name), renamed (same value, "
        "other name) or computed (by `formula`)",
        origin=DERIVED,
        isin=HOW,
    )
    upstream_table: Series[str] = field(
        "Table of the upstream column, schema.table (table_name itself for a column computed from its own table's "
        "columns); null for a column computed from no table (a run setting)",
        origin=DERIVED,
        nullable=True,
    )
    upstream_column: Series[str] = field("Column of upstream_table the column is made from", origin=DERIVED, nullable=True)
    upstream_rows: Series[str] = field(
        "Which rows of a long upstream table feed the column (metric = 'energy_needed'); null for all rows",
        origin=DERIVED,
        nullable=True,
    )
    formula: Series[str] = field(
        "Equation or rule of a computed column (its description where no other is declared); null for copied and renamed",
        origin=DERIVED,
        nullable=True,
    )

    class Config:
        unique = ["table_name", "column_name", "upstream_table", "upstream_column", "upstream_rows"]
        description = (
            "Column lineage of every computed table: one row per column and upstream column it is made from, with how "
            "(copied, renamed, computed) and the formula. Walk it with a recursive query down to the curated columns."
        )
        metadata = {
            "grain": "one row per computed column and upstream column",
            "provenance": "pipelines/tables/lineage.py (declared next to the table functions), written at publish",
        }


class SourceVersions(ComputedTable):
    dataset: Series[str] = field("Dataset folder of sources/ (curated.<dataset>)", origin=DERIVED, unique=True)
    data_version: Series[str] = field(
        "Content hash of the folder its tables in this file were built from: taken when the run that rebuilt them "
        "started (a run that rebuilt other folders only keeps the previous file's hash, 'unknown' when it had none). "
        "The data version of the sources.<dataset> asset, the sources_changed sensor's starting cursor, and what "
        "`battery build` compares sources/ with",
        origin=DERIVED,
    )

    class Config:
        description = (
            "What the published warehouse was built from, per dataset folder of sources/: the sensor compares "
            "sources/ with it on its first evaluation, so a fresh `make ui` after `make build` requests no run."
        )
        metadata = {
            "grain": "one row per dataset folder",
            "provenance": (
                "pipelines/publish/io_manager.py, at the start of the run that published the file; "
                "pipelines/publish/meta_tables.py carry_source_versions for the folders a partial run did not rebuild"
            ),
        }


class BuildCode(ComputedTable):
    code_digest: Series[str] = field(
        "SHA-256 of the code that built every table of this file: each file of the pipelines package, the Python "
        "version and the versions of the libraries the build runs (pipelines/provenance.py code_digest)",
        origin=DERIVED,
        unique=True,
    )
    git_commit: Series[str] = field(
        "The checked-out commit of that code, '+uncommitted changes' when tracked files differed from it", origin=DERIVED
    )

    class Config:
        description = (
            "The code the published warehouse was built by, one row. `battery build` rebuilds every table when the "
            "running code differs from it, and otherwise only the tables downstream of the dataset folders whose "
            "content differs from meta.source_versions (none when nothing changed)."
        )
        metadata = {
            "grain": "one row: the code of the last run that built every table, or 'mixed: ...' when a later run "
            "rebuilt some tables with other code or any with run settings other than the defaults",
            "provenance": (
                "pipelines/publish/atomic.py publish, in a run that built every table; a run that built some "
                "(a changed dataset's closure) keeps the row it started from"
            ),
        }

"""Bounded inputs (issue 24): a dataset.yaml alias bomb or an oversized dataset.yaml is refused
fast with a clear message; hidden entries and symbolic links in sources/ are never opened by
any step that walks the tree (the release's sources hash, the build summary's hash, the
sensor's fingerprints, the tree checks)."""
from __future__ import annotations

import builtins
import io
import os
import time
from pathlib import Path

import pytest

from pipelines.assets.source_files import source_fingerprint
from pipelines.errors import SourceError
from pipelines.ingest.curate import curate
from pipelines.ingest.read_source import MAX_METADATA_BYTES, folder_problems, tree_problems
from pipelines.provenance import sources_digest
from pipelines.publish.releases import sources_hash
from pipelines.schemas.registry import CURATED

# "billion laughs": 9 levels of 9 aliases, 9**9 (387 million) strings once expanded
BOMB = "title: lol\ndescription: lol\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{b}: &{b} [*{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}]\n" for a, b in zip("abcdefgh", "bcdefghi")
)


def test_a_billion_laughs_dataset_yaml_is_refused_at_once(sources_copy):
    """Before: 70 s and 3.3 GB for a 600-byte file (one level more: about 25 GB)."""
    assert len(BOMB) < 1000
    (sources_copy / "references" / "dataset.yaml").write_text(BOMB, encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(SourceError) as info:
        curate("references", sources_copy)
    assert time.monotonic() - started < 5
    message = str(info.value)
    assert "sources/references/dataset.yaml" in message and "YAML alias" in message and "line 4" in message


def test_an_oversized_dataset_yaml_is_refused_before_it_is_read(sources_copy, monkeypatch):
    meta = sources_copy / "references" / "dataset.yaml"
    with meta.open("ab") as handle:
        handle.truncate(MAX_METADATA_BYTES * 1000)  # sparse: 64 MB of nothing
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail(f"{self} was read"))
    with pytest.raises(SourceError) as info:
        curate("references", sources_copy)
    assert "larger than 64 KB" in str(info.value) and "sources/references/dataset.yaml" in str(info.value)


@pytest.fixture
def hidden_links(sources_copy, tmp_path) -> tuple[Path, list[Path]]:
    """A large file outside sources/, reached through hidden symbolic links, a hidden folder and a
    dangling hidden link inside sources/."""
    big = tmp_path / "big.bin"
    with big.open("wb") as handle:
        handle.truncate(256 << 20)  # 256 MB, sparse (the was 3 GB; reading either is the fault)
    links = [sources_copy / ".hidden_link", sources_copy / "references" / ".hidden_link"]
    for link in links:
        link.symlink_to(big)
    (sources_copy / ".hidden_folder").mkdir()
    (sources_copy / ".hidden_folder" / "inside.csv").symlink_to(big)
    (sources_copy / ".dangling").symlink_to(tmp_path / "nonexistent")
    return big, links


def test_hidden_entries_and_links_are_never_opened_by_any_step(hidden_links, sources_copy, monkeypatch):
    """Before: the release's sources hash read sources/.hidden_link's 3 GB target (6.6 GB peak)."""
    big, _ = hidden_links
    opened = []
    real_open = io.open

    def recording_open(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)):
            opened.append(Path(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(io, "open", recording_open)
    monkeypatch.setattr(builtins, "open", recording_open)
    started = time.monotonic()
    sources_hash(sources_copy)
    sources_digest(sources_copy)
    for name in CURATED:
        source_fingerprint(sources_copy, name)
        folder_problems(sources_copy / name, sources_copy)
    tree_problems(sources_copy, CURATED)
    assert time.monotonic() - started < 30
    inside = [p for p in opened if p.is_relative_to(sources_copy)]
    hidden = [p for p in inside if any(part.startswith(".") for part in p.relative_to(sources_copy).parts)]
    assert hidden == [] and not any(p.resolve() == big for p in opened)
    assert inside  # the walk did read the sources' own files


def test_hidden_entries_do_not_change_the_sources_hash(hidden_links, sources_copy, tmp_path):
    big, links = hidden_links
    before = sources_hash(sources_copy), sources_digest(sources_copy)
    for link in links:
        link.unlink()
    assert (sources_hash(sources_copy), sources_digest(sources_copy)) == before

"""What a build was made from: when, from which commit of the code, from which sources/ content."""
from __future__ import annotations

import functools
import hashlib
import os
import stat
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from pipelines.settings import PROJECT_ROOT


def tree_entries(root: Path) -> list[tuple[str, Path, bool]]:
    """(relative path, path, is a link) of every entry of the sources tree a build may hash, in
    path order: regular files, and symbolic links as links. Hidden entries are left aside and
    hidden folders not entered; a link is never followed, its target never opened."""
    entries = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        base = Path(folder)
        for name in files + [d for d in dirs if (base / d).is_symlink()]:
            path = base / name
            if name.startswith("."):
                continue
            link = path.is_symlink()
            if link or stat.S_ISREG(path.lstat().st_mode):
                entries.append((path.relative_to(root).as_posix(), path, link))
    return sorted(entries)


def sources_sha256(root: Path) -> str:
    """SHA-256 of the sources tree: every regular file's relative path and bytes (read in
    blocks), and a link's path and the text of its target (never read), in path order."""
    digest = hashlib.sha256()
    for rel, path, link in tree_entries(root):
        digest.update(rel.encode() + b"\0")
        if link:
            digest.update(b"link\0" + os.readlink(path).encode(errors="surrogateescape"))
        else:
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()


def sources_digest(root: Path) -> str:
    """Short content hash of the sources tree (sources_sha256), as the build summary prints it."""
    return sources_sha256(root)[:16]


# The libraries whose output lands in the tables (validation, compute, Dagster's run) and in the
# files written from the warehouse (Parquet, PNG, HTML).
LIBRARIES = ("dagster", "duckdb", "matplotlib", "numpy", "pandas", "pandera", "pillow", "pyarrow", "pyyaml")


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """SHA-256 of the code that builds the warehouse and writes its files: every file of the
    pipelines package (Python, the site's static files), committed or not, the versions of
    LIBRARIES and of Python. Any edit of the code changes it. Once per process, taken before the
    code location's modules are imported (`battery build`, pipelines/definitions.py), so it is the
    code the process runs or older, never newer: the files written from the warehouse
    (publish/after_publish.py) and meta.build_code record it."""
    import sys
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256(sys.version.encode() + b"\0")
    for rel, path, link in tree_entries(PROJECT_ROOT / "pipelines"):
        if "__pycache__" in rel or link:
            continue
        digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    for library in LIBRARIES:
        try:
            digest.update(f"{library}=={version(library)}\0".encode())
        except PackageNotFoundError:
            digest.update(f"{library} absent\0".encode())
    return digest.hexdigest()


def checkout(repo: Path = PROJECT_ROOT) -> tuple[str | None, bool, str | None]:
    """(the checked-out commit's full hash, whether tracked files differ from it, why neither is
    known): the one reading of the checkout's state, which git_commit and the releases'
    record (publish/releases.py) present each in their own form."""
    try:
        head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
        if head.returncode != 0:
            return None, False, "not a git checkout"
        dirty = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None, False, "git not available"
    return head.stdout.strip(), bool(dirty.stdout.strip()), None


def git_commit(repo: Path = PROJECT_ROOT) -> str:
    """The checked-out commit (12 characters), "+uncommitted changes" when tracked files differ from it."""
    commit, dirty, problem = checkout(repo)
    if commit is None:
        return f"unknown ({problem})"
    return commit[:12] + (" +uncommitted changes" if dirty else "")


def provenance(sources: Path) -> dict[str, str]:
    return {
        "built_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "commit": git_commit(),
        "sources_sha256": sources_digest(sources),
    }

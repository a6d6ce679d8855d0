"""What a build was made from: when, from which commit of the code, from which sources/ content."""
from __future__ import annotations

import hashlib
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from pipelines.settings import PROJECT_ROOT


def sources_digest(root: Path) -> str:
    """Content hash of the sources tree: every file's relative path and bytes, in path order
    (hidden files and folders excluded, as the build ignores them)."""
    digest = hashlib.sha256()
    files = sorted(
        p for p in root.rglob("*") if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def git_commit(repo: Path = PROJECT_ROOT) -> str:
    """The checked-out commit, "+changes" when tracked files differ from it."""
    try:
        head = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True, timeout=10)
        if head.returncode != 0:
            return "unknown (not a git checkout)"
        dirty = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown (git not available)"
    return head.stdout.strip() + (" +uncommitted changes" if dirty.stdout.strip() else "")


def provenance(sources: Path) -> dict[str, str]:
    return {
        "built_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "commit": git_commit(),
        "sources_sha256": sources_digest(sources),
    }

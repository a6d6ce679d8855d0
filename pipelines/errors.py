"""The errors every layer raises: a source problem names file, line, column and rule.

The lowest layer of pipelines/ (imports nothing from it), so schemas/, ingest/, compute/,
tables/ and assets/ all raise the same error without importing upward.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SourceProblem:
    file: str
    line: int | None
    column: str | None
    rule: str
    detail: str = ""

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: {self.rule}" + (f" ({self.detail})" if self.detail else "")


@dataclass
class SourceError(Exception):
    """A source dataset that cannot be published. Carries every problem found."""

    dataset: str
    problems: list[SourceProblem] = field(default_factory=list)

    def __str__(self) -> str:
        shown = self.problems[:25]
        more = len(self.problems) - len(shown)
        lines = [f"dataset '{self.dataset}' failed validation ({len(self.problems)} problem(s)):"]
        lines += [f"  - {p}" for p in shown]
        if more:
            lines.append(f"  ... and {more} more")
        return "\n".join(lines)

"""What an import run did: counts by outcome, the first rejections in full, counts by reason."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from app.i18n import _l, to_text
from app.registry.rows import Problem, reason_for

MAX_REJECTIONS_KEPT = 1000

UNKNOWN_COLUMNS = _l("We ignored the columns that are not part of the feed.")


@dataclass
class ImportReport:
    """What one import run did: counts, the kept rejections and the reasons."""

    file: str
    kind: str = ""
    format: str = ""
    encoding: str = ""
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejections: list[dict] = field(default_factory=list)
    rejected_by_reason: Counter = field(default_factory=Counter)
    warnings: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    def reject(self, line: int, problems: list[Problem]) -> None:
        """Count a rejected row and keep its problems (up to MAX_REJECTIONS_KEPT)."""
        self.rejected += 1
        for problem in problems:
            self.rejected_by_reason[problem.code] += 1
            if len(self.rejections) < MAX_REJECTIONS_KEPT:
                self.rejections.append(
                    {
                        "line": line,
                        "column": problem.column,
                        "code": problem.code,
                        "reason": _render(reason_for(problem.code), problem.variables),
                    }
                )

    def count(self, outcome: str) -> None:
        """Count one row as added, updated or unchanged."""
        setattr(self, outcome, getattr(self, outcome) + 1)

    def warn_unknown_columns(self, columns) -> None:
        """Note that the file's columns not in the feed were ignored."""
        self.warnings.append(
            {
                "code": "registry.unknown_columns",
                "columns": list(columns),
                "message": to_text(UNKNOWN_COLUMNS),
            }
        )

    @property
    def rejections_truncated(self) -> bool:
        """True when more problems were found than kept."""
        return sum(self.rejected_by_reason.values()) > len(self.rejections)

    def to_dict(self) -> dict:
        """The report as JSON-ready data."""
        return {
            "file": self.file,
            "kind": self.kind,
            "format": self.format,
            "encoding": self.encoding,
            "rows": self.rows,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "rejected_by_reason": dict(sorted(self.rejected_by_reason.items())),
            "rejections": self.rejections,
            "rejections_truncated": self.rejections_truncated,
            "warnings": self.warnings,
            "seconds": round(self.seconds, 3),
        }

    def audit_details(self) -> dict:
        """The counts the audit row of the run keeps."""
        return {
            "file": self.file,
            "kind": self.kind,
            "encoding": self.encoding,
            "rows": self.rows,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }


def _render(message, variables: dict | None) -> str:
    """A lazy message as text in the active locale, placeholders filled (never raising)."""
    text = to_text(message)
    if not variables:
        return text
    try:
        return text % variables
    except (KeyError, ValueError, TypeError):
        return text

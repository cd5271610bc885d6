"""Rows queued into batches, each written in one transaction; a refused batch is retried row by row."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import date

from sqlalchemy.exc import DataError, IntegrityError

from app.extensions import db
from app.registry.importer.report import ImportReport
from app.registry.importer.seen_keys import SeenKeys
from app.registry.importer.writing import tune_connection
from app.registry.rows import Problem


class BatchImporter(ABC):
    """Batching, transactions and the one-row-at-a-time retry shared by both kinds of feed."""

    default_batch = 1000

    def __init__(self, report: ImportReport, today: date, batch_size: int | None, progress):
        """An importer that counts into `report` and calls `progress(rows_read)` after each batch."""
        self.report = report
        self.today = today
        self.batch_size = batch_size or self.default_batch
        self.progress = progress
        self.batch: list = []
        self.seen = SeenKeys()

    @abstractmethod
    def check(self, line: int, values: dict):
        """A typed row or a list of problems, from the row alone (this may run in a worker process)."""

    def admit(self, row):
        """The row once more in file order: None to queue it, or the problems that reject it (repeats)."""
        return None

    @abstractmethod
    def apply(self, conn, rows: list) -> list:
        """Write a batch in `conn`'s transaction; one outcome per row (str or list of problems)."""

    def forget(self) -> None:  # noqa: B027 - an optional hook: importers with caches override it
        """Drop caches that may hold ids from a rolled-back transaction."""

    def add(self, line: int, values: dict) -> None:
        """Validate one row and queue it; write when the batch is full."""
        self.add_checked(line, self.check(line, values))

    def add_checked(self, line: int, result) -> None:
        """Queue a row `check` has seen (in file order); write when the batch is full."""
        if not isinstance(result, list):
            problems = self.admit(result)
            if problems is not None:
                result = problems
        if isinstance(result, list):
            self.report.reject(line, result)
            return
        self.batch.append(result)
        if len(self.batch) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Write the queued rows: the whole batch at once, or row by row if the batch fails."""
        rows, self.batch = self.batch, []
        if not rows:
            return
        try:
            with db.engine.begin() as conn:
                tune_connection(conn)
                outcomes = self.apply(conn, rows)
        except (IntegrityError, DataError):
            self.forget()
            outcomes = [self._apply_alone(row) for row in rows]
        for row, outcome in zip(rows, outcomes, strict=True):
            if isinstance(outcome, str):
                self.report.count(outcome)
            else:
                self.report.reject(row.line, outcome)
        if self.progress is not None:
            self.progress(self.report.rows)

    def _apply_alone(self, row):
        """One row in its own transaction; a database refusal rejects only this row."""
        try:
            with db.engine.begin() as conn:
                return self.apply(conn, [row])[0]
        except (IntegrityError, DataError):
            self.forget()
            return [Problem(None, "row.database")]

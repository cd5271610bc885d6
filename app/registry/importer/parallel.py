"""Rows checked in worker processes, their results taken back in file order by the one writer.

Validation, normalisation and the keyed hashes depend on the row alone, and are most of a people
row's cost; the writer (this process) keeps what depends on order: repeats in the file, the
employers' names, batching and the transactions. Workers are forked from this process (the app,
its configuration and the PII keys are already loaded) and run in an app context of their own.
At most `workers * AHEAD` chunks are in flight, so memory stays flat on any file.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Generator, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import date
from itertools import islice

from flask import current_app

from app import clock
from app.registry.feed import RawRow
from app.registry.importer.people import check_person
from app.registry.rows import ContributionValidator

#: Rows sent to a worker at once.
CHUNK = 1000
#: Chunks in flight per worker.
AHEAD = 3
#: Files smaller than this are checked in this process (starting workers costs more).
MIN_BYTES = 4 * 1024 * 1024

_state: dict = {}


def default_workers(kind: str, file_bytes: int) -> int:
    """Worker processes for a feed: people files of MIN_BYTES or more, two CPUs left to the writer and the database.

    Contributions are cheap to check (their SSNs and codes are cached), so workers would only add
    the cost of sending rows back and forth. On two CPUs a worker competes with the writer and the
    database server, and measured no faster: it takes three or more.
    """
    if kind != "people" or file_bytes < MIN_BYTES or "fork" not in multiprocessing.get_all_start_methods():
        return 0
    return max(0, min(4, (os.cpu_count() or 1) - 2))


def _start(app, kind: str, today: date) -> None:
    """In a new worker: an app context of its own and the checker for the feed's kind."""
    app.app_context().push()
    _state["kind"] = kind
    _state["today"] = today
    _state["insurance_cache"] = {}
    _state["born_by"] = clock.today()
    _state["validator"] = ContributionValidator(today)


def _check_chunk(items: list[tuple[int, dict | None]]) -> list:
    """Check a chunk of (line, values) in a worker: typed rows or problem lists (None for unreadable)."""
    results: list = []
    if _state["kind"] == "people":
        today, cache, born_by = _state["today"], _state["insurance_cache"], _state["born_by"]
        for line, values in items:
            results.append(None if values is None else check_person(line, values, today, cache, born_by))
    else:
        validator = _state["validator"]
        for line, values in items:
            results.append(None if values is None else validator.validate(line, values))
    return results


def checked_rows(
    rows: Iterable[RawRow], kind: str, today: date, workers: int
) -> Generator[tuple[RawRow, object], None, None]:
    """Each raw row with its check result (None when unreadable), in file order."""
    context = multiprocessing.get_context("fork")
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # noqa: SLF001 - the app, for the forked workers
    source = iter(rows)
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start, initargs=(app, kind, today)
    ) as pool:
        pending: deque[tuple[list[RawRow], Future]] = deque()

        def submit() -> bool:
            chunk = list(islice(source, CHUNK))
            if not chunk:
                return False
            pending.append((chunk, pool.submit(_check_chunk, [(raw.line, raw.values) for raw in chunk])))
            return True

        more = True
        while more and len(pending) < workers * AHEAD:
            more = submit()
        while pending:
            chunk, future = pending.popleft()
            if more:
                more = submit()
            yield from zip(chunk, future.result(), strict=True)

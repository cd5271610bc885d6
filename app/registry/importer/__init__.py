"""The registry import: stream a feed file, validate each row, upsert in batches, report.

How it stays fast and safe on a million rows:
- rows are read one at a time and written in batches (one transaction per batch) with bulk Core
  statements; existing records are found per batch by their keyed hashes, never row by row;
- a batch the database refuses is retried one row at a time, so one bad row costs only itself;
- duplicates inside the file are caught with a compact table of 64-bit keys, not a set of strings;
- only the first rejections are kept in full (counts by reason are always complete);
- on a large file, worker processes check the rows (validation, hashes) while this process
  writes; what depends on order (repeats, batches) stays in the writer.

Importing the same file again changes nothing: every row is compared with what is stored and
counted as added, updated, unchanged or rejected.

The parts: `batches` (queueing and transactions), `people` and `contributions` (one feed each),
`people_lookup` (finding what a batch's people have stored), `people_values` and `people_diff`
(what a row asks for, what it changes), `writing` and `bulk` (bulk statements), `parallel`
(checking in worker processes), `report` (what a run did).
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from sqlalchemy.exc import OperationalError

from app import clock, view_cache
from app.audit import log as audit
from app.errors import AppError
from app.extensions import db, get_redis
from app.i18n import _l
from app.registry.feed import open_feed
from app.registry.importer import parallel
from app.registry.importer.contributions import ContributionImporter
from app.registry.importer.people import PeopleImporter
from app.registry.importer.report import ImportReport
from app.registry.rows import Problem

__all__ = ["ImportAborted", "import_file"]


class ImportAborted(AppError):
    """The database became unavailable mid-import; the batches written so far stay written."""

    code = "registry.database_unavailable"
    status = 503
    message = _l(
        "The database stopped answering during the import. Run the same file again: "
        "the report shows the rows you already imported as unchanged."
    )


def import_file(
    path: str | Path,
    kind: str | None = None,
    *,
    encoding: str = "auto",
    batch_size: int | None = None,
    actor_type: str = "system",
    actor_id: str | None = None,
    today: date | None = None,
    progress=None,
    workers: int | None = None,
) -> ImportReport:
    """Import a people or contributions feed; FeedFileError if the file as a whole is unusable.

    `progress(rows_read)` is called after each batch when given. One audit row records the run.
    `workers` processes check the rows while this one writes (default: `parallel.default_workers`;
    0 checks everything here).
    """
    started = time.perf_counter()
    feed = open_feed(path, kind, encoding)
    report = ImportReport(file=Path(path).name, kind=feed.kind, format=feed.format, encoding=feed.encoding)
    if feed.unknown_columns:
        report.warn_unknown_columns(feed.unknown_columns)
    importer_class = PeopleImporter if feed.kind == "people" else ContributionImporter
    importer = importer_class(report, today or clock.today(), batch_size, progress)
    if workers is None:
        workers = parallel.default_workers(feed.kind, Path(path).stat().st_size)
    if workers > 0:
        rows = parallel.checked_rows(feed.rows, feed.kind, importer.today, workers)
    else:
        rows = ((raw, None) for raw in feed.rows)
    try:
        for raw, checked in rows:
            report.rows += 1
            if raw.values is None:
                assert raw.error is not None  # the feed names the problem of every unreadable row
                report.reject(raw.line, [Problem(None, raw.error, raw.detail)])
            elif workers > 0:
                importer.add_checked(raw.line, checked)
            else:
                importer.add(raw.line, raw.values)
        importer.flush()
    except OperationalError as error:
        raise ImportAborted(
            details={"rows_read": report.rows, "added": report.added, "updated": report.updated}
        ) from error
    finally:
        rows.close()  # stops the workers at once if the import ends early
        feed.close()
    report.seconds = time.perf_counter() - started
    audit.record(
        "registry.import",
        actor_type=actor_type,
        actor_id=actor_id,
        entity="registry",
        details=report.audit_details(),
    )
    db.session.commit()
    if report.added or report.updated:
        # Cached card screens show registry data: after a change they must be rendered again.
        view_cache.forget_everyone(get_redis())
    return report

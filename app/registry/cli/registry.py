"""`flask registry import FILE`: load the registry feed (people or contributions) and report."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click
from flask.cli import AppGroup

from app.errors import AppError
from app.registry.import_pace import clock_text, pace
from app.registry.import_progress import estimate_rows
from app.registry.importer import import_file
from app.registry.importer.report import ImportReport

registry_cli = AppGroup("registry", help="The registry mirror.")

#: Exit status when the file was read but some rows were rejected (1 means the file was refused).
EXIT_ROWS_REJECTED = 3
_SHOWN_REJECTIONS = 50


@registry_cli.command("import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--kind",
    type=click.Choice(["people", "contributions"]),
    default=None,
    help="The kind of file; by default it is told from the columns.",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the full report as JSON to this file ('-' for standard output).",
)
@click.option(
    "--encoding",
    type=click.Choice(["auto", "utf-8", "gbk", "gb18030"]),
    default="auto",
    show_default=True,
    help="The file's encoding; auto reads UTF-8 and detects GBK/GB18030.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(1, 100_000),
    default=None,
    help="Rows per transaction (default 2500 people or 5000 contributions).",
)
@click.option(
    "--workers",
    type=click.IntRange(0, 16),
    default=None,
    help="Processes that check rows while one writes (default: by file size and CPUs; 0: none).",
)
@click.option(
    "--quiet",
    is_flag=True,
    help="No progress on standard error (a live bar on a terminal, plain lines otherwise).",
)
def import_command(
    path: Path,
    kind: str | None,
    json_path: Path | None,
    encoding: str,
    batch_size: int | None,
    workers: int | None,
    quiet: bool,
) -> None:
    """Import a registry feed file (CSV or JSON lines); the same file twice changes nothing."""
    bar = None
    progress = None
    if not quiet:
        total = estimate_rows(path) if path.is_file() else 0
        if _on_terminal():
            bar = _ProgressBar(total)
            progress = bar.update
        else:
            progress = _progress_printer(total)
    try:
        report = import_file(
            path,
            kind,
            encoding=encoding,
            batch_size=batch_size,
            workers=workers,
            actor_type="system",
            actor_id="cli",
            progress=progress,
        )
    except AppError as error:
        if bar is not None:
            bar.close()
        click.echo(f"refused: {error.render_message()} [{error.code}]", err=True)
        sys.exit(1)
    if bar is not None:
        bar.close()
    if json_path is not None:
        text = json.dumps(report.to_dict(), ensure_ascii=False, indent=2)
        if str(json_path) == "-":
            click.echo(text)
        else:
            json_path.write_text(text + "\n", encoding="utf-8")
    if json_path is None or str(json_path) != "-":
        click.echo(format_report(report))
    if report.rejected:
        sys.exit(EXIT_ROWS_REJECTED)


def _on_terminal() -> bool:
    """True when standard error is a terminal (a live bar), False for a log or a pipe (plain lines)."""
    return sys.stderr.isatty()


def _progress_printer(total: int):
    """A callback printing a plain line every 10% of the file (at most every 100,000 rows): rows, rate, time left."""
    every = max(1, min(100_000, total // 10))
    state = {"next": every}
    started = time.perf_counter()

    def progress(rows: int) -> None:
        if rows >= state["next"]:
            now = pace(rows, total, time.perf_counter() - started)
            click.echo(
                f"… {rows:,} of about {total:,} rows, {now.rate:,.0f} rows/s, {clock_text(now.eta_seconds)} left",
                err=True,
            )
            state["next"] = (rows // every + 1) * every

    return progress


class _ProgressBar:
    """A live bar on a terminal: percent, rows, rate and time left, redrawn after each batch."""

    def __init__(self, total: int):
        self.total = total
        self.started = time.perf_counter()
        self.length = max(total, 1)
        self.bar = click.progressbar(
            length=self.length,
            label="importing",
            file=sys.stderr,
            show_eta=False,
            show_pos=False,
            item_show_func=lambda text: text,
        )
        self.bar.__enter__()
        self.done = 0

    def update(self, rows: int) -> None:
        """Move the bar to `rows` read."""
        now = pace(rows, self.total, time.perf_counter() - self.started)
        step = min(rows, self.length) - self.done
        self.done += step
        self.bar.update(
            step,
            f"{rows:,}/{self.total:,} rows  {now.rate:,.0f} rows/s  ETA {clock_text(now.eta_seconds)}",
        )

    def close(self) -> None:
        """Finish the line."""
        self.bar.__exit__(None, None, None)


def format_report(report: ImportReport) -> str:
    """The report as a small table, then the rejected rows (line, column, reason)."""
    lines = [
        f"{report.file}: {report.kind}, {report.format}, {report.encoding}, "
        f"{report.rows:,} rows in {report.seconds:.1f} s",
        "",
        f"  {'added':<10}{report.added:>12,}",
        f"  {'updated':<10}{report.updated:>12,}",
        f"  {'unchanged':<10}{report.unchanged:>12,}",
        f"  {'rejected':<10}{report.rejected:>12,}",
    ]
    for warning in report.warnings:
        lines += ["", f"warning: {warning['message']} {', '.join(warning.get('columns', []))}"]
    if report.rejected_by_reason:
        lines += ["", "rejected by reason:"]
        lines += [f"  {code:<32}{count:>10,}" for code, count in report.rejected_by_reason.most_common()]
    if report.rejections:
        lines += ["", f"  {'line':>8}  {'column':<22}reason"]
        for item in report.rejections[:_SHOWN_REJECTIONS]:
            lines.append(f"  {item['line']:>8}  {item['column'] or '-':<22}{item['reason']}")
        hidden = len(report.rejections) - _SHOWN_REJECTIONS
        if hidden > 0 or report.rejections_truncated:
            lines.append("  … more in the JSON report (--json)")
    return "\n".join(lines)


commands = [registry_cli]

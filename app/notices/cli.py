"""`flask notices publish-due|resume`: scheduled publishing and recovery of notice delivery."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import get_queue, get_redis
from app.notices import delivery

notices_cli = AppGroup("notices", help="Notice delivery.")


@notices_cli.command("publish-due")
def publish_due() -> None:
    """Publish scheduled notices whose time has come (run every minute from cron)."""
    from app.notices import publishing

    published = publishing.due_notices()
    for notice_id in published:
        delivery.queue_fan_out(get_queue(), notice_id)
    click.echo(f"published {len(published)} notice(s)")


@notices_cli.command("resume")
@click.argument("notice_id", type=int)
@click.option(
    "--stale-after",
    type=click.IntRange(min=0),
    default=int(delivery.STALE_CLAIM.total_seconds()),
    show_default=True,
    metavar="SECONDS",
    help="Settle only messages claimed at least this long ago (a live worker stamps its claim again "
    "every minute). 0: at once, when no live worker is sending this notice.",
)
def resume(notice_id: int, stale_after: int) -> None:
    """After a worker died: settle its half-sent messages and queue the rest again."""
    settled = delivery.reconcile(notice_id, get_redis(), stale_after=timedelta(seconds=stale_after))
    ranges = delivery.queued_ranges(notice_id, int(current_app.config.get("NOTICE_BATCH_SIZE", 1000)))
    queue = get_queue()
    for first, last in ranges:
        queue.enqueue(delivery.DELIVER_BATCH_JOB, notice_id, first, last, job_timeout=3600)
    click.echo(
        f"recovered {settled['recovered']}, interrupted {settled['interrupted']}, "
        f"requeued {settled['requeued']}; queued {len(ranges)} batch(es)"
    )


commands = [notices_cli]

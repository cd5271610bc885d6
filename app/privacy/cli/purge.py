"""`flask privacy purge`: delete what is kept only for the retention period (run it daily)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from app.privacy import rights as privacy_service


@click.group("privacy")
def privacy():
    """Privacy housekeeping."""


@privacy.command("purge")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help="Retention in days (default: VERIFICATION_ATTEMPT_RETENTION_DAYS).",
)
@with_appcontext
def purge(days: int | None) -> None:
    """Delete verification attempts, used in-person references and the ledger's keys past retention."""
    retention = days or current_app.config["VERIFICATION_ATTEMPT_RETENTION_DAYS"]
    removed = privacy_service.purge_expired(retention_days=retention)
    click.echo(
        f"Deleted {removed['verification_attempts']} verification attempts, "
        f"{removed['in_person_references']} in-person references, "
        f"{removed['subscription_grants']} subscription accepts and "
        f"{removed['subscription_receipts']} delivery receipts (retention {retention} days)."
    )


commands = [privacy]

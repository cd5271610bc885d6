"""`flask pii status | rotate-key | retire-key`: PII_KEY rotation while the service runs (docs/deploy.md, §4)."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from app import pii as pii_codec
from app.privacy import key_rotation as pii_rotation


@click.group("pii")
def pii():
    """The PII key: what each key encrypted, rotation and retirement."""


@pii.command("status")
@with_appcontext
def status() -> None:
    """Print the configured key ids and, per encrypted column, how many values each key wrote."""
    codec = pii_codec.codec()
    click.echo(f"PII_KEY: key {codec.key_id}")
    click.echo(f"PII_KEY_PREVIOUS: {'key ' + codec.previous.key_id if codec.previous else 'not set'}")
    for name, tags in pii_rotation.key_counts().items():
        counts = ", ".join(f"{tag}: {count}" for tag, count in sorted(tags.items())) or "no values"
        click.echo(f"  {name}: {counts}")
    for rotation in pii_rotation.rotations():
        click.echo(
            f"Rotation {rotation['from_key_id']} -> {rotation['to_key_id']}: started "
            f"{_when(rotation['started_at'])}, {rotation['values_reencrypted']} values re-encrypted, "
            f"finished {_when(rotation['finished_at'])}, retired {_when(rotation['retired_at'])}"
        )


def _when(moment) -> str:
    """A recorded moment in UTC, or `not yet`."""
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment is not None else "not yet"


@pii.command("rotate-key")
@click.option(
    "--batch-size",
    type=click.IntRange(min=1, max=10_000),
    default=pii_rotation.DEFAULT_BATCH,
    show_default=True,
    help="Rows re-encrypted per transaction.",
)
@click.option(
    "--pause",
    type=click.FloatRange(min=0, max=60),
    default=0.0,
    show_default=True,
    help="Seconds to wait after each batch, to leave a busy database room for the service.",
)
@with_appcontext
def rotate_key(batch_size: int, pause: float) -> None:
    """Re-encrypt every identifier under PII_KEY and re-key its look-up hash; safe to stop and run again."""

    def progress(done: pii_rotation.BatchDone) -> None:
        click.echo(
            f"{done.table}: {done.values} values and {done.hashes} look-up hashes re-keyed "
            f"({done.total} values in this run)"
        )
        if pause:
            time.sleep(pause)

    try:
        report = pii_rotation.rotate(batch_size, on_batch=progress)
    except pii_rotation.RotationError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Re-encrypted {report.values} values and re-keyed {report.hashes} look-up hashes and "
        f"{report.subjects} attempt records in this run ({report.total} values since the rotation began); "
        f"{report.changed_meanwhile} rows changed by the service meanwhile were read again."
    )
    if report.remaining:
        left = "; ".join(f"{name}: {count}" for name, count in report.remaining.items())
        raise click.ClickException(
            f"values still not under key {pii_codec.codec().key_id}: {left}. A process "
            "still running with the old PII_KEY writes them: restart it, then run this again"
        )
    click.echo(f"Every value is under key {pii_codec.codec().key_id}. Next: flask --app wsgi pii retire-key")


@pii.command("retire-key")
@with_appcontext
def retire_key() -> None:
    """Record PII_KEY_PREVIOUS as retired; refuses while any value or open reference still needs it."""
    try:
        retirement = pii_rotation.retire()
    except pii_rotation.RotationError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Key {retirement.key_id} retired at {retirement.retired_at:%Y-%m-%d %H:%M} UTC. Remove "
        "PII_KEY_PREVIOUS from the environment and restart every web and worker process."
    )


commands = [pii]

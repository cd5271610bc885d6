"""`flask service-point create|revoke|list`: manage the keys of counters that check identity QR codes."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.accounts import service_points
from app.errors import AppError


@click.group("service-point")
def service_point():
    """Service points that verify identity QR codes (API keys)."""


@service_point.command("create")
@click.argument("name")
@with_appcontext
def create(name: str) -> None:
    """Create a service point and print its API key once (only a hash is kept)."""
    try:
        point, key = service_points.create_service_point(name)
    except AppError as error:
        raise click.ClickException(f"{error.code}: {error.render_message()}") from error
    click.echo(f"Service point {point.name!r} created (id {point.id}).")
    click.echo("API key (shown only now; send it as the X-Service-Point-Key header):")
    click.echo(key)


@service_point.command("revoke")
@click.argument("name")
@with_appcontext
def revoke(name: str) -> None:
    """Revoke a service point's key at once."""
    try:
        point = service_points.revoke_service_point(name)
    except AppError as error:
        raise click.ClickException(f"{error.code}: {error.render_message()}") from error
    click.echo(f"Service point {point.name!r} revoked at {point.revoked_at:%Y-%m-%d %H:%M:%S} UTC.")


@service_point.command("list")
@with_appcontext
def list_points() -> None:
    """List service points: id, name, key prefix, state."""
    for point in service_points.list_service_points():
        state = f"revoked {point.revoked_at:%Y-%m-%d}" if point.revoked_at else "active"
        click.echo(f"{point.id}\t{point.name}\t{point.key_prefix}…\t{state}")


commands = [service_point]

"""`flask admin create|set-password|set-role|sign-out|demo` for console accounts, and `flask notices
publish-due|resume` for delivery. A new password or role, and sign-out, end every console session
and admin API token of the account."""

from __future__ import annotations

import secrets
import sys
from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from app.errors import AppError
from app.extensions import db, get_queue, get_redis
from app.models.admin import ADMIN_ROLES, AdminUser
from app.services import admin_auth, delivery

admin_cli = AppGroup("admin", help="Console accounts.")
notices_cli = AppGroup("notices", help="Notice delivery.")

DEMO_USERNAME = "demo-admin"


def _read_password() -> str:
    """The password from standard input when piped, else from a hidden prompt typed twice."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@admin_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ADMIN_ROLES), required=True, help="What the account may do.")
@click.option("--name", "display_name", default=None, help="A display name.")
def create(username: str, role: str, display_name: str | None) -> None:
    """Create a console account; the password comes from a prompt or standard input."""
    password = _read_password()
    try:
        admin = admin_auth.create_admin(username, password, role, display_name=display_name)
    except AppError as error:
        fields = error.details.get("fields", {})
        problems = ", ".join(f"{k}: {v}" for k, v in fields.items()) or error.code
        raise click.ClickException(
            f"could not create the account ({problems}); passwords need "
            f"{admin_auth.MIN_PASSWORD_LENGTH}+ characters"
        ) from None
    click.echo(f"created {admin.username} ({admin.role})")


def _admin_named(username: str) -> AdminUser:
    admin = db.session.query(AdminUser).filter_by(username=username.strip().lower()).one_or_none()
    if admin is None:
        raise click.ClickException(f"no console account is called {username}")
    return admin


@admin_cli.command("set-password")
@click.argument("username")
def set_password(username: str) -> None:
    """Give an account a new password (from a prompt or standard input); its sessions end."""
    admin = _admin_named(username)
    try:
        ended = admin_auth.set_password(admin.id, _read_password())
    except AppError:
        raise click.ClickException(
            f"the password needs {admin_auth.MIN_PASSWORD_LENGTH}+ characters") from None
    click.echo(f"new password for {admin.username}; {ended} session(s) ended")


@admin_cli.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(ADMIN_ROLES))
def set_role(username: str, role: str) -> None:
    """Give an account another role; its sessions end (it signs in again with the new role)."""
    admin = _admin_named(username)
    ended = admin_auth.set_role(admin.id, role)
    click.echo(f"{admin.username} is now {role}; {ended} session(s) ended")


@admin_cli.command("sign-out")
@click.argument("username")
def sign_out(username: str) -> None:
    """End every console session and admin API token of an account (a lost laptop, a leaked token)."""
    admin = _admin_named(username)
    click.echo(f"{admin_auth.sign_out_everywhere(admin.id)} session(s) of {admin.username} ended")


@admin_cli.command("demo")
def demo() -> None:
    """Embedded defaults only: (re)set the demo superadmin with a fresh password and print it."""
    if not current_app.config.get("DEMO_DATA"):
        raise click.ClickException("the demo admin exists only on the embedded defaults (APP_ENV=development)")
    password = secrets.token_urlsafe(12)
    admin = db.session.query(AdminUser).filter_by(username=DEMO_USERNAME).one_or_none()
    if admin is None:
        admin = admin_auth.create_admin(DEMO_USERNAME, password, "superadmin", display_name="Demo admin")
    else:
        admin.active = True
        admin_auth.set_password(admin.id, password)
    click.echo(f"  Demo admin         username {admin.username}   password {password}")


@notices_cli.command("publish-due")
def publish_due() -> None:
    """Publish scheduled notices whose time has come (run every minute from cron)."""
    from app.services import notices

    published = notices.due_notices()
    for notice_id in published:
        delivery.queue_fan_out(get_queue(), notice_id)
    click.echo(f"published {len(published)} notice(s)")


@notices_cli.command("resume")
@click.argument("notice_id", type=int)
@click.option("--stale-after", type=click.IntRange(min=0), default=int(delivery.STALE_CLAIM.total_seconds()),
              show_default=True, metavar="SECONDS",
              help="Settle only messages claimed at least this long ago (a live worker settles its claims "
                   "within seconds). 0: at once, when no live worker is sending this notice.")
def resume(notice_id: int, stale_after: int) -> None:
    """After a worker died: settle its half-sent messages and queue the rest again."""
    settled = delivery.reconcile(notice_id, get_redis(), stale_after=timedelta(seconds=stale_after))
    ranges = delivery.queued_ranges(notice_id, int(current_app.config.get("NOTICE_BATCH_SIZE", 1000)))
    queue = get_queue()
    for first, last in ranges:
        queue.enqueue(delivery.DELIVER_BATCH_JOB, notice_id, first, last, job_timeout=3600)
    click.echo(f"recovered {settled['recovered']}, interrupted {settled['interrupted']}, "
               f"requeued {settled['requeued']}; queued {len(ranges)} batch(es)")


commands = [admin_cli, notices_cli]

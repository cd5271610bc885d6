"""`flask admin create|set-password|set-role|sign-out|demo` for console accounts, and `flask notices
publish-due|resume` for delivery. A new password or role, and sign-out, end every console session
and admin API token of the account."""

from __future__ import annotations

import secrets
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from app.accounts import admin_auth
from app.accounts.models.admin import ADMIN_ROLES, AdminUser
from app.errors import AppError
from app.extensions import db

admin_cli = AppGroup("admin", help="Console accounts.")

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
            f"the password needs {admin_auth.MIN_PASSWORD_LENGTH}+ characters"
        ) from None
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
        raise click.ClickException(
            "the demo admin exists only on the embedded defaults (APP_ENV=development)"
        )
    password = secrets.token_urlsafe(12)
    admin = db.session.query(AdminUser).filter_by(username=DEMO_USERNAME).one_or_none()
    if admin is None:
        admin = admin_auth.create_admin(DEMO_USERNAME, password, "superadmin", display_name="Demo admin")
    else:
        admin.active = True
        admin_auth.set_password(admin.id, password)
    click.echo(f"  Demo admin         username {admin.username}   password {password}")


commands = [admin_cli]

"""`flask config check`: the settings the environment gives (secrets masked) and whether production starts.

It must answer most when the configuration is wrong, and then the app itself cannot be built:
under the `flask` command a refused configuration gives `refused_app`, an app with this command
only, on which every other command fails with the refusal line (gunicorn still gets the ConfigError).
"""

from __future__ import annotations

import click
from flask.cli import AppGroup, FlaskGroup

from app import config_check
from app.config import ConfigError
from app.web.flask_app import FlaskCachingSyncChecks


@click.group("config")
def config() -> None:
    """The service's configuration."""


@config.command("check")
def check() -> None:
    """Every setting (secrets masked), push mode, database, Redis, what is wrong; exit 1 unless production starts."""
    review = config_check.review()
    for line in review.lines():
        click.echo(line)
    if not review.ready:
        raise SystemExit(1)


def loaded_by_flask_command() -> bool:
    """Whether the app is being built by the `flask` command line (not gunicorn, not a test)."""
    context = click.get_current_context(silent=True)
    return context is not None and isinstance(context.find_root().command, FlaskGroup)


class RefusedCommands(AppGroup):
    """The commands of an app whose configuration production refuses: `config` only, the rest refused."""

    def __init__(self, refusal: ConfigError):
        super().__init__()
        self.refusal = refusal
        self.add_command(config)

    def get_command(self, ctx, name):
        """`config`, or a command that fails with the refusal line whatever its arguments."""
        found = super().get_command(ctx, name)
        if found is not None:
            return found
        refusal = self.refusal

        @click.command(
            name,
            add_help_option=False,
            context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
        )
        def refused() -> None:
            raise click.ClickException(f"{refusal}; `flask --app wsgi config check` lists every setting")

        return refused


def refused_app(refusal: ConfigError) -> FlaskCachingSyncChecks:
    """An app that only runs `flask config check`: every other command, and every request, fails with the refusal."""
    app = FlaskCachingSyncChecks(__name__)
    app.cli = RefusedCommands(refusal)

    def refuse(environ, start_response):
        raise refusal

    app.wsgi_app = refuse  # type: ignore[method-assign]  # Flask's documented way to replace the WSGI app
    return app


commands = [config]

"""`flask i18n extract|update|compile|stats|check|pseudo`: the translators' workflow (logic in app.i18n.catalogs)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.i18n import catalogs


def _translations_dir() -> Path:
    """The app's translations folder."""
    return Path(current_app.config["TRANSLATIONS_DIR"])


@click.group("i18n")
def i18n() -> None:
    """Extract, update, compile and check the translation catalogs."""


@i18n.command("extract")
@with_appcontext
def extract_command() -> None:
    """Write translations/messages.pot from the strings marked in the code."""
    template = catalogs.extract_catalog()
    path = catalogs.write_template(template, _translations_dir())
    click.echo(f"{len(template)} strings -> {path}")


@i18n.command("update")
@with_appcontext
def update_command() -> None:
    """Extract, then merge the template into every catalog (keeps translations, marks changes fuzzy)."""
    template = catalogs.extract_catalog()
    catalogs.write_template(template, _translations_dir())
    for path in catalogs.update_catalogs(template, _translations_dir()):
        click.echo(f"updated {path}")


@i18n.command("compile")
@with_appcontext
def compile_command() -> None:
    """Compile every catalog to .mo; fuzzy and incomplete entries are left out, broken catalogs refused."""
    written, refused = catalogs.compile_catalogs(_translations_dir())
    click.echo(f"compiled {len(written)} catalogs")
    for message in refused:
        click.echo(message, err=True)
    if refused:
        raise SystemExit(1)


@i18n.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@with_appcontext
def stats_command(as_json: bool) -> None:
    """Per locale: total, translated, fuzzy, untranslated, partial plurals, errors."""
    stats = catalogs.all_stats(_translations_dir())
    if as_json:
        click.echo(json.dumps([item.as_dict() for item in stats], ensure_ascii=False, indent=2))
        return
    header = f"{'locale':<10} {'total':>6} {'done':>6} {'%':>6} {'fuzzy':>6} {'todo':>6} {'partial':>8} {'errors':>7}"
    click.echo(header)
    for item in stats:
        click.echo(
            f"{item.locale:<10} {item.total:>6} {item.translated:>6} {item.percent:>6.1f} {item.fuzzy:>6} "
            f"{item.untranslated:>6} {item.partial_plurals:>8} {item.errors:>7}"
        )


@i18n.command("check")
@click.option("--no-extract", is_flag=True, help="Skip comparing the template with the code.")
@with_appcontext
def check_command(no_extract: bool) -> None:
    """Fail on anything that must not ship: stale catalogs, placeholder, plural, glossary or length errors,
    and English that breaks the content rules of docs/content-style.md."""
    fresh = None if no_extract else catalogs.extract_catalog()
    problems = catalogs.check_catalogs(_translations_dir(), fresh_template=fresh, source_rules=True)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        click.echo(f"{len(problems)} problems", err=True)
        raise SystemExit(1)
    click.echo("catalogs OK")


@i18n.command("pseudo")
@with_appcontext
def pseudo_command() -> None:
    """Build en@pseudo and ar@pseudo (.po and .mo) from the current template."""
    for path in catalogs.build_pseudo(_translations_dir()):
        click.echo(f"built {path.parent}")


commands = [i18n]

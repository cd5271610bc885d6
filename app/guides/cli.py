"""`flask content check`: the reviewed facts (content/facts.toml) are sound and match the code."""

from __future__ import annotations

import sys
import tomllib

import click
from flask.cli import AppGroup

from app import facts as content
from app.card import terms as card_terms
from app.guides.journey import GUIDES
from app.registry import identifiers

content_cli = AppGroup("content", help="Reviewed facts: content/facts.toml (docs/content.md).")


def referenced_claims() -> set[str]:
    """Every claim id the guides, the card terms and the identifier formats state."""
    ids = {claim for guide in GUIDES.values() for claim in guide.claims}
    return ids | set(card_terms.CLAIMS.values()) | set(identifiers.CLAIMS.values())


def code_problems(raw: dict) -> list[str]:
    """Claims the code names that the file lacks, and claims in the file that nothing states."""
    in_file = set(raw.get("claims", {}))
    used = referenced_claims()
    found = [
        f"the code states claim {claim!r}, which content/facts.toml lacks" for claim in sorted(used - in_file)
    ]
    found += [
        f"claims.{claim}: no guide or card term states it (remove it or name it in the code)"
        for claim in sorted(in_file - used)
    ]
    return found


@content_cli.command("check")
def check_command() -> None:
    """Exit 1 with one line per problem: a claim without a source, a lone Q&A source, one URL under two titles…"""
    with content.FACTS_FILE.open("rb") as handle:
        raw = tomllib.load(handle)
    found = content.problems(raw) + code_problems(raw)
    for line in found:
        click.echo(line)
    if found:
        sys.exit(1)
    click.echo(
        f"content: {len(raw.get('claims', {}))} claims, {len(raw.get('agreements', {}))} agreements, "
        f"{len(raw.get('sources', {}))} sources: ok"
    )


commands = [content_cli]

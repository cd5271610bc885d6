"""`flask seed-demo`: fill the registry with synthetic demo data and print identities to try."""

from __future__ import annotations

import json

import click

from app.registry.demo_seed import DEFAULT_PEOPLE, SeedResult, seed_demo


@click.command("seed-demo")
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed gives the same people.")
@click.option(
    "--people",
    type=click.IntRange(1, 100_000),
    default=DEFAULT_PEOPLE,
    show_default=True,
    help="How many people to create.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result and the samples as JSON.")
@click.option("--if-empty", is_flag=True, help="Do nothing if the registry already has people.")
def seed_demo_command(seed: int, people: int, as_json: bool, if_empty: bool) -> None:
    """Seed a synthetic registry (people, permits, cards, 24 months of contributions)."""
    result = seed_demo(seed, people=people, if_empty=if_empty)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(format_result(result))


def format_result(result: SeedResult) -> str:
    """The counts, then one block per sample identity."""
    state = "seeded" if result.seeded else "already had data; left as it was"
    lines = [
        f"demo registry {state}: {result.people:,} people, {result.employers:,} employers, "
        f"{result.contributions:,} contribution records",
        "",
        "sample identities (synthetic) to try the journeys with:",
    ]
    for sample in result.samples:
        lines += [
            "",
            f"  {sample.passport_name}   [{sample.nationality}]  {sample.note}".rstrip(),
            f"    date of birth    {sample.date_of_birth}",
            f"    permit number    {sample.permit_number} (category {sample.permit_category})",
            f"    SSN              {sample.ssn}",
            f"    phone            {sample.phone or '-'}",
            f"    card status      {sample.card_status}",
        ]
    return "\n".join(lines)


commands = [seed_demo_command]

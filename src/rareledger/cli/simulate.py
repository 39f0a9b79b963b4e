"""``rareledger simulate``: write a simulated national year as loadable JSON Lines."""

from __future__ import annotations

from pathlib import Path

import click

from rareledger.simulation import DIFFICULTIES, VIOLATION_TYPES
from rareledger.simulation import simulate as run_simulation
from rareledger.simulation.calibration import format_report


def _parse_rates(given: tuple[str, ...]) -> dict[str, float]:
    rates: dict[str, float] = {}
    for text in given:
        kind, sep, value = text.partition("=")
        if not sep or kind not in VIOLATION_TYPES:
            raise click.BadParameter(
                f"{text!r}: expected TYPE=RATE with TYPE one of {', '.join(VIOLATION_TYPES)}",
                param_hint="--rate",
            )
        try:
            rates[kind] = float(value)
        except ValueError:
            raise click.BadParameter(
                f"{text!r}: the rate is not a number", param_hint="--rate"
            ) from None
    return rates


@click.command()
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory: records go to OUT/records/*.jsonl, the ground truth to "
    "OUT/ground_truth.jsonl.",
)
@click.option("--seed", default=2025, show_default=True, type=int)
@click.option(
    "--scale",
    default=0.005,
    show_default=True,
    type=float,
    help="Share of a national year (1.0: about 1.3 million records).",
)
@click.option("--year", default=2025, show_default=True, type=int)
@click.option(
    "--difficulty",
    type=click.Choice(DIFFICULTIES),
    default="standard",
    show_default=True,
    help="standard: violations built far from honest behaviour; hard: close to it "
    "(see docs/simulation.md).",
)
@click.option("--report", is_flag=True, help="Print the calibration table.")
@click.option(
    "--rate",
    "rates",
    multiple=True,
    metavar="TYPE=R",
    help="Rate of one violation type (repeatable), e.g. --rate unlicensed_export=0.05; "
    "0 switches it off.",
)
def simulate(
    out: Path,
    seed: int,
    scale: float,
    year: int,
    difficulty: str,
    report: bool,
    rates: tuple[str, ...],
) -> None:
    """Simulate a year of the rare earth economy: master data, events, hidden violations.

    Load the records in name order: rareledger load OUT/records/*.jsonl; then
    rareledger detect --partner-imports OUT/partner_imports.csv and
    rareledger evaluate OUT/ground_truth.jsonl.
    """
    try:
        result = run_simulation(
            out,
            seed=seed,
            scale=scale,
            year=year,
            rates=_parse_rates(rates),
            difficulty=difficulty,
        )
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    total = sum(result.records.values())
    click.echo(f"wrote {total} records in {len(result.record_files)} files under {out / 'records'}")
    click.echo(", ".join(f"{kind} {count}" for kind, count in result.records.items()))
    cases = {kind: n for kind, n in result.violations_by_type.items() if n}
    listed = ", ".join(f"{kind} {n}" for kind, n in cases.items()) or "none"
    click.echo(f"hidden violations, {difficulty} ({out / 'ground_truth.jsonl'}): {listed}")
    click.echo(
        f"partner-country import statistics: {out / 'partner_imports.csv'} "
        "(rareledger detect --partner-imports)"
    )
    if report:
        click.echo(format_report(result.calibration, scale))

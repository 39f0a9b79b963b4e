"""Export control: classify, customs checks, regimes, licences, applications, figures."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from rareledger.cli.context import (
    EXIT_REJECTED,
    CliContext,
    Parsed,
    csv_option,
    json_option,
    pass_cli,
    print_csv,
    print_json,
)
from rareledger.domain.actors import Actor
from rareledger.domain.vocabulary import FORMS
from rareledger.errors import Invalid, NotFound
from rareledger.formats.jsonlines import parse_json
from rareledger.formats.values import parse_composition, parse_day
from rareledger.services import export_control
from rareledger.services.reporting import Recorder

DAY = Parsed("YYYY-MM-DD", parse_day)
COMPOSITION = Parsed("FRACTIONS", parse_composition)


def _read_json(file: Path) -> Any:
    return parse_json(file.read_bytes(), what=str(file))


@click.command()
@click.option("--form", required=True, type=click.Choice(FORMS), help="Material form.")
@click.option(
    "--composition",
    required=True,
    type=COMPOSITION,
    help="Mass fractions, as JSON ('{\"Dy\": 0.04}') or pairs (Nd=0.3,Dy=0.05).",
)
@click.option("--on", "on", type=DAY, default=None, help="Date (YYYY-MM-DD); default: today.")
@json_option
@pass_cli
def classify(
    ctx: CliContext, form: str, composition: dict[str, Decimal], on: date | None, as_json: bool
) -> None:
    """Say whether an item is controlled on a date, under which regimes and codes, and why."""
    day = on or datetime.now(UTC).date()
    found = export_control.classify_item(ctx.database(), form, composition, day)
    if as_json:
        print_json(found.as_dict())
        return
    if not found.controlled:
        click.echo(f"not controlled on {found.on.isoformat()}")
    for reason in found.reasons:
        click.echo(
            f"controlled: {reason.code} ({reason.element} {reason.form}, fraction "
            f"{reason.fraction} >= {reason.min_fraction}) under {reason.regime_id} "
            f"[{reason.regime_version}]"
        )
    for idle in found.not_applied:
        click.echo(f"not applied: {idle['regime']} is {idle['status']} on that date")


@click.group()
def customs() -> None:
    """Customs: check a proposed export before release."""


@customs.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
@pass_cli
def customs_check(ctx: CliContext, file: Path, as_json: bool) -> None:
    """Release, hold or refer one proposed export (FILE: the spec's export fields, as JSON).

    --json prints the same document as POST /api/v1/customs/checks. Exit status 0 on release.
    """
    proposed = _read_json(file)
    if not isinstance(proposed, dict):
        raise Invalid(f"{file}: must be a JSON object of the spec's export fields")
    receipt, outcome = export_control.customs_check(
        ctx.database(), Actor("cli:customs", role="customs"), proposed
    )
    if outcome is None:  # the declaration itself is not acceptable: its errors, as for any record
        print_json(receipt.as_dict())
        sys.exit(EXIT_REJECTED)
    if as_json:
        print_json(outcome)
    else:
        reasons = "; ".join(f"{r['code']}: {r['message']}" for r in outcome["reasons"])
        click.echo(f"{outcome['decision']}: {reasons}")
    sys.exit(0 if outcome["decision"] == "release" else EXIT_REJECTED)


@click.group()
def regime() -> None:
    """Control regimes (versioned data; every change is recorded in the ledger)."""


@regime.command("list")
@json_option
@pass_cli
def regime_list(ctx: CliContext, as_json: bool) -> None:
    """The current version of every regime."""
    found = export_control.regimes(ctx.database())
    if as_json:
        print_json(found)
        return
    for r in found:
        pauses = ", ".join(
            f"suspended {s['from_on']}..{s['until_on']}" for s in r.get("suspensions", [])
        )
        codes = ", ".join(e["code"] for e in r["entries"])
        click.echo(
            f"{r['id']} [{r['version']}] from {r['effective_on']}: {codes}"
            f"{'; ' + pauses if pauses else ''}"
        )


def _record(ctx: CliContext, record: dict[str, Any]) -> None:
    receipt = Recorder(ctx.database(), Actor("cli:operator")).submit([record])[0]
    if receipt.status == "rejected":
        for error in receipt.errors:
            click.echo(
                f"rejected: {error['field']}: {error['message']} [{error['code']}]", err=True
            )
        sys.exit(EXIT_REJECTED)
    click.echo(f"{receipt.status}: {receipt.id} at position {receipt.position}")


@regime.command("add")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_cli
def regime_add(ctx: CliContext, file: Path) -> None:
    """Record a new regime, or a new version of one (FILE: a control_regime record)."""
    _record(ctx, _read_json(file))


@regime.command("suspend")
@click.argument("regime_id")
@click.option("--from", "from_on", required=True, help="First day suspended (YYYY-MM-DD).")
@click.option("--until", "until_on", required=True, help="Last day suspended (YYYY-MM-DD).")
@click.option("--source", required=True, help="The announcement that suspends it.")
@pass_cli
def regime_suspend(
    ctx: CliContext, regime_id: str, from_on: str, until_on: str, source: str
) -> None:
    """Add a suspension (or extend one: give the same --from and a later --until)."""
    current = next(
        (r for r in export_control.regimes(ctx.database()) if r["id"] == regime_id), None
    )
    if current is None:
        raise NotFound(f"no regime {regime_id!r}")
    record = {k: v for k, v in current.items() if k != "version"}
    kept = [s for s in record.get("suspensions", []) if s["from_on"] != from_on]
    record["suspensions"] = [*kept, {"from_on": from_on, "until_on": until_on, "source": source}]
    _record(ctx, record)


@click.group()
def licence() -> None:
    """Export licences and applications."""


def _table(
    rows: list[dict[str, Any]], as_json: bool, as_csv: bool, columns: tuple[str, ...] | None = None
) -> None:
    if as_json:
        print_json(rows)
    elif as_csv:
        print_csv(rows, columns)
    else:
        for row in rows:
            click.echo("  ".join(str(v) for v in row.values()))


@licence.command("list")
@click.option("--exporter", default=None)
@json_option
@csv_option
@pass_cli
def licence_list(ctx: CliContext, exporter: str | None, as_json: bool, as_csv: bool) -> None:
    """Licences with what is used and left."""
    _table(export_control.licences(ctx.database(), exporter=exporter), as_json, as_csv)


@licence.command("applications")
@click.option("--overdue", is_flag=True, help="Only those past the 45 working days.")
@json_option
@csv_option
@pass_cli
def licence_applications(ctx: CliContext, overdue: bool, as_json: bool, as_csv: bool) -> None:
    """Applications with their status and review time in working days."""
    _table(export_control.applications(ctx.database(), overdue_only=overdue), as_json, as_csv)


@licence.command("figures")
@json_option
@csv_option
@pass_cli
def licence_figures(ctx: CliContext, as_json: bool, as_csv: bool) -> None:
    """Applications and decisions by month, review times, quantities under licence and exported."""
    found = export_control.figures(ctx.database())
    if as_json:
        print_json(found)
        return
    if as_csv:
        _table(found["quantities"], False, True, export_control.QUANTITY_COLUMNS)
        return
    review = found["review"]
    click.echo(
        f"review: {review['decided']} decided, median {review['median_working_days']} "
        f"working days, 90th percentile {review['p90_working_days']}, "
        f"{review['overdue']} overdue"
    )
    _table(found["by_month"], False, False)
    _table(found["quantities"], False, False)

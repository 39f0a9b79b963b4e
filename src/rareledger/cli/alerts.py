"""Detection and case work: detect, alerts list|show|assign|review|note|close, risk, evaluate."""

from __future__ import annotations

import getpass
import json
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import click
from rich.progress import Progress
from rich.table import Table

from rareledger.cli.context import (
    EXIT_REJECTED,
    CliContext,
    Parsed,
    console,
    csv_option,
    json_option,
    pass_cli,
    print_csv,
    print_json,
)
from rareledger.domain.detection import RULES, DetectionSettings, Rulebook, settings_with
from rareledger.formats.values import parse_day
from rareledger.services import casework, detection, evaluation

DAY = Parsed("YYYY-MM-DD", parse_day)


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


@click.command()
@click.option(
    "--rule", "only", type=click.Choice(sorted(RULES)), default=None, help="Run one rule only."
)
@click.option(
    "--as-of",
    "as_of",
    type=DAY,
    default=None,
    help="Judge the ledger as it stood at the end of this day (YYYY-MM-DD, "
    "regulator's time zone); default: now.",
)
@click.option(
    "--partner-imports",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="CSV of partner-country import statistics (country, period, mass_kg[, source]) "
    "for the mirror_gap rule.",
)
@click.option(
    "--set",
    "settings",
    multiple=True,
    callback=lambda _ctx, _param, given: _settings(given),
    metavar="NAME=VALUE",
    help="Change a rule parameter (repeatable), e.g. --set receipt_days=45 or "
    "--set recovery_norms.separation=0.9; docs/rules.md lists them.",
)
@click.option("--full", is_flag=True, help="Read the whole ledger, not only what is new.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Processes the rules run in (default: 2 where the machine has two cores and can fork).",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the alerts as JSON Lines, one per line."
)
@pass_cli
def detect(
    ctx: CliContext,
    only: str | None,
    as_of: date | None,
    partner_imports: Path | None,
    settings: DetectionSettings,
    full: bool,
    workers: int | None,
    as_json: bool,
) -> None:
    """Run the detection rules and keep their alerts (deduplicated; case work is kept)."""
    moment = detection.moment_of(as_of, "--as-of")
    rulebook = Rulebook(settings, detection.load_reference(partner_imports))
    show = not as_json and sys.stderr.isatty()
    with Progress(disable=not show, console=console(), transient=True) as progress:
        task = progress.add_task("reading the ledger", total=None)
        run = detection.detect(
            ctx.database(bulk=True),
            moment,
            only=only,
            rulebook=rulebook,
            full=full,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
            actor=_actor(),
            workers=workers,
        )
    if as_json:
        for alert in run.alerts:
            click.echo(json.dumps(alert.as_dict(), ensure_ascii=False))
        return
    counts = Counter(alert.code for alert in run.alerts)
    click.echo(
        f"run {run.run_id}: {len(run.alerts)} alerts ({run.new_alerts} new, {run.reopened} "
        f"reopened; {run.resolved} resolved) as of {moment.isoformat()}, "
        f"{'incremental' if run.incremental else 'full'} run, {run.entries_read} entries read: "
        + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none")
    )


def _settings(overrides: tuple[str, ...]) -> DetectionSettings:
    """The detection parameters with the ``--set NAME=VALUE`` changes."""
    pairs = {}
    for item in overrides:
        name, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"want NAME=VALUE; got {item!r}", param_hint="--set")
        pairs[name.strip()] = value.strip()
    try:
        return settings_with(pairs)
    except ValueError as error:  # the rules' own check of a parameter's name and value
        raise click.BadParameter(str(error), param_hint="--set") from None


@click.group()
def alerts() -> None:
    """Alerts and their case work."""


@alerts.command("list")
@click.option("--code", default=None)
@click.option("--status", type=click.Choice(casework.STATUSES), default=None)
@click.option("--severity", type=click.Choice(["high", "medium", "low"]), default=None)
@click.option("--enterprise", default=None)
@json_option
@csv_option
@pass_cli
def alerts_list(
    ctx: CliContext,
    code: str | None,
    status: str | None,
    severity: str | None,
    enterprise: str | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """List alerts."""
    rows = casework.list_alerts(
        ctx.database(), code=code, status=status, enterprise_id=enterprise, severity=severity
    )
    if as_json:
        print_json(rows)
        return
    if as_csv:
        print_csv(rows)
        return
    table = Table("alert", "code", "severity", "status", "period", "message")
    table.title = f"{len(rows)} alerts"
    for row in rows:
        table.add_row(
            row["alert_id"],
            row["code"],
            row["severity"],
            row["status"],
            row["period"],
            row["message"],
        )
    console().print(table)


@alerts.command("show")
@click.argument("alert_id")
@pass_cli
def alerts_show(ctx: CliContext, alert_id: str) -> None:
    """An alert with its evidence and history (JSON)."""
    print_json(casework.show_alert(ctx.database(), alert_id))


@alerts.command("assign")
@click.argument("alert_id")
@click.argument("assignee")
@click.option("--note", default=None)
@pass_cli
def alerts_assign(ctx: CliContext, alert_id: str, assignee: str, note: str | None) -> None:
    """Give an alert to someone; an open alert goes under review."""
    casework.assign(ctx.database(), alert_id, _actor(), assignee, note)
    click.echo(f"{alert_id} assigned to {assignee}")


@alerts.command("note")
@click.argument("alert_id")
@click.argument("text")
@pass_cli
def alerts_note(ctx: CliContext, alert_id: str, text: str) -> None:
    """Add a note to an alert's history."""
    casework.change(ctx.database(), alert_id, _actor(), note=text)
    click.echo(f"{alert_id} noted")


@alerts.command("close")
@click.argument("alert_id")
@click.option("--as", "outcome", type=click.Choice(casework.CLOSED), required=True)
@click.option("--note", required=True, help="Why.")
@pass_cli
def alerts_close(ctx: CliContext, alert_id: str, outcome: str, note: str) -> None:
    """Confirm or dismiss an alert, saying why."""
    casework.change(ctx.database(), alert_id, _actor(), status=outcome, note=note)
    click.echo(f"{alert_id} {outcome}")


@click.command()
@click.option("--enterprise", default=None, help="One enterprise only.")
@json_option
@csv_option
@pass_cli
def risk(ctx: CliContext, enterprise: str | None, as_json: bool, as_csv: bool) -> None:
    """Risk score per enterprise from its alerts (docs/rules.md explains the score)."""
    rows = casework.risk(ctx.database(), enterprise)
    if as_json:
        print_json(rows)
        return
    if as_csv:
        print_csv(rows)
        return
    table = Table("enterprise", "score", "level", "alerts", "high", "medium", "low", "codes")
    table.title = f"risk of {len(rows)} enterprises"
    for row in rows:
        table.add_row(
            row["enterprise_id"],
            str(row["score"]),
            row["level"],
            str(row["alerts"]),
            str(row["high"]),
            str(row["medium"]),
            str(row["low"]),
            ", ".join(f"{k} {v}" for k, v in row["codes"].items()),
        )
    console().print(table)


@click.command()
@click.argument("ground_truth", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
@pass_cli
def evaluate(ctx: CliContext, ground_truth: Path, as_json: bool) -> None:
    """Precision and recall of the stored alerts against a simulator's ground truth."""
    result = evaluation.evaluate(
        evaluation.read_ground_truth(ground_truth), casework.list_alerts(ctx.database())
    )
    if as_json:
        print_json(result)
        return
    print_evaluation(result)
    sys.exit(0 if result["overall"]["cases"] else EXIT_REJECTED)


def print_evaluation(result: dict[str, Any]) -> None:
    table = Table("violation type", "cases", "tp", "fn", "alerts", "fp", "precision", "recall")
    table.title = "alerts against the simulator's hidden cases"
    for kind, row in [*result["by_type"].items(), ("overall", result["overall"])]:
        table.add_row(
            kind,
            str(row["cases"]),
            str(row["tp"]),
            str(row["fn"]),
            str(row["alerts"]),
            str(row["fp"]),
            _ratio(row["precision"]),
            _ratio(row["recall"]),
        )
    console().print(table)
    others = result.get("other_alerts") or {}
    if others:
        listed = ", ".join(f"{code} {n}" for code, n in others.items())
        console().print(f"alerts of codes no simulated violation type covers: {listed}")


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"

"""Detection and case work: detect, alerts list|show|assign|close, evaluate."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path

import click
from rich.table import Table

from rareledger.cli.context import (
    EXIT_REJECTED,
    CliContext,
    console,
    fail,
    json_option,
    pass_cli,
    print_json,
)
from rareledger.domain.rules import RULES
from rareledger.services import detection, evaluation


@click.command()
@click.option(
    "--rule", "only", type=click.Choice(sorted(RULES)), default=None, help="Run one rule only."
)
@click.option(
    "--as-of",
    "as_of",
    default=None,
    help="Judge the ledger as it stood at the end of this day (YYYY-MM-DD, "
    "regulator's time zone); default: now.",
)
@json_option
@pass_cli
def detect(ctx: CliContext, only: str | None, as_of: str | None, as_json: bool) -> None:
    """Run the detection rules and keep their alerts (deduplicated; case work is kept)."""
    try:
        moment = detection.end_of(date.fromisoformat(as_of)) if as_of else datetime.now(UTC)
    except ValueError:
        raise click.BadParameter(f"{as_of!r} is not a date YYYY-MM-DD") from None
    alerts = detection.detect(ctx.database(), moment, only=only)
    if as_json:
        print_json(
            [
                {
                    "alert_id": a.alert_id,
                    "code": a.code,
                    "severity": a.severity,
                    "enterprise_ids": a.enterprise_ids,
                    "event_ids": a.event_ids,
                    "period": a.period,
                    "message": a.message,
                }
                for a in alerts
            ]
        )
        return
    counts: dict[str, int] = {}
    for alert in alerts:
        counts[alert.code] = counts.get(alert.code, 0) + 1
    click.echo(
        f"{len(alerts)} alerts as of {moment.isoformat()}: "
        + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none")
    )


@click.group()
def alerts() -> None:
    """Alerts and their case work."""


@alerts.command("list")
@click.option("--code", default=None)
@click.option("--status", type=click.Choice(detection.STATUSES), default=None)
@click.option("--enterprise", default=None)
@json_option
@pass_cli
def alerts_list(
    ctx: CliContext, code: str | None, status: str | None, enterprise: str | None, as_json: bool
) -> None:
    """List alerts."""
    rows = detection.list_alerts(ctx.database(), code=code, status=status, enterprise_id=enterprise)
    if as_json:
        print_json(rows)
        return
    table = Table(
        "alert", "code", "severity", "status", "period", "message", title=f"{len(rows)} alerts"
    )
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
    try:
        print_json(detection.show_alert(ctx.database(), alert_id))
    except detection.CaseError as error:
        fail(str(error))


@alerts.command("assign")
@click.argument("alert_id")
@click.argument("assignee")
@click.option("--note", default=None)
@pass_cli
def alerts_assign(ctx: CliContext, alert_id: str, assignee: str, note: str | None) -> None:
    """Give an alert to someone; it goes under review."""
    try:
        current = detection.show_alert(ctx.database(), alert_id)
        status = "under_review" if current["status"] == "open" else None
        detection.change(
            ctx.database(), alert_id, "cli:operator", status=status, assignee=assignee, note=note
        )
    except detection.CaseError as error:
        fail(str(error))
    click.echo(f"{alert_id} assigned to {assignee}")


@alerts.command("close")
@click.argument("alert_id")
@click.option("--as", "outcome", type=click.Choice(["confirmed", "dismissed"]), required=True)
@click.option("--note", required=True, help="Why.")
@pass_cli
def alerts_close(ctx: CliContext, alert_id: str, outcome: str, note: str) -> None:
    """Confirm or dismiss an alert, saying why."""
    try:
        detection.change(ctx.database(), alert_id, "cli:operator", status=outcome, note=note)
    except detection.CaseError as error:
        fail(str(error))
    click.echo(f"{alert_id} {outcome}")


@click.command()
@click.argument("ground_truth", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
@pass_cli
def evaluate(ctx: CliContext, ground_truth: Path, as_json: bool) -> None:
    """Precision and recall of the stored alerts against a simulator's ground truth."""
    result = evaluation.evaluate(
        evaluation.read_ground_truth(ground_truth), detection.list_alerts(ctx.database())
    )
    if as_json:
        print_json(result)
        return
    table = Table("violation type", "cases", "found", "alerts", "precision", "recall")
    for kind, row in result["by_type"].items():
        table.add_row(
            kind,
            str(row["cases"]),
            str(row["found"]),
            str(row["alerts"]),
            str(row["precision"]),
            str(row["recall"]),
        )
    overall = result["overall"]
    table.add_row(
        "overall",
        str(overall["cases"]),
        "",
        str(overall["alerts"]),
        str(overall["precision"]),
        str(overall["recall"]),
    )
    console().print(table)
    sys.exit(0 if overall["cases"] else EXIT_REJECTED)

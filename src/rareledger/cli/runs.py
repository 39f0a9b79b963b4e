"""Detection runs as recorded: runs list."""

from __future__ import annotations

import click
from rich.table import Table

from rareledger.cli.context import CliContext, console, json_option, pass_cli, print_json
from rareledger.services import detection_runs


@click.group()
def runs() -> None:
    """Detection runs: when each judged the ledger, with which rules, and what it found."""


@runs.command("list")
@click.option(
    "--limit",
    type=click.IntRange(1, detection_runs.MAX_LIMIT),
    default=20,
    show_default=True,
    help="How many runs, the latest first.",
)
@click.option(
    "--before",
    type=click.IntRange(1, detection_runs.MAX_RUN_ID),
    default=None,
    help="Runs before this run id (paging back).",
)
@json_option
@pass_cli
def runs_list(ctx: CliContext, limit: int, before: int | None, as_json: bool) -> None:
    """List detection runs, the latest first (--json: with their rules and parameters)."""
    rows = detection_runs.list_runs(ctx.database(), limit=limit, before=before)
    if as_json:
        print_json(rows)
        return
    table = Table("run", "as of", "started", "took", "kind", "read", "alerts", "new", "resolved")
    table.title = f"{len(rows)} detection runs"
    for row in rows:
        counts = row["counts"]
        table.add_row(
            str(row["run_id"]),
            row["as_of"],
            row["started_at"][:19],
            f"{row['duration_ms'] / 1000:.1f} s",
            "incremental" if row["incremental"] else "full",
            str(row["entries_read"]),
            str(counts.get("alerts", 0)),
            str(counts.get("new", 0)),
            str(counts.get("resolved", 0)),
        )
    console().print(table)

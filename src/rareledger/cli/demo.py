"""``rareledger demo``: a simulated national year, loaded, checked, summarised and served."""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from rareledger.cli.alerts import print_evaluation
from rareledger.cli.context import CliContext, console, pass_cli
from rareledger.cli.ledger import load_files, print_summary
from rareledger.domain.actors import Actor
from rareledger.domain.detection import Rulebook
from rareledger.services import (
    accounts,
    casework,
    detection,
    directory,
    evaluation,
    export_control,
    figures,
    integrity,
    passports,
)
from rareledger.services.reporting import Recorder
from rareledger.services.summary import national_summary
from rareledger.store.database import Database

BATCH = 5000


@click.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo"),
    show_default=True,
    help="Where the year and the ledger go.",
)
@click.option("--seed", default=2025, show_default=True)
@click.option(
    "--scale",
    type=float,
    default=None,
    help="Share of a national year (default: the simulator's small demo scale).",
)
@click.option(
    "--difficulty",
    type=click.Choice(("standard", "hard")),
    default="standard",
    show_default=True,
    help="How close to honest behaviour the hidden violations are (docs/simulation.md).",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Stop after the summary.")
@pass_cli
def demo(
    ctx: CliContext,
    directory: Path,
    seed: int,
    scale: float | None,
    difficulty: str,
    host: str,
    port: int,
    no_serve: bool,
) -> None:
    """Simulate a year, load it into a fresh SQLite ledger, check it, summarise it, serve it."""
    from rareledger import simulation

    out = console()
    directory.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = {"seed": seed, "difficulty": difficulty}
    options |= {"scale": scale} if scale else {}
    result = simulation.simulate(directory / "year", **options)
    out.print(
        f"simulated {sum(result.records.values())} records into {directory / 'year'} "
        f"({difficulty} violations)"
    )
    for path in directory.glob("rareledger.db*"):
        path.unlink()
    database = Database(f"sqlite:///{directory / 'rareledger.db'}")
    database.initialise()
    export_control.seed_regimes(database)
    recorder = Recorder(
        database, Actor("demo:operator"), allow_recorded_at=True, settings=ctx.settings.rules
    )
    print_summary(load_files(recorder, result.record_files, BATCH))
    check = integrity.verify(database)
    out.print(f"ledger verified: {check.entries} entries, {'intact' if check.intact else 'BROKEN'}")
    _print_national(national_summary(database, result.year), result.year)
    _detect(database, directory / "year", result.year_end)
    if no_serve:
        return
    _serve(ctx, database, host, port)


def _print_national(summary: dict[str, Any], year: int) -> None:
    out = console()
    production = summary["production_reo_t"]
    table = Table("", "t REO", "quota t REO", title=f"national production {year}")
    table.add_row("mining", production["mining"], production["mining_quota"])
    table.add_row("separation", production["separation"], production["separation_quota"])
    out.print(table)
    out.print(f"imports {year}: {summary['imports_t']} t of material")
    exports = Table("destination", "kg of rare earth elements", title="exports by destination")
    for country, kg in summary["exports_element_kg_by_destination"].items():
        exports.add_row(country, kg)
    out.print(exports)
    elements = Table("element", "kg exported", title="exports by element")
    for element, kg in summary["exports_kg_by_element"].items():
        elements.add_row(element, kg)
    out.print(elements)
    findings = Table("code", "findings", title="findings by code")
    for code, count in summary["findings_by_code"].items():
        findings.add_row(code, str(count))
    out.print(findings)


def _detect(database: Database, year: Path, as_of: date) -> None:
    """Every rule as of two months after the year, scored against the hidden cases."""
    out = console()
    rulebook = Rulebook(reference=detection.load_reference(year / "partner_imports.csv"))
    run = detection.detect(database, detection.end_of(as_of), rulebook=rulebook)
    counts = Counter(alert.code for alert in run.alerts)
    table = Table("code", "alerts", title=f"alerts as of {as_of} ({len(run.alerts)})")
    for code, count in sorted(counts.items()):
        table.add_row(code, str(count))
    out.print(table)
    print_evaluation(
        evaluation.evaluate(
            evaluation.read_ground_truth(year / "ground_truth.jsonl"),
            casework.list_alerts(database),
        )
    )
    risky = Table("enterprise", "score", "level", "alerts", title="highest risk")
    for row in casework.risk(database)[:5]:
        risky.add_row(row["enterprise_id"], str(row["score"]), row["level"], str(row["alerts"]))
    out.print(risky)


DEMO_PEOPLE = (("customs", "customs"), ("exporter", "enterprise"))


def _accounts(database: Database) -> dict[str, str]:
    """A regulator, a customs officer and an exporter's clerk, each with a new password."""
    exporter = next(
        (e.id for e in directory.directory(database).enterprises.values() if "exporter" in e.roles),
        None,
    )
    made = {}
    for username, role in (("regulator", "regulator"), *DEMO_PEOPLE):
        if role == "enterprise" and exporter is None:
            continue
        password = secrets.token_urlsafe(12)
        accounts.create_user(
            database, username, password, role, exporter if role == "enterprise" else None
        )
        made[username] = password
    return made


def _serve(ctx: CliContext, database: Database, host: str, port: int) -> None:
    import uvicorn

    from rareledger.web.app import create_app

    address = f"http://{host}:{port}"
    passphrase = ctx.settings.key_passphrase or secrets.token_urlsafe(24)
    key_id = passports.create_key(database, passphrase)
    figures.refresh(database, ctx.settings.rules)  # the overview's figures, folded once now
    logins = _accounts(database)
    settings = replace(
        ctx.settings,
        database_url=database.url,
        secret_key=ctx.settings.secret_key or secrets.token_urlsafe(48),
        key_passphrase=passphrase,
        public_url=address,
    )
    click.echo(f"passports are signed with key {key_id} (passphrase kept for this run only)")
    click.echo(f"serving on {address} (API docs at {address}/api/docs)")
    for username, password in logins.items():
        if username != "regulator":
            click.echo(f"{username} login: {username} / {password}")
    click.echo(f"open {address}/ and sign in; the overview is the first page")
    click.echo(
        f"regulator login: regulator / {logins['regulator']}  (also POST /api/v1/auth/token)"
    )
    click.echo("Ctrl-C stops it.")
    uvicorn.run(create_app(settings, database), host=host, port=port, log_level="warning")

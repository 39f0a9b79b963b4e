"""The ``rareledger`` command line: a thin shell over the services."""

from __future__ import annotations

import click

from rareledger.cli.accounts import apikey, lockout, serve, user
from rareledger.cli.alerts import alerts, detect, evaluate, risk
from rareledger.cli.checks import checkpoint, verify
from rareledger.cli.context import CliContext, LedgerGroup
from rareledger.cli.control import classify, customs, licence, regime
from rareledger.cli.demo import demo
from rareledger.cli.epcis import epcis, export
from rareledger.cli.figures import figures
from rareledger.cli.ledger import init, load, rebuild
from rareledger.cli.passport import keys, passport
from rareledger.cli.runs import runs
from rareledger.cli.simulate import simulate
from rareledger.cli.trace import trace
from rareledger.cli.views import balance, findings, lot
from rareledger.config import load_settings


@click.group(cls=LedgerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "database_url",
    envvar="RARELEDGER_DATABASE_URL",
    metavar="URL",
    help="Database URL: sqlite:///FILE (default sqlite:///rareledger.db) or "
    "postgresql://user@host:port/name.",
)
@click.version_option(package_name="rareledger")
@click.pass_context
def cli(ctx: click.Context, database_url: str | None) -> None:
    """rareledger: report, trace and control rare earths through an append-only ledger.

    Exit status: 0 when the command did its work and found nothing wrong; 1 when it found
    something wrong (a rejected record, a broken chain, a held export); 2 when it could not
    do its work (bad input, an unknown id, no database), with the reason on stderr.
    """
    settings = load_settings()
    ctx.obj = CliContext(settings, database_url or settings.database_url)
    ctx.call_on_close(ctx.obj.close)


for command in (
    init,
    load,
    verify,
    checkpoint,
    rebuild,
    lot,
    balance,
    findings,
    user,
    apikey,
    lockout,
    serve,
    classify,
    customs,
    regime,
    licence,
    trace,
    keys,
    passport,
    simulate,
    demo,
    detect,
    alerts,
    runs,
    evaluate,
    risk,
    figures,
    epcis,
    export,
):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="rareledger")

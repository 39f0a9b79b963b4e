"""National figures: production against quota, imports, exports by element and destination."""

from __future__ import annotations

import click
from rich.table import Table

from rareledger.cli.context import CliContext, console, json_option, pass_cli, print_json
from rareledger.errors import Invalid
from rareledger.services import figures as figures_service


@click.group()
def figures() -> None:
    """National figures, kept up to date as the ledger grows."""


@figures.command("national")
@click.option(
    "--year",
    type=int,
    default=None,
    help="Calendar year of occurred_at in the regulator's time zone "
    "(default: the latest year with production or trade reported).",
)
@json_option
@pass_cli
def national(ctx: CliContext, year: int | None, as_json: bool) -> None:
    """Mining and separation against quota (t REO), imports by origin and exports by
    destination (kg of goods), exports by element and destination (kg of element)."""
    database = ctx.database()
    year = year or figures_service.latest_year(database, ctx.settings.rules)
    if year is None:
        raise Invalid("--year: the ledger holds no production or trade yet: give a year")
    found = figures_service.national(database, year, ctx.settings.rules)
    if as_json:
        print_json(found)
        return
    out = console()
    table = Table("", "produced t REO", "quota t REO", title=f"national production {year}")
    for kind in ("mining", "separation"):
        table.add_row(kind, str(found[kind]["produced_t_reo"]), str(found[kind]["quota_t_reo"]))
    out.print(table)
    for name, title in (
        ("imports_kg", "imports by origin"),
        ("exports_kg", "exports by destination"),
    ):
        trade = Table("country", "kg", title=title)
        for country, amount in found[name].items():
            trade.add_row(country, f"{amount:.3f}")
        out.print(trade)
    elements = Table("element", "destination", "kg of element", title="exports by element")
    for element, by_country in found["exports_element_kg"].items():
        for country, amount in by_country.items():
            elements.add_row(element, country, f"{amount:.3f}")
    out.print(elements)


@figures.command("recount")
@pass_cli
def recount(ctx: CliContext) -> None:
    """Fold the whole ledger into the figures again (they are otherwise kept up to date)."""
    position = figures_service.recount(ctx.database(), ctx.settings.rules)
    click.echo(f"figures folded up to ledger position {position}")

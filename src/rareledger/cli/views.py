"""Commands that show what the ledger holds: lot, balance, findings."""

from __future__ import annotations

import click
from rich.table import Table

from rareledger.cli.context import (
    CliContext,
    console,
    csv_option,
    json_option,
    pass_cli,
    print_csv,
    print_json,
)
from rareledger.services import holdings, reads, traceability


@click.group()
def lot() -> None:
    """Look at lots."""


@lot.command("show")
@click.argument("lot_id")
@json_option
@pass_cli
def lot_show(ctx: CliContext, lot_id: str, as_json: bool) -> None:
    """Form, composition, REO content, provenance (clean, or a gap with its unresolved
    causes), holders and balances, and mass in transit of LOT_ID."""
    report = holdings.lot_report(ctx.database(), lot_id)
    if as_json:
        print_json(report)
        return
    out = console()
    status = " (retracted)" if report["retracted"] else ""
    out.print(
        f"lot {report['lot_id']}{status}: {report['form']}, created by "
        f"{report['created_by']['enterprise_id']} in {report['created_by']['event_id']}"
    )
    composition = ", ".join(f"{k} {v}" for k, v in report["composition"].items()) or "none"
    out.print(f"composition (mass fractions): {composition}")
    out.print(f"REO content: {report['reo_fraction']} of the lot's mass")
    out.print(f"provenance: {traceability.status_text(report)}")
    control = report["control"]
    out.print(
        f"export control on {control['on']}: "
        + (
            f"controlled under {', '.join(control['codes'])}"
            if control["controlled"]
            else "not controlled"
        )
    )
    out.print("accounts (kg): " + ", ".join(f"{k} {v}" for k, v in report["accounts_kg"].items()))
    table = Table("holder", "mass kg", title="holders")
    for row in report["holders"]:
        table.add_row(row["enterprise_id"], row["mass_kg"])
    out.print(table)
    if report["in_transit"]:
        transit = Table("shipment", "seller", "buyer", "mass kg", title="in transit")
        for row in report["in_transit"]:
            transit.add_row(row["shipment_event_id"], row["seller"], row["buyer"], row["mass_kg"])
        out.print(transit)


@click.command()
@click.argument("enterprise")
@json_option
@pass_cli
def balance(ctx: CliContext, enterprise: str, as_json: bool) -> None:
    """Holdings of ENTERPRISE by lot, totals by element in kg and kg REO, and what is in transit."""
    report = holdings.enterprise_balance(ctx.database(), enterprise)
    if as_json:
        print_json(report)
        return
    out = console()
    lots = Table("lot", "mass kg", title=f"holdings of {enterprise}")
    for row in report["lots"]:
        lots.add_row(row["lot_id"], row["mass_kg"])
    out.print(lots)
    elements = Table("element", "kg", "kg REO", title="by element")
    for symbol, row in report["elements"].items():
        elements.add_row(symbol, row["kg"], row["reo_kg"])
    out.print(elements)
    transit = Table("shipment", "buyer", "lot", "mass kg", title="shipped, not yet received")
    for row in report["in_transit"]:
        transit.add_row(row["shipment_event_id"], row["buyer"], row["lot_id"], row["mass_kg"])
    out.print(transit)


@click.command()
@click.option("--code", help="Only findings with this code.")
@click.option("--enterprise", help="Only findings about this enterprise.")
@click.option("--limit", type=int, default=None, help="At most this many.")
@json_option
@csv_option
@pass_cli
def findings(
    ctx: CliContext,
    code: str | None,
    enterprise: str | None,
    limit: int | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """List findings on accepted reports (retracted events' findings are left out)."""
    rows = reads.all_findings(ctx.database(), code=code, enterprise_id=enterprise, limit=limit)
    if as_json:
        print_json(rows)
        return
    if as_csv:
        print_csv(rows)
        return
    table = Table(
        "position", "event", "code", "enterprise", "lot", "message", title=f"{len(rows)} findings"
    )
    for row in rows:
        table.add_row(
            str(row["position"]),
            row["event_id"],
            row["code"],
            row["enterprise_id"],
            row["lot_id"] or "",
            row["message"],
        )
    console().print(table)

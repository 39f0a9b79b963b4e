"""``rareledger trace``: a lot's lineage, upstream to its origins or downstream to its exports."""

from __future__ import annotations

from typing import Any

import click
from rich.tree import Tree

from rareledger.cli.context import CliContext, console, pass_cli, print_json
from rareledger.services import traceability


@click.command()
@click.argument("lot_id")
@click.option(
    "--up",
    "direction",
    flag_value="up",
    default=True,
    help="Back to the extractions and imports it descends from (default).",
)
@click.option(
    "--down", "direction", flag_value="down", help="On to every descendant lot, holder and export."
)
@click.option("--json", "fmt", flag_value="json", help="Print JSON.")
@click.option("--graphml", "fmt", flag_value="graphml", help="Print GraphML for analysts.")
@pass_cli
def trace(ctx: CliContext, lot_id: str, direction: str, fmt: str | None) -> None:
    """Trace LOT_ID through processing, shipments, receipts, imports and exports; a lot with
    a gap in its provenance is marked with its unresolved causes."""
    result = (traceability.trace_up if direction == "up" else traceability.trace_down)(
        ctx.database(), lot_id
    )
    if fmt == "json":
        print_json(result)
    elif fmt == "graphml":
        click.echo(traceability.graphml(result))
    else:
        console().print(_tree(result, direction))


def _tree(result: dict[str, Any], direction: str) -> Tree:
    lots = {lot["lot_id"]: lot for lot in result["lots"]}
    children: dict[str, list[str]] = {}
    for lot in result["lots"]:
        for source in lot["inputs"]:
            children.setdefault(source["lot_id"], []).append(lot["lot_id"])

    def label(lot_id: str) -> str:
        lot = lots[lot_id]
        gap = f" [{traceability.status_text(lot)}]" if lot["provenance"]["causes"] else ""
        return f"{lot_id} ({lot['form']}, {lot['mass_kg']} kg, by {lot['created_by']}){gap}"

    def grow(node: Tree, lot_id: str, seen: set[str]) -> None:
        nexts = (
            [s["lot_id"] for s in lots[lot_id]["inputs"]]
            if direction == "up"
            else children.get(lot_id, [])
        )
        for other in sorted(set(nexts)):
            branch = node.add(label(other))
            if other not in seen:
                grow(branch, other, seen | {other})

    tree = Tree(label(result["lot_id"]))
    grow(tree, result["lot_id"], {result["lot_id"]})
    if direction == "up":
        origins = tree.add("origins (share of each element)")
        for origin in result["origins"]:
            shares = ", ".join(f"{k} {v}" for k, v in sorted(origin["shares"].items()))
            origins.add(
                f"{origin['lot_id']}: {origin['kind']} by {origin['enterprise_id']} "
                f"in {origin['country']}: {shares}"
            )
    else:
        exports = tree.add("exports")
        for export in result["exports"]:
            exports.add(
                f"{export['event_id']}: {export['mass_kg']} kg of {export['lot_id']} "
                f"to {export['destination_country']}"
            )
    return tree

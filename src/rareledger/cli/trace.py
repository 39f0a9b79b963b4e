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
@click.option(
    "--limit",
    type=click.IntRange(1, traceability.MAX_LIMIT),
    default=traceability.DEFAULT_LIMIT,
    show_default=True,
    help="Lineage lots on one page.",
)
@click.option("--cursor", default=None, help="The next_cursor of the previous page.")
@click.option(
    "--custody",
    type=click.Choice(traceability.CUSTODY_SCOPES),
    default="lot",
    show_default=True,
    help="Upstream: the chain of custody of the lot, or of every lot on the page.",
)
@pass_cli
def trace(
    ctx: CliContext,
    lot_id: str,
    direction: str,
    fmt: str | None,
    limit: int,
    cursor: str | None,
    custody: str,
) -> None:
    """Trace LOT_ID through processing, shipments, receipts, imports and exports; a lot with
    a gap in its provenance is marked with its unresolved causes.

    The lineage comes a page at a time (--limit lots, nearest first: by depth, then lot id);
    origin shares are the lot's own, on every page."""
    if direction == "up":
        result = traceability.trace_up(
            ctx.database(), lot_id, cursor=cursor, limit=limit, custody=custody
        )
    else:
        result = traceability.trace_down(ctx.database(), lot_id, cursor=cursor, limit=limit)
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
        lot = lots.get(lot_id)
        if lot is None:
            return f"{lot_id} (on another page)"
        gap = f" [{traceability.status_text(lot)}]" if lot["provenance"]["causes"] else ""
        return f"{lot_id} ({lot['form']}, {lot['mass_kg']} kg, by {lot['created_by']}){gap}"

    def grow(node: Tree, lot_id: str, seen: set[str]) -> None:
        nexts = (
            [s["lot_id"] for s in lots[lot_id]["inputs"]]
            if lot_id in lots
            else []
            if direction == "up"
            else children.get(lot_id, [])
        )
        for other in sorted(set(nexts)):
            branch = node.add(label(other))
            if other not in seen and other in lots:
                grow(branch, other, seen | {other})

    tree = Tree(label(result["lot_id"]))
    if result["next_cursor"] is not None:
        tree.add(
            f"{len(result['lots']) - 1} lots shown, more follow; "
            f"next page: --cursor {result['next_cursor']}"
        )
    grow(tree, result["lot_id"], {result["lot_id"]})
    _footer(tree, result, direction)
    return tree


def _footer(tree: Tree, result: dict[str, Any], direction: str) -> None:
    """Origins (upstream) or exports (downstream) below the lineage."""
    if direction == "up":
        origins = tree.add("origins (share of each element)")
        for origin in result["origins"]:
            shares = ", ".join(f"{k} {v}" for k, v in sorted(origin["shares"].items()))
            origins.add(
                f"{origin['lot_id']}: {origin['kind']} by {origin['enterprise_id']} "
                f"in {origin['country']}: {shares}"
            )
        for element, share in sorted(result["other_origins"].items()):
            origins.add(f"other origins: {element} {share}")
    else:
        exports = tree.add("exports")
        for export in result["exports"]:
            exports.add(
                f"{export['event_id']}: {export['mass_kg']} kg of {export['lot_id']} "
                f"to {export['destination_country']}"
            )

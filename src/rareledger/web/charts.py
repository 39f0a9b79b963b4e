"""Charts drawn on the server as SVG: bars, a Sankey diagram, the map, a lineage graph.

No script draws them, so they show without JavaScript, print, and need nothing from another
host. Each chart sits beside a table holding the same numbers (and its JSON and CSV twins).
Colours and fonts come from the stylesheet's classes, never from inline styles.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from rareledger.domain.geography import Province, project


def _svg(width: float, height: float, css: str, label: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg class="chart {css}" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
        + "".join(body)
        + "</svg>"
    )


def bars(
    rows: Sequence[dict[str, Any]],
    label: Callable[[dict[str, Any]], str],
    value: str,
    shown: Callable[[Any], str],
    title: str,
    mark: str | None = None,
) -> Markup:
    """Horizontal bars of ``row[value]``, with an optional mark at ``row[mark]`` (a quota)."""
    rows = list(rows)[:30]
    if not rows:
        return Markup("")
    top = (
        max(max(float(r.get(value) or 0), float(r.get(mark) or 0) if mark else 0) for r in rows)
        or 1
    )
    left, width, step = 220, 440, 22
    body = []
    for index, row in enumerate(rows):
        y = index * step + 4
        length = float(row.get(value) or 0) / top * width
        body.append(
            f'<text x="{left - 6}" y="{y + 13}" text-anchor="end">{escape(label(row)[:34])}</text>'
            f'<rect class="bar" x="{left}" y="{y}" width="{length:.1f}" height="{step - 6}">'
            f"<title>{escape(label(row))}: {escape(shown(row.get(value)))}</title></rect>"
            f'<text x="{left + length + 4:.1f}" y="{y + 13}">{escape(shown(row.get(value)))}</text>'
        )
        if mark and row.get(mark):
            x = left + float(row[mark]) / top * width
            body.append(
                f'<rect class="bar quota" x="{x:.1f}" y="{y - 2}" width="1" height="{step - 2}"/>'
            )
    return _svg(left + width + 90, len(rows) * step + 8, "bars", title, body)


@dataclass
class _Node:
    key: str
    column: int
    value: float = 0.0
    y: float = 0.0
    out_at: float = 0.0
    in_at: float = 0.0


COLUMNS = {"mine": 0, "import": 0, "recycling": 0, "separation": 1, "metal": 2, "magnet": 3}


SANKEY_HEIGHT, SANKEY_PAD, NODE_WIDTH, COLUMN_GAP, SANKEY_LEFT = 460.0, 14.0, 14.0, 190.0, 110


def _sankey_nodes(links: Sequence[dict[str, Any]]) -> tuple[dict[str, _Node], float]:
    """Nodes stacked in their columns, and the scale from t REO to pixels."""
    nodes: dict[str, _Node] = {}
    flow_in: dict[str, float] = {}
    flow_out: dict[str, float] = {}
    for link in links:
        for key in (link["source"], link["target"]):
            nodes.setdefault(key, _Node(key, COLUMNS.get(key, 4)))
        flow_out[link["source"]] = flow_out.get(link["source"], 0) + link["t_reo"]
        flow_in[link["target"]] = flow_in.get(link["target"], 0) + link["t_reo"]
    columns: dict[int, list[_Node]] = {}
    for node in nodes.values():
        node.value = max(flow_in.get(node.key, 0), flow_out.get(node.key, 0))
    for node in sorted(nodes.values(), key=lambda n: -n.value):
        columns.setdefault(node.column, []).append(node)
    scale = min(
        (SANKEY_HEIGHT - SANKEY_PAD * (len(c) - 1)) / (sum(n.value for n in c) or 1)
        for c in columns.values()
    )
    for column in columns.values():
        y = 0.0
        for node in column:
            node.y = y
            y += node.value * scale + SANKEY_PAD
    return nodes, scale


def sankey(links: Sequence[dict[str, Any]], name: Callable[[str], str], title: str) -> Markup:
    """Flows between stages (left to right); links running backwards are left to the table."""
    forward = [
        link for link in links if COLUMNS.get(link["source"], 0) < COLUMNS.get(link["target"], 4)
    ]
    if not forward:
        return Markup("")
    nodes, scale = _sankey_nodes(forward)
    body = []
    for link in sorted(forward, key=lambda link: -link["t_reo"]):
        source, target = nodes[link["source"]], nodes[link["target"]]
        width = max(link["t_reo"] * scale, 0.8)
        x0 = source.column * COLUMN_GAP + NODE_WIDTH + SANKEY_LEFT
        x1 = target.column * COLUMN_GAP + SANKEY_LEFT
        y0, y1 = source.y + source.out_at + width / 2, target.y + target.in_at + width / 2
        source.out_at += width
        target.in_at += width
        middle = (x0 + x1) / 2
        label = f"{name(source.key)} → {name(target.key)}: {link['shown']}"
        body.append(
            f'<path class="link" d="M{x0:.1f},{y0:.1f} C{middle:.1f},{y0:.1f} {middle:.1f},'
            f'{y1:.1f} {x1:.1f},{y1:.1f}" stroke-width="{width:.1f}">'
            f"<title>{escape(label)}</title></path>"
        )
    for node in nodes.values():
        x = node.column * COLUMN_GAP + SANKEY_LEFT
        h = max(node.value * scale, 1.5)
        anchor, text_x = ("end", x - 4) if node.column == 0 else ("start", x + NODE_WIDTH + 4)
        body.append(
            f'<rect class="node" x="{x}" y="{node.y:.1f}" width="{NODE_WIDTH}" height="{h:.1f}">'
            f"<title>{escape(name(node.key))}</title></rect>"
            f'<text x="{text_x}" y="{node.y + h / 2 + 4:.1f}" text-anchor="{anchor}">'
            f"{escape(name(node.key))}</text>"
        )
    width = 4 * COLUMN_GAP + SANKEY_LEFT + NODE_WIDTH + 140
    return _svg(width, SANKEY_HEIGHT + 10, "sankey", title, body)


def china_map(
    provinces: Sequence[Province],
    sites: Sequence[dict[str, Any]],
    name: Callable[[Province], str],
    title: str,
) -> Markup:
    """The provinces, and a dot per site (``lon``, ``lat``, ``kind``, ``label``)."""
    projected = [(p, [[project(x, y) for x, y in ring] for ring in p.rings]) for p in provinces]
    xs = [x for _, rings in projected for ring in rings for x, _ in ring]
    ys = [y for _, rings in projected for ring in rings for _, y in ring]
    left, top = min(xs), min(ys)
    scale = 760 / (max(xs) - left)
    height = (max(ys) - top) * scale + 20

    def at(x: float, y: float) -> str:
        return f"{(x - left) * scale + 10:.1f},{(y - top) * scale + 10:.1f}"

    body = []
    for province, rings in projected:
        path = " ".join("M" + " L".join(at(x, y) for x, y in ring) + " Z" for ring in rings)
        body.append(
            f'<path class="province" d="{path}"><title>{escape(name(province))}</title></path>'
        )
    for site in sites:
        x, y = at(*project(site["lon"], site["lat"])).split(",")
        body.append(
            f'<circle class="site {escape(site["kind"])}" cx="{x}" cy="{y}" r="3.5">'
            f"<title>{escape(site['label'])}</title></circle>"
        )
    return _svg(780, height, "map", title, body)


def lineage(lots: Sequence[dict[str, Any]], focus: str, title: str, limit: int = 40) -> Markup:
    """A lot and what it was made from, level by level to the left (the nearest first)."""
    by_id = {lot["lot_id"]: lot for lot in lots}
    levels: list[list[str]] = [[focus]]
    seen = {focus}
    while levels[-1] and len(seen) < limit:
        parents = [
            i["lot_id"]
            for lot_id in levels[-1]
            for i in by_id.get(lot_id, {}).get("inputs", [])
            if i["lot_id"] not in seen
        ]
        parents = list(dict.fromkeys(parents))[: max(0, limit - len(seen))]
        seen.update(parents)
        levels.append(parents)
    levels = [level for level in levels if level]
    box_w, box_h, gap_x, gap_y = 150, 30, 50, 10
    width = len(levels) * (box_w + gap_x)
    rows = max(len(level) for level in levels)
    height = rows * (box_h + gap_y) + 10
    where: dict[str, tuple[float, float]] = {}
    for depth, level in enumerate(levels):
        x = width - (depth + 1) * (box_w + gap_x) + gap_x / 2
        for index, lot_id in enumerate(level):
            where[lot_id] = (x, index * (box_h + gap_y) + 5)
    body = [
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" '
        'markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>'
    ]
    for lot_id, (x, y) in where.items():
        for item in by_id.get(lot_id, {}).get("inputs", []):
            if item["lot_id"] in where:
                px, py = where[item["lot_id"]]
                body.append(
                    f'<path class="edge" d="M{px + box_w},{py + box_h / 2} L{x},{y + box_h / 2}"/>'
                )
    for lot_id, (x, y) in where.items():
        lot = by_id.get(lot_id, {})
        css = "lot focus" if lot_id == focus else "lot"
        body.append(
            f'<a href="/lots/{escape(lot_id)}"><rect class="{css}" x="{x}" y="{y}" width="{box_w}" '
            f'height="{box_h}" rx="3"/><text x="{x + 5}" y="{y + 13}">{escape(lot_id[:26])}</text>'
            f'<text x="{x + 5}" y="{y + 25}">{escape(str(lot.get("form", "")))} · '
            f"{escape(str(lot.get('mass_kg', '')))} kg</text></a>"
        )
    return _svg(width, height, "lineage", title, body)

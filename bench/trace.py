"""Lineage benchmark: traces over a synthetic graph of at least a million lots in eight stages.

Builds the graph straight into the projection tables of a fresh database (``lots`` and
``lot_links``, as the ledger would leave them): stage 1 are mine lots; every lot of a later
stage is made from two or three lots of the stage before (merges), and every lot feeds two or
three of the next (splits). Then times, for a sample of magnet lots (the last stage), the
upstream trace (the recursive lineage query, the lots on the way, and the origin shares), and
the downstream trace of mine lots and of magnet lots. Prints the median and 95th percentile.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from random import Random

from rareledger.domain.origins import Input, origin_shares
from rareledger.store import lineage, schema
from rareledger.store.database import Database, insert_rows

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("ore", "concentrate", "mixed_compound", "oxide", "metal", "alloy", "scrap", "magnet")


def build(database: Database, per_stage: int, seed: int) -> int:
    rng = Random(seed)
    composition = json.dumps({"Nd": "0.3", "Dy": "0.02"})
    total = 0
    for stage, form in enumerate(STAGES):
        lots, edges = [], []
        for n in range(per_stage):
            lot_id = f"S{stage}-{n}"
            lots.append(
                {
                    "lot_id": lot_id,
                    "form": form,
                    "composition": composition,
                    "creator": f"E{n % 500}",
                    "event_id": f"ev-{lot_id}",
                    "position": total + n,
                    "created_g": 1_000_000,
                    "consumed_g": 0,
                    "exported_g": 0,
                    "adjusted_g": 0,
                    "discrepancy_g": 0,
                    "retracted": False,
                    "gap_causes": "",
                }
            )
            if stage:
                event = {"event_id": f"ev-{lot_id}", "position": total + n}
                edges.append({**event, "side": "out", "lot_id": lot_id, "mass_g": 1_000_000})
                for parent in rng.sample(range(per_stage), rng.choice((2, 3))):
                    edges.append(
                        {
                            **event,
                            "side": "in",
                            "lot_id": f"S{stage - 1}-{parent}",
                            "mass_g": 500_000,
                        }
                    )
        with database.write() as connection:
            for start in range(0, len(lots), 50_000):
                insert_rows(connection, schema.lots, lots[start : start + 50_000])
            for start in range(0, len(edges), 50_000):
                insert_rows(connection, schema.lot_links, edges[start : start + 50_000])
        total += per_stage
        print(f"  stage {stage + 1} ({form}): {per_stage} lots, {len(edges)} links", flush=True)
    return total


def trace_up(database: Database, lot_id: str) -> int:
    with database.read() as connection:
        edges = lineage.upstream_edges(connection, lot_id)
        rows = lineage.upstream_lots(connection, lot_id)
    inputs: dict[str, list[Input]] = {}
    for edge in edges:
        inputs.setdefault(edge.child, []).append(Input(edge.parent, edge.mass_g))
    origin_shares(lot_id, inputs, {k: v.composition for k, v in rows.items()})
    return len(rows)


def trace_down(database: Database, lot_id: str) -> int:
    with database.read() as connection:
        return len(lineage.downstream_edges(connection, lot_id))


def timed(fn: object, database: Database, lots: list[str]) -> tuple[list[float], list[int]]:
    times, sizes = [], []
    for lot in lots:
        started = time.perf_counter()
        sizes.append(fn(database, lot))  # type: ignore[operator]
        times.append((time.perf_counter() - started) * 1000)
    return times, sizes


def summary(name: str, times: list[float], sizes: list[int]) -> dict[str, float]:
    p95 = statistics.quantiles(times, n=20)[-1]
    figures = {
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(p95, 2),
        "median_size": statistics.median(sizes),
    }
    print(
        f"{name:34s} median {figures['median_ms']:8.2f} ms   p95 {figures['p95_ms']:8.2f} ms"
        f"   (median {figures['median_size']} lots or edges)"
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-stage", type=int, default=130_000, help="lots per stage")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--db", default=None, help="database URL (default: a SQLite file)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "trace")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    url = args.db or f"sqlite:///{args.out / 'trace.db'}"
    if url.startswith("sqlite:///"):
        for stale in args.out.glob("trace.db*"):
            stale.unlink()
    database = Database(url)
    database.initialise()
    started = time.perf_counter()
    total = build(database, args.per_stage, args.seed)
    print(f"built {total} lots in {time.perf_counter() - started:.0f} s on {url}")
    rng = Random(args.seed + 1)
    magnets = [f"S7-{rng.randrange(args.per_stage)}" for _ in range(args.samples)]
    mines = [f"S0-{rng.randrange(args.per_stage)}" for _ in range(args.samples)]
    results = {
        "lots": total,
        "upstream_of_magnets": summary(
            "upstream of magnet lots (+shares)", *timed(trace_up, database, magnets)
        ),
        "downstream_of_magnets": summary(
            "downstream of magnet lots", *timed(trace_down, database, magnets)
        ),
        "downstream_of_mine_lots": summary(
            "downstream of mine lots", *timed(trace_down, database, mines)
        ),
    }
    print("target (issue 5): 95th percentile under 50 ms on SQLite")
    (args.out / "trace.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

"""Lineage benchmark: traces over a synthetic graph of a million lots in eight stages, beside
the bare recursive walk they are built on, on SQLite and PostgreSQL.

Builds the graph straight into the projection tables of a fresh database (``lots``,
``lot_links`` and ``lot_origins``, as the ledger would leave them): stage 1 are mine lots; every
lot of a later stage is made from two or three lots of the stage before (merges), and every lot
feeds two or three of the next (splits). The origin vectors are computed stage by stage with the
functions the ledger uses; every lot gets three moves (created, shipped, received). Then, for a
sample of magnet lots (the last stage) and of mine lots, it times in turn the bare walk (every
lot id of the lineage, one recursive query) and the trace the API answers
(``services.traceability``: shares read from the vector, the first page of the lineage,
breadth-first, with the rows and inputs of its lots, and the lot's chain of custody upstream or
the page's exports and holders downstream), so that both are measured under the same load: the
walk reads the whole lineage, a trace page only the levels that fill the page. Prints the median
and 95th percentile of each, beside the targets of issue 14.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from random import Random
from typing import Any

from _postgres import server_url, temporary_database

from rareledger.domain.origins import (
    Ingredient,
    OriginVector,
    RootOrigin,
    mixed_vector,
    root_vector,
)
from rareledger.services import traceability
from rareledger.store import lineage, origins, schema
from rareledger.store.database import Database, insert_rows

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("ore", "concentrate", "mixed_compound", "oxide", "metal", "alloy", "scrap", "magnet")
COMPOSITION = {"Nd": Decimal("0.3"), "Dy": Decimal("0.02")}
COUNTRIES = ("CN", "MM", "AU", "US", "LA", "VN")
TARGETS_MS = {"upstream_of_magnets": 5.0, "downstream_of_mine_lots": 10.0}
CHUNK = 50_000


def _lot(lot_id: str, form: str, position: int) -> dict[str, Any]:
    return {
        "lot_id": lot_id,
        "form": form,
        "composition": json.dumps({k: str(v) for k, v in COMPOSITION.items()}),
        "creator": f"E{position % 500}",
        "event_id": f"ev-{lot_id}",
        "position": position,
        "created_g": 1_000_000,
        "consumed_g": 0,
        "exported_g": 0,
        "adjusted_g": 0,
        "discrepancy_g": 0,
        "retracted": False,
        "gap_causes": "",
    }


def _stage(
    stage: int, per_stage: int, total: int, rng: Random, before: list[OriginVector]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[OriginVector]]:
    """The lots, links and origin rows of one stage, and its vectors (for the next stage)."""
    lots, links, rows, made = [], [], [], []
    for n in range(per_stage):
        lot_id = f"S{stage}-{n}"
        lots.append(_lot(lot_id, STAGES[stage], total + n))
        if stage == 0:
            root = RootOrigin("extraction", COUNTRIES[n % len(COUNTRIES)], f"MINE-{n % 300}")
            vector = root_vector(lot_id, COMPOSITION, root)
            rows.append({"lot_id": lot_id, "kind": root.kind, "country": root.country})
        else:
            event = {"event_id": f"ev-{lot_id}", "position": total + n}
            links.append({**event, "side": "out", "lot_id": lot_id, "mass_g": 1_000_000})
            parents = rng.sample(range(per_stage), rng.choice((2, 3)))
            parts = []
            for parent in parents:
                parent_id = f"S{stage - 1}-{parent}"
                links.append({**event, "side": "in", "lot_id": parent_id, "mass_g": 500_000})
                parts.append((Ingredient(parent_id, 500_000, COMPOSITION), before[parent]))
            vector = mixed_vector(COMPOSITION, parts)
            rows.append({"lot_id": lot_id, "kind": None, "country": None})
        rows[-1].update(mine=None, shares=origins.encode(vector))
        made.append(vector)
    return lots, links, rows, made


def build(database: Database, per_stage: int, seed: int) -> int:
    rng = Random(seed)
    total = 0
    before: list[OriginVector] = []
    for stage, form in enumerate(STAGES):
        lots, links, rows, before = _stage(stage, per_stage, total, rng, before)
        with database.write() as connection:
            for table, values in ((schema.lots, lots), (schema.lot_links, links)):
                for start in range(0, len(values), CHUNK):
                    insert_rows(connection, table, values[start : start + CHUNK])
            for start in range(0, len(rows), CHUNK):
                insert_rows(connection, schema.lot_origins, rows[start : start + CHUNK])
        total += per_stage
        print(f"  stage {stage + 1} ({form}): {per_stage} lots, {len(links)} links", flush=True)
    add_custody(database)
    if database.url.startswith("postgresql"):  # as autovacuum would; rareledger never runs
        with database.write() as connection:  # ANALYZE on SQLite (see bench/README.md)
            connection.exec_driver_sql("ANALYZE")
    return total


# Each lot's chain of custody, as a lot usually has one: created by its maker, shipped to a
# buyer, received by it (three moves a lot).
_CUSTODY = """
INSERT INTO lot_movements
    (lot_id, event_id, kind, from_holder, to_holder, mass_g, position, occurred_at)
SELECT lot_id, event_id, 'created', NULL, creator, created_g, position, '2025-03-01T08:00:00Z'
FROM lots
UNION ALL
SELECT lot_id, 'sh-' || lot_id, 'shipped', creator, 'B' || creator, created_g, position,
    '2025-03-02T08:00:00Z'
FROM lots
UNION ALL
SELECT lot_id, 'rc-' || lot_id, 'received', creator, 'B' || creator, created_g, position,
    '2025-03-04T08:00:00Z'
FROM lots
"""


def add_custody(database: Database) -> None:
    """Three moves of every lot (a graph of an earlier run, built without them, gets them)."""
    with database.write() as connection:
        if connection.exec_driver_sql("SELECT 1 FROM lot_movements LIMIT 1").first() is None:
            started = time.perf_counter()
            connection.exec_driver_sql(_CUSTODY)
            print(f"  custody: 3 moves a lot, in {time.perf_counter() - started:.0f} s", flush=True)


def bare_walk(direction: str) -> Callable[[Database, str], int]:
    def run(database: Database, lot_id: str) -> int:
        with database.read() as connection:
            return len(lineage.walk(connection, lot_id, direction))

    return run


def traces(limit: int) -> dict[str, Callable[[Database, str], int]]:
    """The API's traces with pages of ``limit`` lots (upstream: with the lot's custody)."""

    def up(database: Database, lot_id: str) -> int:
        found = traceability.trace_up(database, lot_id, limit=limit)
        assert found["origins"] and found["other_origins"] and found["custody"], lot_id
        return len(found["lots"])

    def down(database: Database, lot_id: str) -> int:
        return len(traceability.trace_down(database, lot_id, limit=limit)["lots"])

    return {"up": up, "down": down}


def paired(
    database: Database,
    lots: list[str],
    walk: Callable[[Database, str], int],
    trace: Callable[[Database, str], int],
) -> dict[str, tuple[list[float], list[float], list[int]]]:
    """Each lot's bare walk, then its trace, one after the other (same load for both)."""
    found: dict[str, tuple[list[float], list[float], list[int]]] = {
        "walk": ([], [], []),
        "trace": ([], [], []),
    }
    for lot in lots:
        for name, fn in (("walk", walk), ("trace", trace)):
            started, cpu = time.perf_counter(), time.process_time()
            size = fn(database, lot)
            found[name][0].append((time.perf_counter() - started) * 1000)
            found[name][1].append((time.process_time() - cpu) * 1000)
            found[name][2].append(size)
    return found


def summary(name: str, times: list[float], cpu: list[float], sizes: list[int]) -> dict[str, float]:
    """Wall time, and this process's CPU time (on a loaded machine, the wall time includes
    waiting for a core; on SQLite, which runs in this process, the CPU time does not)."""
    figures = {
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(statistics.quantiles(times, n=20)[-1], 2),
        "cpu_median_ms": round(statistics.median(cpu), 2),
        "cpu_p95_ms": round(statistics.quantiles(cpu, n=20)[-1], 2),
        "median_lots": statistics.median(sizes),  # in the lineage (walk), on the page (trace)
    }
    print(
        f"  {name:38s} median {figures['median_ms']:7.2f} ms   p95 {figures['p95_ms']:7.2f} ms"
        f"   (cpu {figures['cpu_median_ms']:.2f} / {figures['cpu_p95_ms']:.2f} ms)"
        f"   {figures['median_lots']:.0f} lots"
    )
    return figures


def measure(database: Database, args: argparse.Namespace) -> dict[str, Any]:
    rng = Random(args.seed + 1)
    magnets = [f"S7-{rng.randrange(args.per_stage)}" for _ in range(args.samples)]
    mines = [f"S0-{rng.randrange(args.per_stage)}" for _ in range(args.samples)]
    trace = traces(args.limit)
    for lot in magnets[:10] + mines[:10]:  # warm the caches, as a running service has them
        trace["up" if lot.startswith("S7") else "down"](database, lot)
    results: dict[str, Any] = {"page_limit": args.limit}
    print(f"  trace pages of {args.limit} lots")
    for key, lots, direction in (
        ("upstream_of_magnets", magnets, "up"),
        ("downstream_of_mine_lots", mines, "down"),
    ):
        runs = paired(database, lots, bare_walk(direction), trace[direction])
        label = key.replace("_", " ")
        results[key] = {
            "bare_walk": summary(f"bare walk, {label}", *runs["walk"]),
            "trace": summary(f"trace, {label}", *runs["trace"]),
        }
        walk_p95, trace_p95 = results[key]["bare_walk"]["p95_ms"], results[key]["trace"]["p95_ms"]
        print(
            f"  -> cpu p95: trace {results[key]['trace']['cpu_p95_ms']:.2f} ms, "
            f"bare walk {results[key]['bare_walk']['cpu_p95_ms']:.2f} ms"
        )
        print(
            f"  -> trace p95 {trace_p95:.2f} ms, target <= {TARGETS_MS[key]:.0f} ms "
            f"({'met' if trace_p95 <= TARGETS_MS[key] else 'NOT met'}); "
            f"{trace_p95 / walk_p95:.1f} x the bare walk"
        )
    return results


def _built(database: Database) -> int:
    with database.read() as connection:
        return int(connection.exec_driver_sql("SELECT COUNT(*) FROM lot_origins").scalar_one())


def run(url: str, args: argparse.Namespace, reuse: bool = False) -> dict[str, Any]:
    database = Database(url)
    database.initialise()
    try:
        started = time.perf_counter()
        if reuse and _built(database) == args.per_stage * len(STAGES):
            total, built_s = _built(database), None
            print(f"reusing the {total} lots already built in {url}")
            add_custody(database)
        else:
            total = build(database, args.per_stage, args.seed)
            built_s = round(time.perf_counter() - started)
            print(f"built {total} lots in {built_s} s")
        return {
            "lots": total,
            "built_s": built_s,
            **measure(database, args),
        }
    finally:
        database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-stage", type=int, default=130_000, help="lots per stage")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--limit",
        type=int,
        default=traceability.DEFAULT_LIMIT,
        help="lots on a trace page (default: the API's)",
    )
    parser.add_argument("--postgres-url", default=os.environ.get("RARELEDGER_BENCH_POSTGRES_URL"))
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument(
        "--reuse", action="store_true", help="measure again on the SQLite graph of a past run"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "trace")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.reuse:
        for stale in args.out.glob("trace.db*"):
            stale.unlink()
    results: dict[str, Any] = {"load_average_at_start": os.getloadavg()}
    print(f"SQLite (load average {results['load_average_at_start'][0]:.1f}):")
    results["sqlite"] = run(f"sqlite:///{args.out / 'trace.db'}", args, args.reuse)
    if not args.skip_postgres:
        server, note = server_url(args.postgres_url)
        if server is None:
            print(f"PostgreSQL skipped: {note}")
        else:
            with temporary_database(server) as url:
                print(f"PostgreSQL (load average {os.getloadavg()[0]:.1f}):")
                results["postgresql"] = run(url, args)
    results["load_average_at_end"] = os.getloadavg()
    print(f"load average at the end: {results['load_average_at_end'][0]:.1f}")
    name = "trace-sqlite" if args.skip_postgres else "trace"
    if args.limit != traceability.DEFAULT_LIMIT:
        name += f"-limit{args.limit}"
    (args.out / f"{name}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

"""Detection benchmark: every rule over a simulated national year, on SQLite and PostgreSQL.

Simulates a year at ``--scale`` (1.0 is about 1.3 million records), loads it once per backend
with ``rareledger load`` (kept for later runs: pass ``--fresh`` to start over), then times
``rareledger detect --full`` (the whole ledger folded and every rule run), an incremental
``rareledger detect`` straight after (nothing new to read), and a monthly cycle (a full run as of
30 November, then an incremental run as of 31 December, which reads December's entries), each
with its peak resident memory.
Targets (issue 14), on SQLite and PostgreSQL: the full run under 20 s, the incremental run a
month later under 5 s, each with a peak resident memory under 1 GiB. Results go to
DIR/detect.json; see bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from _postgres import server_url
from _run import load_tally, measure, save
from psycopg import sql

AS_OF = "2026-02-28"
FULL_TARGET_S = 20
MONTH_TARGET_S = 5
PEAK_TARGET_MIB = 1024
PG_NAME = "rareledger_bench_detect"


def simulated(work: Path, scale: float, seed: int, fresh: bool) -> Path:
    year = work / "year"
    if fresh or not (year / "ground_truth.jsonl").exists():
        shutil.rmtree(year, ignore_errors=True)
        took = measure(
            ["simulate", "--out", str(year), "--seed", str(seed), "--scale", str(scale)],
            "sqlite://",
        )
        print(f"simulated scale {scale} in {took.seconds:.0f} s")
    return year


def loaded(url: str, year: Path, marker: Path) -> dict[str, Any]:
    """Load the year unless this database already holds it; how long the load took."""
    if marker.exists():
        return {"load_seconds": float(marker.read_text() or 0), "reused": True}
    measure(["init"], url)
    files = sorted(str(p) for p in (year / "records").glob("*.jsonl"))
    took = measure(["load", "--json", *files], url)
    print(f"  loaded: {load_tally(took)}", flush=True)
    marker.write_text(f"{took.seconds:.1f}")
    return {"load_seconds": round(took.seconds, 1), "reused": False}


def run_detection(url: str, year: Path) -> dict[str, Any]:
    measure(["init"], url)  # a database loaded by an older version: bring its schema up to date
    partner = ["--partner-imports", str(year / "partner_imports.csv")]
    # A monthly cycle: judge the year to the end of November, then a month later.
    measure(["detect", "--full", "--as-of", "2025-11-30", *partner], url)
    month = measure(["detect", "--as-of", "2025-12-31", *partner], url)
    full = measure(["detect", "--full", "--as-of", AS_OF, *partner], url)
    again = measure(["detect", "--as-of", AS_OF, *partner], url)
    return {
        "month_later_seconds": round(month.seconds, 1),
        "month_later_peak_mib": round(month.peak_mib),
        "month_later_summary": month.stdout.strip(),
        "full_seconds": round(full.seconds, 1),
        "full_peak_mib": round(full.peak_mib),
        "full_summary": full.stdout.strip(),
        "incremental_seconds": round(again.seconds, 1),
        "incremental_peak_mib": round(again.peak_mib),
    }


def sqlite_backend(work: Path, year: Path, fresh: bool) -> dict[str, Any]:
    path = work / "ledger.db"
    marker = work / "sqlite.loaded"
    if fresh:
        path.unlink(missing_ok=True)
        marker.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    return {**loaded(url, year, marker), **run_detection(url, year)}


def postgres_backend(work: Path, year: Path, given: str | None, fresh: bool) -> dict[str, Any]:
    server, note = server_url(given)
    if server is None:
        return {"skipped": note}
    marker = work / "postgres.loaded"
    with psycopg.connect(server, autocommit=True) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (PG_NAME,)
        ).fetchone()
        if fresh or not exists or not marker.exists():
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(PG_NAME))
            )
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(PG_NAME)))
            marker.unlink(missing_ok=True)
    url = urlunsplit(urlsplit(server)._replace(path=f"/{PG_NAME}"))
    return {"server": note, **loaded(url, year, marker), **run_detection(url, year)}


def print_targets(backend: str, row: dict[str, Any], scale: float) -> None:
    """Each figure beside its target (issue 14: set for a national year, scale 1.0)."""
    peak = max(row["full_peak_mib"], row["month_later_peak_mib"], row["incremental_peak_mib"])
    checks = (
        ("full run", f"{row['full_seconds']:.1f} s", row["full_seconds"] < FULL_TARGET_S,
         f"< {FULL_TARGET_S} s"),
        ("a month later", f"{row['month_later_seconds']:.1f} s",
         row["month_later_seconds"] < MONTH_TARGET_S, f"< {MONTH_TARGET_S} s"),
        ("peak memory", f"{peak} MiB", peak < PEAK_TARGET_MIB, f"< {PEAK_TARGET_MIB} MiB"),
    )  # fmt: skip
    note = "" if scale == 1.0 else f" (measured at scale {scale}; the targets are for 1.0)"
    print(f"  targets on {backend}{note}:")
    for name, figure, ok, target in checks:
        print(f"    {name:14} {figure:>10}  target {target:>10}: {'met' if ok else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--dir", type=Path, default=Path("bench-results/detect"))
    parser.add_argument("--postgres-url", default=os.environ.get("RARELEDGER_BENCH_POSTGRES_URL"))
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--fresh", action="store_true", help="Simulate and load again.")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    year = simulated(args.dir, args.scale, args.seed, args.fresh)
    records = sum(1 for p in (year / "records").glob("*.jsonl") for _ in p.open())
    result: dict[str, Any] = {
        "scale": args.scale,
        "records": records,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    if not args.skip_sqlite:
        result["sqlite"] = sqlite_backend(args.dir, year, args.fresh)
    if not args.skip_postgres:
        result["postgres"] = postgres_backend(args.dir, year, args.postgres_url, args.fresh)
    print(f"detection over {records:,} records (scale {args.scale}), as of {AS_OF}")
    for backend in ("sqlite", "postgres"):
        row = result.get(backend)
        if not row or "skipped" in row:
            print(f"  {backend:9} skipped: {row and row['skipped']}")
            continue
        print(
            f"  {backend:9} full {row['full_seconds']:>6.1f} s, peak {row['full_peak_mib']} MiB; "
            f"incremental {row['incremental_seconds']:.1f} s, peak "
            f"{row['incremental_peak_mib']} MiB (load {row['load_seconds']} s)"
        )
        print(
            f"  {'':9} a month later, incremental: {row['month_later_seconds']:.1f} s, peak "
            f"{row['month_later_peak_mib']} MiB; {row['month_later_summary'][:60]}..."
        )
    for backend in ("sqlite", "postgres"):
        row = result.get(backend)
        if row and "skipped" not in row:
            print_targets(backend, row, args.scale)
    save(args.dir / "detect.json", result)


if __name__ == "__main__":
    main()

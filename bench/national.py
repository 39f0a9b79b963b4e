"""A national year on SQLite: load it, rebuild it, and the peak memory of each.

Simulates a year at scale 1.0 (about 1.3 million records; kept under ``--out`` for later
runs), loads it with ``rareledger load`` into a fresh SQLite database, then runs
``rareledger rebuild`` and ``rareledger verify``. Wall time and peak resident memory of each
command (the largest process: the loader or its validation worker), against the targets of
issue 11: rebuild under 3 minutes, load under 1 GiB.

    .venv/bin/python bench/national.py              # simulates first: allow an hour
    .venv/bin/python bench/national.py --scale 0.1  # a quick run (targets then indicative)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from _records import simulated_year
from _run import load_tally, measure

REBUILD_TARGET_S = 180
LOAD_MEMORY_TARGET_MIB = 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--out", type=Path, default=Path("bench/out/national"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    files = simulated_year(args.out / f"year-{args.scale}-seed{args.seed}", args.scale, args.seed)
    records = sum(1 for path in files for _ in path.open("rb"))
    database = args.out / "ledger.db"
    for path in args.out.glob("ledger.db*"):
        path.unlink()
    url = f"sqlite:///{database}"
    measure(["init"], url)
    print(f"loading {records:,} records ...", flush=True)
    load = measure(["load", "--batch-size", "5000", *map(str, files)], url, check=False)
    print(f"  {load_tally(load)}", flush=True)
    print("rebuilding ...", flush=True)
    rebuild = measure(["rebuild"], url)
    verify = measure(["verify"], url, check=False)
    figures = {
        "scale": args.scale,
        "records": records,
        "load": {
            "seconds": round(load.seconds, 1),
            "records_per_s": round(records / load.seconds),
            "peak_mib": round(load.peak_mib),
        },
        "rebuild": {"seconds": round(rebuild.seconds, 1), "peak_mib": round(rebuild.peak_mib)},
        "verify": {"seconds": round(verify.seconds, 1), "answer": verify.stdout.strip()},
        "database_mib": round(database.stat().st_size / 2**20),
        "load_average": os.getloadavg(),
    }
    (args.out / "national.json").write_text(json.dumps(figures, indent=2) + "\n")
    rebuilt, peak = figures["rebuild"]["seconds"], figures["load"]["peak_mib"]
    small = "met" if peak < LOAD_MEMORY_TARGET_MIB else "NOT met"
    print(
        f"load {records:,} records: {figures['load']['seconds']} s "
        f"({figures['load']['records_per_s']:,}/s), peak {peak} MiB "
        f"(target < {LOAD_MEMORY_TARGET_MIB} MiB: {small})"
    )
    print(
        f"rebuild: {rebuilt} s, peak {figures['rebuild']['peak_mib']} MiB "
        f"(target < {REBUILD_TARGET_S} s: {'met' if rebuilt < REBUILD_TARGET_S else 'NOT met'})"
    )
    print(
        f"verify: {figures['verify']['answer']} ({figures['verify']['seconds']} s); "
        f"database {figures['database_mib']} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

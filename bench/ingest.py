"""Ingest benchmark: ``rareledger load`` against plain inserts of the same lines, same run.

The records are the first N of a simulated national year (``bench/_records.py``). On each
backend it measures

* ``rareledger load --batch-size 5000`` into a fresh, initialised database, as a subprocess:
  wall time with process start-up, and peak memory;
* the rate per quarter of the file (the same load path, timed batch by batch in a driver
  process), to show whether the rate falls as the ledger grows;
* the plain-insert limit for the same lines: Python's sqlite3 ``executemany`` into a table
  shaped like the ledger (JSON parsed for the text columns, nothing checked), and psycopg
  ``COPY`` on PostgreSQL; best of three.

Run ``python bench/ingest.py --help``. Results go to ``OUT/ingest.json``; see bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
from _postgres import server_url, temporary_database
from _records import mix, simulated_records
from _run import RARELEDGER, measure

BATCH = 5000
TARGETS = {"sqlite": 0.25, "postgresql": 0.20}  # share of the plain-insert (COPY) rate
QUARTER_SPREAD = 0.15  # first and last quarter within 15 %
PLAIN_REPEATS = 3
QUARTERS = """
import sys, time, json
from rareledger.domain.actors import Actor
from rareledger.services import collector, loading
from rareledger.services.reporting import Recorder
from rareledger.store.database import Database
url, path, batch = sys.argv[1], sys.argv[2], int(sys.argv[3])
recorder = Recorder(Database(url), Actor("cli:operator"), allow_recorded_at=True)
marks = []
def mark(answers):
    marks.append((time.perf_counter(), len(answers)))
started = time.perf_counter()
with open(path, "rb") as stream, collector.paused():
    for _ in loading.load_stream(recorder, stream, batch, on_batch=mark):
        pass
print(json.dumps({"started": started, "marks": marks}))
"""


def rareledger_load(url: str, records: Path, empty: Path) -> dict[str, Any]:
    """Initialise, then time ``rareledger load`` of the records and of an empty file."""
    measure(["init"], url)
    run = measure(["load", "--batch-size", str(BATCH), str(records)], url, check=False)
    if "rejected 0" not in run.stdout and "rejected" in run.stdout:
        print("  note: " + run.stdout.splitlines()[0])
    startup = measure(["load", str(empty)], url)
    n = sum(1 for _ in records.open("rb"))
    return {
        "records": n,
        "seconds": round(run.seconds, 3),
        "records_per_s": round(n / run.seconds),
        "startup_s": round(startup.seconds, 3),
        "peak_mib": round(run.peak_mib, 1),
        "summary": run.stdout.strip().splitlines()[:2],
    }


def quarter_rates(url: str, records: Path) -> list[int]:
    """Records per second in each quarter of the file, by the same load path."""
    measure(["init"], url)
    done = subprocess.run(
        [sys.executable, "-c", QUARTERS, url, str(records), str(BATCH)],
        capture_output=True,
        text=True,
        check=True,
    )
    timing = json.loads(done.stdout.strip().splitlines()[-1])
    total = sum(n for _, n in timing["marks"])
    rates: list[int] = []
    last_time, last_count, count = timing["started"], 0, 0
    for moment, n in timing["marks"]:
        count += n
        if count >= total * (len(rates) + 1) / 4:
            rates.append(round((count - last_count) / (moment - last_time)))
            last_time, last_count = moment, count
    return rates


def ledger_rows(path: Path) -> Iterator[list[tuple[Any, ...]]]:
    """The lines as rows of the plain table, 5000 at a time (JSON parsed, nothing checked)."""
    rows: list[tuple[Any, ...]] = []
    with path.open(encoding="utf-8") as stream:
        for position, line in enumerate(stream, start=1):
            record = json.loads(line)
            rows.append(
                (
                    position,
                    record["type"],
                    record.get("event_id"),
                    record.get("reporter"),
                    record.get("occurred_at"),
                    record.get("recorded_at"),
                    line.rstrip("\n"),
                )
            )
            if len(rows) == BATCH:
                yield rows
                rows = []
    if rows:
        yield rows


PLAIN_TABLE = (
    "CREATE TABLE plain_entries (position BIGINT PRIMARY KEY, type TEXT, event_id TEXT, "
    "reporter TEXT, occurred_at TEXT, recorded_at TEXT, record TEXT NOT NULL)"
)


def plain_sqlite(path: Path, records: Path) -> float:
    """Seconds to insert the lines with sqlite3 (fresh file, the project's pragmas)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(PLAIN_TABLE)
    started = time.perf_counter()
    for rows in ledger_rows(records):
        connection.execute("BEGIN")
        connection.executemany("INSERT INTO plain_entries VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        connection.execute("COMMIT")
    seconds = time.perf_counter() - started
    connection.close()
    return seconds


def plain_postgres(url: str, records: Path) -> float:
    """Seconds to COPY the lines into a fresh table, one COPY and commit per 5000."""
    with psycopg.connect(url) as connection:
        connection.execute("DROP TABLE IF EXISTS plain_entries")
        connection.execute(PLAIN_TABLE)
        connection.commit()
        started = time.perf_counter()
        for rows in ledger_rows(records):
            with (
                connection.cursor() as cursor,
                cursor.copy("COPY plain_entries FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            connection.commit()
        return time.perf_counter() - started


def backend(name: str, url: str, records: Path, work: Path) -> dict[str, Any]:
    empty = work / "empty.jsonl"
    empty.write_text("")
    print(f"{name}: rareledger load", flush=True)
    if name == "sqlite":
        ledger = rareledger_load(url, records, empty)
        quarters = quarter_rates(f"sqlite:///{work / 'quarters.db'}", records)
        plain_runs = [plain_sqlite(work / "plain.db", records) for _ in range(PLAIN_REPEATS)]
    else:
        with temporary_database(url) as database:
            ledger = rareledger_load(database, records, empty)
        with temporary_database(url) as database:
            quarters = quarter_rates(database, records)
        with temporary_database(url) as database:
            plain_runs = [plain_postgres(database, records) for _ in range(PLAIN_REPEATS)]
    plain = round(ledger["records"] / min(plain_runs))
    return {
        "rareledger": ledger,
        "quarter_records_per_s": quarters,
        "plain_rows_per_s": plain,
        "plain_runs_rows_per_s": [round(ledger["records"] / s) for s in plain_runs],
        "plain_method": "sqlite3 executemany" if name == "sqlite" else "psycopg COPY",
        "ratio": round(ledger["records_per_s"] / plain, 4),
    }


def print_table(results: dict[str, Any]) -> None:
    print()
    for name, figures in results.items():
        if "skipped" in figures:
            print(f"{name}: skipped ({figures['skipped']})")
            continue
        led, quarters = figures["rareledger"], figures["quarter_records_per_s"]
        spread = (quarters[0] - quarters[-1]) / quarters[0] if quarters else 0.0
        print(
            f"{name}: rareledger load {led['records']:,} records in {led['seconds']} s = "
            f"{led['records_per_s']:,}/s (start-up {led['startup_s']} s, peak "
            f"{led['peak_mib']} MiB); plain {figures['plain_method']} "
            f"{figures['plain_rows_per_s']:,} rows/s"
        )
        target = TARGETS[name]
        print(
            f"  ratio {figures['ratio'] * 100:.1f} % (target >= {target * 100:.0f} %: "
            f"{'met' if figures['ratio'] >= target else 'NOT met'})"
        )
        steady = "met" if abs(spread) <= QUARTER_SPREAD else "NOT met"
        print(
            f"  by quarter {', '.join(f'{q:,}' for q in quarters)} records/s: last quarter "
            f"{-spread * 100:+.1f} % against the first (target within "
            f"{QUARTER_SPREAD * 100:.0f} %: {steady})"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000, help="records to load (N)")
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--postgres-url", default=os.environ.get("RARELEDGER_BENCH_POSTGRES_URL"))
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    records = simulated_records(args.out, args.events, args.seed)
    print(f"records: {records} ({mix(records)})")
    results: dict[str, Any] = {}
    work = args.out / "ingest"
    work.mkdir(exist_ok=True)
    for path in work.glob("*.db*"):
        path.unlink()
    results["sqlite"] = backend("sqlite", f"sqlite:///{work / 'ledger.db'}", records, work)
    url, note = (None, "--skip-postgres") if args.skip_postgres else server_url(args.postgres_url)
    if url is None:
        results["postgresql"] = {"skipped": note}
    else:
        results["postgresql"] = backend("postgresql", url, records, work)
    print_table(results)
    report = {
        "records": args.events,
        "seed": args.seed,
        "batch_size": BATCH,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average": os.getloadavg(),
        },
        "rareledger": str(RARELEDGER),
        "results": results,
    }
    (args.out / "ingest.json").write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

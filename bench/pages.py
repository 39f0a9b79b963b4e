"""Pages benchmark: every page and its JSON and CSV twins over a simulated national year.

Simulates a year at ``--scale`` (1.0 is a national year, about 1.3 million records), loads it
into SQLite with ``rareledger load`` and runs detection once (all kept under ``--dir`` for
later runs; ``--fresh`` starts over). Then, in one process, signed in as the regulator (and,
for their pages, as an exporter's clerk and a customs officer), it opens every page and twin
``--runs`` times through the application (an in-process HTTP client, so the figures are the
application's own time: routing, the service, the database, rendering) and prints the median
and the 95th percentile of each against the target (95th percentile under 300 ms).

It also times the national figures' first fold of the whole ledger and a refresh with nothing
new (what every page pays before reading the figures).

    .venv/bin/python bench/pages.py                   # national year: simulates and loads first
    .venv/bin/python bench/pages.py --scale 0.05      # a quicker, smaller year
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _run import ROOT, load_tally, measure, save

TARGET_MS = 300.0
PASSWORD = "bench password!"


def prepared(work: Path, scale: float, seed: int, fresh: bool) -> str:
    """The URL of a database holding the simulated year and its alerts."""
    year, database = work / "year", work / "ledger.db"
    marker = work / "loaded"
    if fresh:
        for path in (marker, *work.glob("ledger.db*")):
            path.unlink(missing_ok=True)
    url = f"sqlite:///{database}"
    if not (year / "ground_truth.jsonl").exists() or fresh:
        took = measure(
            ["simulate", "--out", str(year), "--seed", str(seed), "--scale", str(scale)], url
        )
        print(f"simulated scale {scale} in {took.seconds:.0f} s", flush=True)
    if not marker.exists():
        measure(["init"], url)
        files = sorted(str(p) for p in (year / "records").glob("*.jsonl"))
        took = measure(["load", *files], url)
        print(
            f"loaded in {took.seconds:.0f} s, peak {took.peak_mib:.0f} MiB: {load_tally(took)}",
            flush=True,
        )
        detected = measure(
            ["detect", "--full", "--partner-imports", str(year / "partner_imports.csv")], url
        )
        print(
            f"detection in {detected.seconds:.0f} s, peak {detected.peak_mib:.0f} MiB", flush=True
        )
        marker.write_text(f"{took.seconds:.0f}\n")
    measure(["init"], url)  # a database loaded by an older version: bring its schema up to date
    return url


def _people(database: Any) -> dict[str, str]:
    from rareledger.services import accounts, directory, holdings

    known = directory.directory(database)
    exporter = next(
        e.id
        for e in known.enterprises.values()
        if "exporter" in e.roles and holdings.enterprise_balance(database, e.id)["lots"]
    )
    present = {a.username for a in accounts.list_users(database)}
    for username, role, enterprise in (
        ("bench-regulator", "regulator", None),
        ("bench-customs", "customs", None),
        ("bench-exporter", "enterprise", exporter),
    ):
        if username not in present:
            accounts.create_user(database, username, PASSWORD, role, enterprise)
    return {"exporter": exporter}


def _client(app: Any, username: str) -> Any:
    import re

    from fastapi.testclient import TestClient

    client = TestClient(app, base_url="https://bench")
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token is not None
    client.post(
        "/login", data={"csrf_token": token.group(1), "username": username, "password": PASSWORD}
    )
    return client


def _targets(database: Any, exporter: str) -> dict[str, list[str]]:
    from rareledger.domain.access import Principal
    from rareledger.services import casework, holdings, issued, licensing

    alert = casework.list_alerts(database)[0]["alert_id"]
    lot = holdings.enterprise_balance(database, exporter)["lots"][0]["lot_id"]
    regulator = Principal("user:bench-regulator", "regulator")
    application = licensing.applications(database, regulator)[0]["application_id"]
    found = issued.issued_by(database, exporter)
    passport = found[0]["passport_id"] if found else None

    def twins(address: str) -> list[str]:
        path, _, query = address.partition("?")
        tail = f"?{query}" if query else ""
        return [address, f"{path}.json{tail}", f"{path}.csv{tail}"]

    regulator_pages = [
        *twins("/overview"),
        *twins("/figures/national"),
        *twins("/flows"),
        *twins("/map"),
        *twins("/licence-applications"),
        *twins(f"/licence-applications/{application}"),
        *twins("/licences"),
        *twins("/alerts"),
        *twins(f"/alerts/{alert}"),
        *twins("/enterprises"),
        "/enterprises?q=Baotou",
        *twins(f"/enterprises/{exporter}"),
        *twins(f"/lots/{lot}"),
        *twins("/findings"),
        *twins("/reports"),
        "/reports/monthly.xlsx?month=2025-06",
        "/reports/annual.xlsx?year=2025",
        "/customs",
        "/api/docs",
        "/api/redoc",
    ]
    exporter_pages = [
        *twins("/portal"),
        "/report",
        "/report/shipment",
        *twins("/stock"),
        *twins("/clients?q=Ning"),
        "/upload",
        *twins("/passports"),
        *twins("/licence-applications"),
        "/licence-applications/new",
        *twins("/findings"),
    ]
    public = twins(f"/passports/{passport}") if passport else []
    return {"bench-regulator": regulator_pages, "bench-exporter": exporter_pages, "public": public}


def timings(client: Any, path: str, runs: int) -> dict[str, Any]:
    client.get(path)  # warm: caches, compiled templates
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        answer = client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise SystemExit(f"{path}: {answer.status_code} {answer.text[:300]}")
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return {
        "path": path,
        "median_ms": round(statistics.median(samples), 1),
        "p95_ms": round(p95, 1),
    }


def run(url: str, runs: int) -> dict[str, Any]:
    from rareledger.config import Settings
    from rareledger.services import figures, issued, passports
    from rareledger.store.database import Database
    from rareledger.web.app import create_app, prepare_to_serve

    database = Database(url)
    started = time.perf_counter()
    figures.recount(database)
    fold_s = time.perf_counter() - started
    started = time.perf_counter()
    figures.refresh(database)
    refresh_ms = (time.perf_counter() - started) * 1000
    people = _people(database)
    passphrase = "bench passphrase for keys"
    if not passports.list_keys(database):
        passports.create_key(database, passphrase)
    if not issued.issued_by(database, people["exporter"]):
        from rareledger.services import holdings

        lot = holdings.enterprise_balance(database, people["exporter"])["lots"][0]["lot_id"]
        passports.issue(database, lot, passphrase=passphrase, issued_by=people["exporter"])
    settings = Settings(
        database_url=url, secret_key=secrets.token_urlsafe(32), key_passphrase=passphrase
    )
    app = create_app(settings, database)
    prepare_to_serve(database)  # as `rareledger serve` does before its first request
    rows = []
    for who, paths in _targets(database, people["exporter"]).items():
        client = _client(app, who) if who != "public" else _client(app, "nobody")
        for path in paths:
            row = {"who": who, **timings(client, path, runs)}
            rows.append(row)
            shown = f"{row['path'][:60]:60} {row['median_ms']:8.1f} {row['p95_ms']:8.1f}"
            print(f"{who:16} {shown}", flush=True)
    head = database.engine.connect().exec_driver_sql("SELECT position FROM ledger_head").scalar()
    return {
        "entries": head,
        "first_fold_s": round(fold_s, 1),
        "refresh_nothing_new_ms": round(refresh_ms, 1),
        "pages": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=ROOT / "bench" / "out" / "pages")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--fresh", action="store_true", help="Simulate and load again.")
    parser.add_argument("--prepare-only", action="store_true", help="Simulate and load, no more.")
    args = parser.parse_args()
    work = args.dir / f"scale-{args.scale}"
    work.mkdir(parents=True, exist_ok=True)
    url = prepared(work, args.scale, args.seed, args.fresh)
    if args.prepare_only:
        return
    result = {"scale": args.scale, "seed": args.seed, "runs": args.runs, **run(url, args.runs)}
    over = [r for r in result["pages"] if r["p95_ms"] >= TARGET_MS]
    print(
        f"\n{result['entries']} ledger entries; first fold of the figures "
        f"{result['first_fold_s']} s; refresh with nothing new "
        f"{result['refresh_nothing_new_ms']} ms"
    )
    print(
        f"{len(result['pages'])} pages and twins; {len(over)} with a 95th percentile "
        f"over {TARGET_MS:.0f} ms"
    )
    for row in over:
        print(f"  over target: {row['who']} {row['path']} p95 {row['p95_ms']} ms")
    save(work / "pages.json", result)


if __name__ == "__main__":
    main()

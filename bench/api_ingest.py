"""API ingest benchmark: the HTTP service on loopback against ``rareledger load``.

Takes the same records as ``bench/ingest.py`` (a prefix of a simulated year), starts
``rareledger serve`` on 127.0.0.1 over a fresh SQLite database, and sends the events as the
regulator in batches of 1,000 (``POST /api/v1/events``) over one keep-alive connection. In the
same run it loads the same events with ``rareledger load`` into another fresh database.
Events carry no ``recorded_at`` (the API sets it from the server clock), so both paths judge
the same records. Prints events per second for each; writes ``DIR/api_ingest.json``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _records import simulated_records
from _run import RARELEDGER, ROOT

MASTER_TYPES = ("enterprise", "facility", "quota")


def cli(url: str, *args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run the command line against a database: (wall seconds, the finished process)."""
    started = time.perf_counter()
    result = subprocess.run(
        [str(RARELEDGER), "--db", url, *args], capture_output=True, text=True, check=False
    )
    return time.perf_counter() - started, result


def _split(records: Path, out: Path) -> tuple[Path, Path]:
    """The master data (loaded by the operator) and the rest (sent through the API)."""
    master, rest = out / "master.jsonl", out / "events.jsonl"
    with records.open() as source, master.open("w") as first, rest.open("w") as second:
        for line in source:
            target = first if json.loads(line)["type"] in MASTER_TYPES else second
            target.write(line)
    return master, rest


BATCH = 1000


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _strip_recorded_at(source: Path, target: Path) -> list[dict[str, Any]]:
    events = []
    with source.open(encoding="utf-8") as stream, target.open("w", encoding="utf-8") as out:
        for line in stream:
            record = json.loads(line)
            record.pop("recorded_at", None)
            if isinstance(record.get("replacement"), dict):
                record["replacement"].pop("recorded_at", None)
            events.append(record)
            out.write(json.dumps(record) + "\n")
    return events


def _fresh(url: str, master: Path) -> None:
    for args in (("init",), ("load", str(master))):
        _seconds, result = cli(url, *args)
        if result.returncode != 0:
            raise SystemExit(f"rareledger {' '.join(args)} failed: {result.stderr[-2000:]}")


def _regulator_key(url: str) -> str:
    _seconds, result = cli(url, "apikey", "create", "--role", "regulator", "--name", "bench")
    return result.stdout.strip().splitlines()[-1]


def _serve(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "RARELEDGER_SECRET_KEY": secrets.token_urlsafe(48),
        "RARELEDGER_RATE_LIMIT": "1000000/minute",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "rareledger", "--db", url, "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/api/v1/health")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the service did not start")


def _send(port: int, key: str, events: list[dict[str, Any]]) -> tuple[float, dict[str, int]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    statuses: dict[str, int] = {}
    started = time.perf_counter()
    for start in range(0, len(events), BATCH):
        body = json.dumps({"events": events[start : start + BATCH]})
        connection.request("POST", "/api/v1/events", body=body, headers=headers)
        response = connection.getresponse()
        answer = json.loads(response.read())
        if response.status != 200:
            raise SystemExit(f"HTTP {response.status}: {answer}")
        for receipt in answer["receipts"]:
            statuses[receipt["status"]] = statuses.get(receipt["status"], 0) + 1
    return time.perf_counter() - started, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "api")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    master, rest = _split(simulated_records(args.out, args.events, args.seed), args.out)
    events = _strip_recorded_at(rest, args.out / "events-api.jsonl")
    api_url, cli_url = (f"sqlite:///{args.out / name}" for name in ("api.db", "cli.db"))
    for path in args.out.glob("*.db*"):
        path.unlink()
    _fresh(api_url, master)
    _fresh(cli_url, master)
    key, port = _regulator_key(api_url), _free_port()
    server = _serve(api_url, port)
    try:
        api_seconds, statuses = _send(port, key, events)
    finally:
        server.terminate()
        server.wait(timeout=30)
    cli_seconds, result = cli(
        cli_url, "load", "--batch-size", str(BATCH), str(args.out / "events-api.jsonl")
    )
    figures = {
        "events": len(events),
        "batch": BATCH,
        "api_statuses": statuses,
        "api_seconds": round(api_seconds, 2),
        "api_events_per_s": round(len(events) / api_seconds),
        "cli_seconds": round(cli_seconds, 2),
        "cli_events_per_s": round(len(events) / cli_seconds),
        "cli_summary": result.stdout.splitlines()[0] if result.stdout else result.stderr[-500:],
    }
    (args.out / "api_ingest.json").write_text(json.dumps(figures, indent=2))
    print(f"events: {len(events)} in batches of {BATCH}; API receipts: {statuses}")
    print(
        f"API  (POST /api/v1/events, loopback): {figures['api_events_per_s']:>8} events/s "
        f"({figures['api_seconds']} s)"
    )
    print(
        f"CLI  (rareledger load):               {figures['cli_events_per_s']:>8} events/s "
        f"({figures['cli_seconds']} s, process start-up included)"
    )
    print(f"API / CLI: {figures['api_events_per_s'] / figures['cli_events_per_s']:.0%}")


if __name__ == "__main__":
    main()

"""EPCIS capture benchmark: POST /epcis/capture against the native POST /api/v1/events.

Takes the first N records of a simulated year (``bench/_records.py``), serves each path
from ``rareledger serve`` on 127.0.0.1 over its own fresh SQLite database, and sends the same
events as the regulator: as native JSON in batches of 1,000, and as EPCIS 2.0 JSON-LD
documents (the same events mapped by ``formats/epcis/export.py``) of about 1,000 events with
``GS1-Capture-Error-Behaviour: proceed`` (each event judged on its own, like a native batch).
Records that are not events (licence applications and decisions) have no EPCIS form: both
runs load them with the master data first, so that both judge the same events alike.
Prints events per second for each and the ratio; the target is EPCIS at least half the native
rate. Writes ``DIR/epcis.json``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _records import simulated_records
from _run import ROOT
from api_ingest import (
    BATCH,
    _free_port,
    _fresh,
    _regulator_key,
    _send,
    _serve,
    _split,
    _strip_recorded_at,
)

from rareledger.formats.epcis.export import to_epcis
from rareledger.formats.epcis.index import RL_CONTEXT

TARGET = 0.5  # EPCIS capture at least half the native rate


def _chunks(records: list[dict[str, Any]]) -> tuple[list[tuple[str, Any]], int]:
    """The stream as EPCIS documents of about BATCH events (a correction's events together)
    and, in their place, native batches of the records that are not events."""
    known: dict[str, dict[str, Any]] = {}
    chunks: list[tuple[str, Any]] = []
    batch: list[dict[str, Any]] = []
    count = 0
    for raw in records:
        record = json.loads(json.dumps(raw), parse_float=Decimal)
        if "event_id" not in record:
            if batch:
                chunks.append(("epcis", _document(batch)))
                batch = []
            chunks.append(("native", [raw]))
            continue
        mapped = to_epcis(record, lookup=known.__getitem__)
        known[record["event_id"]] = record
        if isinstance(record.get("replacement"), dict):
            known[record["replacement"]["event_id"]] = record["replacement"]
        batch.extend(mapped)
        count += len(mapped)
        if len(batch) >= BATCH:
            chunks.append(("epcis", _document(batch)))
            batch = []
    if batch:
        chunks.append(("epcis", _document(batch)))
    return chunks, count


def _with_other_records(master: Path, rest: Path) -> Path:
    """The master data plus every other record that is not an event; ``rest`` keeps the
    events."""
    lines = rest.read_text().splitlines()
    events = [line for line in lines if '"event_id"' in line]
    others = [line for line in lines if '"event_id"' not in line]
    combined = master.with_name("master-and-licences.jsonl")
    combined.write_text(master.read_text() + "".join(f"{line}\n" for line in others))
    rest.write_text("".join(f"{line}\n" for line in events))
    return combined


def _document(events: list[dict[str, Any]]) -> bytes:
    body = {
        "@context": RL_CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-01-01T00:00:00Z",
        "epcisBody": {"eventList": events},
    }
    return json.dumps(body).encode()


def _capture(port: int, key: str, chunks: list[tuple[str, Any]]) -> tuple[float, dict[str, int]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    headers = {
        "Authorization": f"Bearer {key}",
        "Content-Type": "application/ld+json",
        "GS1-Capture-Error-Behaviour": "proceed",
    }
    outcomes: dict[str, int] = {}
    started = time.perf_counter()
    for kind, body in chunks:
        if kind == "native":
            _send(port, key, body)
            continue
        connection.request("POST", "/epcis/capture", body=body, headers=headers)
        response = connection.getresponse()
        job = json.loads(response.read())
        if response.status != 202:
            raise SystemExit(f"HTTP {response.status}: {job}")
        for error in job["errors"]:
            kind = error["errors"][0]["code"] if error["errors"] else "error"
            outcomes[kind] = outcomes.get(kind, 0) + 1
    return time.perf_counter() - started, outcomes


def _run(out: Path, name: str, master: Path, send: Any) -> tuple[float, Any]:
    url = f"sqlite:///{out / f'{name}.db'}"
    _fresh(url, master)
    key, port = _regulator_key(url), _free_port()
    server = _serve(url, port)
    try:
        return send(port, key)  # type: ignore[no-any-return]
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "epcis")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for path in args.out.glob("*.db*"):
        path.unlink()
    master, rest = _split(simulated_records(args.out, args.events, args.seed), args.out)
    master = _with_other_records(master, rest)
    events = _strip_recorded_at(rest, args.out / "events-api.jsonl")
    chunks, epcis_events = _chunks(events)
    native_s, receipts = _run(
        args.out, "native", master, lambda port, key: _send(port, key, events)
    )
    epcis_s, refused = _run(
        args.out, "epcis", master, lambda port, key: _capture(port, key, chunks)
    )
    native_rate, epcis_rate = len(events) / native_s, epcis_events / epcis_s
    figures = {
        "records": len(events),
        "epcis_events": epcis_events,
        "native_receipts": receipts,
        "epcis_not_captured": refused,
        "native_seconds": round(native_s, 2),
        "native_events_per_s": round(native_rate),
        "epcis_seconds": round(epcis_s, 2),
        "epcis_events_per_s": round(epcis_rate),
        "ratio": round(epcis_rate / native_rate, 2),
        "target_ratio": TARGET,
    }
    (args.out / "epcis.json").write_text(json.dumps(figures, indent=2))
    print(f"records: {len(events)} ({epcis_events} EPCIS events); native receipts: {receipts}")
    print(f"EPCIS events not captured: {refused or 'none'}")
    native, epcis = figures["native_events_per_s"], figures["epcis_events_per_s"]
    print(f"native (POST /api/v1/events):   {native:>7} events/s ({native_s:.1f} s)")
    print(f"EPCIS  (POST /epcis/capture):   {epcis:>7} events/s ({epcis_s:.1f} s)")
    verdict = "met" if figures["ratio"] >= TARGET else "NOT met"
    print(f"EPCIS / native: {figures['ratio']:.2f} (target >= {TARGET}: {verdict})")


if __name__ == "__main__":
    main()

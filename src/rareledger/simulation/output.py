"""Writing the simulated year: DIR/records/*.jsonl in reporting order, DIR/ground_truth.jsonl."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from rareledger.simulation.model import CST, Journal, Record, stamp
from rareledger.simulation.violations import Case

MASTER_FILE = "00-master.jsonl"
GROUND_TRUTH = "ground_truth.jsonl"


def dumps(record: Record) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def _write(path: Path, records: Iterable[Record]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as stream:
        for record in records:
            stream.write(dumps(record) + "\n")


def write(
    out: Path, master: list[Record], journal: Journal, cases: list[Case], year: int
) -> list[Path]:
    """Write every file; returns the record files in load (name) order, then the ground truth."""
    records_dir = out / "records"
    records_dir.mkdir(parents=True, exist_ok=True)
    for stale in records_dir.glob("*.jsonl"):
        stale.unlink()
    registered = stamp(datetime(year - 1, 11, 1, 9, 0, tzinfo=CST))
    master_path = records_dir / MASTER_FILE
    _write(master_path, ({**r, "recorded_at": registered} for r in master))
    months: dict[str, list[Record]] = {}
    for entry in sorted(journal.entries):
        month = entry.recorded.astimezone(CST).strftime("%Y-%m")
        months.setdefault(month, []).append(entry.record)
    paths = [master_path]
    for month, records in sorted(months.items()):
        path = records_dir / f"{month}.jsonl"
        _write(path, records)
        paths.append(path)
    truth = out / GROUND_TRUTH
    _write(truth, (case.as_record() for case in cases))
    return [*paths, truth]

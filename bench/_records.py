"""Records for the write benchmarks: a prefix of a simulated national year.

``rareledger simulate`` writes master data and a year of events month by month, in the order
they can be loaded. The first N records of that stream are a valid ledger of their own (every
record refers only to earlier ones), with the simulator's realistic mix of event types, sizes
and findings. One generator serves every benchmark.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import orjson

RECORDS_PER_SCALE = 1_300_000  # a national year (scale 1.0) holds about this many records
RARELEDGER = Path(sys.executable).with_name("rareledger")


def simulated_year(year: Path, scale: float, seed: int) -> list[Path]:
    """The record files of ``rareledger simulate`` into ``year`` (simulated once, then kept)."""
    if not (year / "records").is_dir():
        print(f"  rareledger simulate --scale {scale} --seed {seed}", flush=True)
        subprocess.run(
            [
                str(RARELEDGER),
                "simulate",
                "--out",
                str(year),
                "--scale",
                str(scale),
                "--seed",
                str(seed),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return sorted((year / "records").glob("*.jsonl"))


def simulated_records(out: Path, n: int, seed: int) -> Path:
    """The first ``n`` records of a simulated year (kept in ``out`` for later runs)."""
    target = out / f"records-{n}-seed{seed}.jsonl"
    if target.exists():
        return target
    scale = min(1.0, round(n / RECORDS_PER_SCALE * 1.2, 4))
    files = simulated_year(out / f"simulated-{scale}-seed{seed}", scale, seed)
    written = 0
    partial = target.with_suffix(".partial")
    with partial.open("wb") as sink:
        for path in files:
            with path.open("rb") as source:
                for line in source:
                    if written == n:
                        break
                    sink.write(line)
                    written += 1
    if written < n:
        raise SystemExit(f"the simulated year holds only {written} records, {n} asked for")
    partial.rename(target)
    return target


def mix(path: Path) -> dict[str, int]:
    """How many records of each type a file holds."""
    with path.open("rb") as stream:
        return dict(Counter(orjson.loads(line)["type"] for line in stream))

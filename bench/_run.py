"""Shared by the detection benchmarks: run a command, timing it and measuring its peak memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RARELEDGER = Path(sys.executable).with_name("rareledger")
PEAK_RSS = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print(peak, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


@dataclass(frozen=True, slots=True)
class Measured:
    seconds: float
    peak_mib: float
    stdout: str


def measure(args: list[str], database_url: str, *, check: bool = True) -> Measured:
    """Run ``rareledger ARGS`` against a database; wall time and the peak resident memory."""
    env = {**os.environ, "RARELEDGER_DATABASE_URL": database_url}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, str(RARELEDGER), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if check and done.returncode not in (0, 1):
        raise SystemExit(f"rareledger {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    peak_kib = int(done.stderr.strip().splitlines()[-1])
    return Measured(seconds, peak_kib / 1024, done.stdout)


def load_tally(measured: Measured) -> str:
    """The first line of ``rareledger load``'s summary: "accepted N, duplicate N, rejected N"
    (a benchmark prints it, so that a year that is partly refused cannot pass unnoticed)."""
    lines = measured.stdout.splitlines()
    summary = [line for line in lines if line.startswith("accepted ")]
    if summary:
        return summary[0]
    answers = [json.loads(line) for line in lines if line.startswith("{")]  # load --json
    if not answers:
        return "no load summary"
    counts = dict.fromkeys(("accepted", "duplicate", "rejected"), 0)
    for answer in answers:
        counts[answer["status"]] = counts.get(answer["status"], 0) + 1
    return ", ".join(f"{status} {n}" for status, n in counts.items())


def save(path: Path, result: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")

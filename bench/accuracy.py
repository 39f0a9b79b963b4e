"""Detection accuracy on simulated years whose seeds were not used while tuning the rules.

For each seed: simulate a year (rates of the rarer violation types raised so that every type has
cases), load it into a fresh SQLite database, run ``rareledger detect`` as of the end of
February of the next year with the simulated partner statistics, and ``rareledger evaluate``.
Prints precision and recall per violation type and seed; results go to DIR/accuracy.json.
The rules were tuned on seed 2025 only (see docs/rules.md).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from _run import measure, save

SEEDS = (101, 202, 303)
RATES = {
    "mining_beyond_quota": 0.3,
    "misdeclared_goods": 0.05,
    "split_consignments": 0.1,
    "circular_trading": 0.03,
    "unreported_exports": 0.2,
}


def one_seed(seed: int, scale: float, work: Path, reuse: bool) -> dict[str, object]:
    out = work / f"seed-{seed}"
    url = f"sqlite:///{out / 'ledger.db'}"
    if not (reuse and (out / "ledger.db").exists()):
        rates = [arg for kind, rate in RATES.items() for arg in ("--rate", f"{kind}={rate}")]
        (out / "ledger.db").unlink(missing_ok=True)
        measure(
            ["simulate", "--out", str(out), "--seed", str(seed), "--scale", str(scale), *rates], url
        )
        measure(["init"], url)
        records = sorted(str(p) for p in (out / "records").glob("*.jsonl"))
        measure(["load", "--json", *records], url)
    detected = measure(
        [
            "detect",
            "--full",
            "--as-of",
            "2026-02-28",
            "--partner-imports",
            str(out / "partner_imports.csv"),
        ],
        url,
    )
    result = json.loads(
        measure(["evaluate", "--json", str(out / "ground_truth.jsonl")], url).stdout
    )
    return {"seed": seed, "scale": scale, "detect_seconds": round(detected.seconds, 1), **result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--dir", type=Path, default=Path("bench-results"))
    parser.add_argument("--reuse", action="store_true", help="Keep loaded databases; detect again.")
    args = parser.parse_args()
    runs = [one_seed(seed, args.scale, args.dir, args.reuse) for seed in args.seeds]
    kinds = list(runs[0]["by_type"])  # type: ignore[call-overload]
    print(f"{'violation type':24}" + "".join(f"  seed {r['seed']:>5} P / R / cases" for r in runs))
    for kind in [*kinds, "overall"]:
        cells = []
        for run in runs:
            row = run["overall"] if kind == "overall" else run["by_type"][kind]  # type: ignore[index]
            cells.append(f"{_f(row['precision']):>10} / {_f(row['recall']):>5} / {row['cases']:>4}")
        print(f"{kind:24}" + "".join(f"  {c:>28}" for c in cells))
    save(args.dir / "accuracy.json", {"rates": RATES, "runs": runs})


def _f(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


if __name__ == "__main__":
    main()

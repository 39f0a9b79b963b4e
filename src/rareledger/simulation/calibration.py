"""The national figures the simulation is calibrated on, with their sources, and the report."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from rareledger.simulation.model import REO_FACTOR, Record

DOMAIN = "shared/reference/rare-earth-domain.md"


@dataclass(frozen=True, slots=True)
class Target:
    key: str
    label: str
    tonnes: float
    source: str


TARGETS: tuple[Target, ...] = (
    Target(
        "mining_reo_t",
        "mining, t REO",
        270_000,
        f"2024 mining quota 270,000 t REO (135,000 x 2); {DOMAIN} 4.1, "
        "https://fastmarkets.com/insights/china-issues-first-batch-of-rare-earths-quotas-for-2024",
    ),
    Target(
        "mining_ionic_reo_t",
        "  of which ionic clay, t REO",
        20_280,
        f"H1 2024 ionic quota 10,140 t REO, doubled for the year; {DOMAIN} 4.1 (fastmarkets)",
    ),
    Target(
        "separation_reo_t",
        "separation, t REO",
        254_000,
        f"2024 smelting and separation quota 254,000 t REO (127,000 x 2); {DOMAIN} 4.1",
    ),
    Target(
        "imports_t",
        "imports, t",
        132_931,
        f"China's rare earth imports 2024, 132,931 t; {DOMAIN} 4.3 "
        "(https://newsfromrss.com/chinas-rare-earth-exports-in-2024-climb-as-home-demand-limited)",
    ),
    Target(
        "re_exports_t",
        "rare earth exports (not magnets), t",
        55_431,
        f"China's rare earth exports 2024, 55,431 t; {DOMAIN} 4.3 (same source)",
    ),
    Target(
        "magnet_exports_t",
        "magnet exports, t",
        58_152,
        f"RE permanent magnet exports 2024 (GAC), 58,152 t; {DOMAIN} 4.4 "
        "(https://www.adamasintel.com/record-rare-earth-magnet-exports-from-china-in-2024/)",
    ),
)
IONIC_Y_FRACTION = 0.05  # ionic clay concentrate holds ~20 % Y; bastnaesite ~0.1 %


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    label: str
    simulated_t: float
    target_t: float
    source: str

    @property
    def difference_pct(self) -> float:
        return 100.0 * (self.simulated_t - self.target_t) / self.target_t if self.target_t else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "figure": self.key,
            "simulated_t": round(self.simulated_t, 3),
            "target_t": round(self.target_t, 3),
            "difference_pct": round(self.difference_pct, 2),
            "source": self.source,
        }


def _reo_t(output: Record) -> float:
    mass = float(output["mass_kg"])
    composition: dict[str, float] = output["composition"]
    return sum(mass * frac * REO_FACTOR[el] for el, frac in composition.items()) / 1000


def totals(
    records: Iterable[Record], year: int, leave_out: Collection[str] = ()
) -> dict[str, float]:
    """National totals of the events that occurred in ``year`` (but those in ``leave_out``)."""
    sums = dict.fromkeys((t.key for t in TARGETS), 0.0)
    forms: dict[str, str] = {}
    prefix = str(year)
    for record in records:
        for output in record.get("outputs", []):
            forms[output["lot_id"]] = output["form"]
        if record.get("event_id") in leave_out:
            continue
        if str(record.get("occurred_at", "")).startswith(prefix):
            _count(record, forms, sums)
    return sums


def _count(record: Record, forms: dict[str, str], sums: dict[str, float]) -> None:
    kind = record["type"]
    if kind == "extraction":
        for output in record["outputs"]:
            reo = _reo_t(output)
            sums["mining_reo_t"] += reo
            if output["composition"].get("Y", 0) > IONIC_Y_FRACTION:
                sums["mining_ionic_reo_t"] += reo
    elif kind == "processing" and record["process"] == "separation":
        sums["separation_reo_t"] += sum(_reo_t(o) for o in record["outputs"])
    elif kind == "import":
        sums["imports_t"] += sum(float(o["mass_kg"]) for o in record["outputs"]) / 1000
    elif kind == "export":
        for item in record["items"]:
            key = "magnet_exports_t" if forms[item["lot_id"]] == "magnet" else "re_exports_t"
            sums[key] += float(item["mass_kg"]) / 1000


def report(
    records: Iterable[Record], year: int, scale: float, leave_out: Collection[str] = ()
) -> list[Row]:
    """Simulated totals against target x scale.

    ``leave_out`` names events not to count: the extractions beyond quota, as the official
    figures are the quotas and leave out undocumented production.
    """
    sums = totals(records, year, leave_out)
    return [Row(t.key, t.label, sums[t.key], t.tonnes * scale, t.source) for t in TARGETS]


def format_report(rows: Iterable[Row], scale: float) -> str:
    lines = [
        f"calibration at scale {scale:g} (targets: 2024 national figures x scale)",
        f"{'figure':<38} {'simulated t':>14} {'target t':>14} {'diff %':>8}",
    ]
    for row in rows:
        lines.append(
            f"{row.label:<38} {row.simulated_t:>14,.1f} {row.target_t:>14,.1f} "
            f"{row.difference_pct:>+8.2f}"
        )
    return "\n".join(lines)

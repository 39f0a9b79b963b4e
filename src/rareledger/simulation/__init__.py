"""A simulated national year of rare earth reporting, calibrated, with hidden violations.

``simulate(out)`` writes master data and a year of events as the reporting interface's JSON
Lines under ``out/records/`` (load them in name order with ``rareledger load``) and the
ground truth of the injected violations to ``out/ground_truth.jsonl``. See docs/simulation.md.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from rareledger.simulation.actions import Actions
from rareledger.simulation.calibration import Row, report
from rareledger.simulation.context import Sim, Window, month_window
from rareledger.simulation.economy import build
from rareledger.simulation.exports import exports
from rareledger.simulation.licences import LicenceDesk
from rareledger.simulation.mirror import partner_imports, write_partner_imports
from rareledger.simulation.model import Journal, Stock
from rareledger.simulation.output import write
from rareledger.simulation.trade import (
    distribute_magnets,
    distribute_metals,
    distribute_separated,
    distribute_traded,
    magnet_making,
)
from rareledger.simulation.upstream import (
    imports,
    mining,
    plan_quota_breaches,
    recycling,
    report_quota_breaches,
    separation,
    ship_feed,
    smelting,
)
from rareledger.simulation.violations import VIOLATION_TYPES, Violations, rates_with

__all__ = ["VIOLATION_TYPES", "SimulationResult", "simulate"]

STAGES: tuple[Callable[[Sim, Window], None], ...] = (
    imports,
    mining,
    ship_feed,
    separation,
    distribute_separated,
    smelting,
    distribute_metals,
    magnet_making,
    distribute_magnets,
    recycling,
    distribute_traded,
    exports,
)


@dataclass(frozen=True, slots=True)
class SimulationResult:
    records: dict[str, int]  # records written, by type
    violations_by_type: dict[str, int]
    paths: list[Path]
    calibration: list[Row]
    rates: dict[str, float] = field(default_factory=dict)
    year: int = 2025

    @property
    def year_end(self) -> date:
        """The end of February after the year: late reports and receipts are in by then."""
        return date(self.year + 1, 2, 28)

    @property
    def record_files(self) -> list[Path]:
        return [p for p in self.paths if p.parent.name == "records"]


def simulate(
    out: Path,
    *,
    seed: int = 2025,
    scale: float = 0.005,
    year: int = 2025,
    rates: Mapping[str, float] | None = None,
) -> SimulationResult:
    """Simulate one year of the economy at ``scale`` and write it under ``out``."""
    if not 0 < scale <= 2:
        raise ValueError(f"scale must be in (0, 2], got {scale}")
    rng = random.Random(seed)
    chosen = rates_with(rates)
    economy = build(rng, scale, year)
    journal = Journal(rng)
    stock = Stock()
    violations = Violations(chosen, seed)
    sim = Sim(
        economy,
        stock,
        journal,
        Actions(journal, stock),
        LicenceDesk(journal, rng),
        violations,
        rng,
        scale,
        year,
    )
    plan_quota_breaches(sim)
    for index in range(12):
        window = month_window(year, index)
        for stage in STAGES:
            stage(sim, window)
    report_quota_breaches(sim)
    mirror = partner_imports((e.record for e in journal.entries), violations, year)
    paths = write(Path(out), economy.records, journal, violations.cases, year)
    paths.insert(-1, write_partner_imports(Path(out), mirror))  # the ground truth stays last
    records = [*economy.records, *(e.record for e in journal.entries)]
    counts = Counter(str(r["type"]) for r in records)
    found = Counter(case.type for case in violations.cases)
    return SimulationResult(
        dict(sorted(counts.items())),
        {kind: found.get(kind, 0) for kind in VIOLATION_TYPES},
        paths,
        report(records, year, scale, _undocumented(violations)),
        chosen,
        year,
    )


def _undocumented(violations: Violations) -> set[str]:
    """Extractions beyond quota: production the official figures do not count."""
    return {
        event
        for case in violations.cases
        if case.type == "mining_beyond_quota"
        for event in case.event_ids
    }

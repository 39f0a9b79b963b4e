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
from rareledger.simulation.circles import circular_trading
from rareledger.simulation.context import Sim, Window, month_window
from rareledger.simulation.economy import build
from rareledger.simulation.exports import exports
from rareledger.simulation.licences import LicenceDesk
from rareledger.simulation.mirror import partner_imports, write_partner_imports
from rareledger.simulation.model import Journal, Stock
from rareledger.simulation.noise import Yields
from rareledger.simulation.output import write
from rareledger.simulation.partners import Destinations
from rareledger.simulation.prices import Pricing
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
from rareledger.simulation.violations import (
    DIFFICULTIES,
    VIOLATION_TYPES,
    Violations,
    rates_with,
)

__all__ = ["DIFFICULTIES", "VIOLATION_TYPES", "SimulationResult", "simulate"]

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
    circular_trading,
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
    difficulty: str = "standard"

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
    difficulty: str = "standard",
) -> SimulationResult:
    """Simulate one year of the economy at ``scale`` and write it under ``out``.

    The month before the year is simulated too (its run-in: stock in the chain on 1 January),
    with nothing hidden in it; its events are in the records as the ledger's earlier history.
    """
    if not 0 < scale <= 2:
        raise ValueError(f"scale must be in (0, 2], got {scale}")
    chosen = rates_with(rates)
    violations = Violations(chosen, seed, difficulty)
    sim = _sim(seed, scale, year, violations)
    _run(sim)
    economy, journal = sim.economy, sim.journal
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
        difficulty,
    )


def _sim(seed: int, scale: float, year: int, violations: Violations) -> Sim:
    rng = random.Random(seed)
    shells = violations.hard and violations.rates["diverted_shipment"] > 0
    economy = build(rng, scale, year, shells)
    journal = Journal(rng)
    stock = Stock()
    return Sim(
        economy,
        stock,
        journal,
        Actions(journal, stock),
        LicenceDesk(journal, rng),
        violations,
        rng,
        scale,
        year,
        Pricing(rng, year),
        Yields(rng),
        Destinations(rng),
    )


def _run(sim: Sim) -> None:
    """The run-in month, then the twelve months of the year; then the cases that span months."""
    sim.phase = "runin:"
    for stage in STAGES:
        stage(sim, month_window(sim.year, -1))
    sim.phase = ""
    sim.violations.month = 0
    plan_quota_breaches(sim)
    for index in range(12):
        sim.violations.month = index
        window = month_window(sim.year, index)
        for stage in STAGES:
            stage(sim, window)
    report_quota_breaches(sim)
    for spell in [*sim.ended, *sim.spells.values()]:
        if spell.events:
            sim.violations.add(spell.kind, spell.enterprises, spell.events, spell.started)


def _undocumented(violations: Violations) -> set[str]:
    """Extractions beyond quota: production the official figures do not count."""
    return {
        event
        for case in violations.cases
        if case.type == "mining_beyond_quota"
        for event in case.event_ids
    }

"""Property-based tests of the ledger's invariants over random sequences of reports.

For any sequence (valid or not, corrections included), per lot and per element:
    created + adjusted = held + in transit + consumed + exported + receipt discrepancy,
rebuilding the projections from the ledger gives exactly the incremental state (origin vectors
included: each is what its inputs' vectors make it, and the shares of the whole lineage where
no correction is on the way), and the hash chain verifies. Batches are cut at random places,
so batch boundaries cannot matter either.
"""

from __future__ import annotations

import shutil
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rareledger.services import integrity
from rareledger.store import queries
from rareledger.store.database import Database
from tests import factories as f
from tests.services.origin_checks import check_origin_vectors

HOLDERS = [f.MINER, f.SEPARATOR, f.TRADER, f.EXPORTER]
COMPOSITIONS = [
    {"Nd": "0.25", "Pr": "0.06"},
    {"Dy": "0.031", "Tb": "0.007", "Y": "0.4"},
    {"La": "0.3", "Ce": "0.45"},
]

masses = st.integers(min_value=1, max_value=5_000_000).map(lambda g: str(Decimal(g) / 1000))
actions = st.one_of(
    st.tuples(st.just("extract"), st.sampled_from(COMPOSITIONS), masses),
    st.tuples(st.just("import"), masses),
    st.tuples(
        st.just("ship"),
        st.sampled_from(HOLDERS),
        st.sampled_from(HOLDERS),
        st.integers(0, 50),
        masses,
    ),
    st.tuples(st.just("receive"), st.integers(0, 50), st.sampled_from(["same", "less", "more"])),
    st.tuples(
        st.just("process"),
        st.lists(st.integers(0, 50), min_size=1, max_size=3),
        masses,
        masses,
        st.sampled_from(COMPOSITIONS),
    ),
    st.tuples(st.just("export"), st.integers(0, 50), masses),
    st.tuples(
        st.just("adjust"),
        st.sampled_from(HOLDERS),
        st.integers(0, 50),
        st.integers(-3_000_000, 3_000_000).filter(bool),
    ),
    st.tuples(st.just("correct"), st.integers(0, 80), st.booleans()),
)


class Script:
    """Turns abstract actions into contract records (some of which will be rejected)."""

    def __init__(self) -> None:
        self.lots: list[str] = []
        self.shipments: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.count = 0

    def _id(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}-{self.count}"

    def _lot(self, index: int) -> str | None:
        return self.lots[index % len(self.lots)] if self.lots else None

    def record(self, action: tuple[Any, ...]) -> dict[str, Any] | None:
        kind = action[0]
        made = getattr(self, f"_{kind}")(*action[1:])
        if made is not None:
            self.events.append(made)
        return made

    def _extract(self, composition: dict[str, str], mass: str) -> dict[str, Any]:
        lot = self._id("LOT")
        self.lots.append(lot)
        return f.extraction(lot, mass, composition, event_id=self._id("ext"))

    def _import(self, mass: str) -> dict[str, Any]:
        lot = self._id("LOT")
        self.lots.append(lot)
        return f.import_(lot, mass, reporter=f.IMPORTER, event_id=self._id("imp"))

    def _ship(self, seller: str, buyer: str, index: int, mass: str) -> dict[str, Any] | None:
        lot = self._lot(index)
        if lot is None:
            return None
        record = f.shipment(seller, buyer, [(lot, mass)], event_id=self._id("shp"))
        self.shipments.append(record)
        return record

    def _receive(self, index: int, how: str) -> dict[str, Any] | None:
        if not self.shipments:
            return None
        shipment = self.shipments[index % len(self.shipments)]
        item = shipment["items"][0]
        mass = (
            Decimal(item["mass_kg"])
            * {"same": 1, "less": Decimal("0.9"), "more": Decimal("1.1")}[how]
        )
        return f.receipt(
            shipment["buyer"],
            shipment["event_id"],
            [(item["lot_id"], str(mass.quantize(Decimal("0.001"))))],
            event_id=self._id("rcp"),
        )

    def _process(
        self, indexes: list[int], used: str, made: str, composition: dict[str, str]
    ) -> dict[str, Any] | None:
        if not self.lots:
            return None
        lots = sorted({self.lots[i % len(self.lots)] for i in indexes})
        out = self._id("LOT")
        self.lots.append(out)
        return f.processing(
            f.SEPARATOR,
            [(lot, used) for lot in lots],
            [(out, "oxide", made, composition)],
            event_id=self._id("prc"),
            facility_id=f.PLANT,
        )

    def _export(self, index: int, mass: str) -> dict[str, Any] | None:
        lot = self._lot(index)
        return (
            None if lot is None else f.export(f.EXPORTER, [(lot, mass)], event_id=self._id("exp"))
        )

    def _adjust(self, holder: str, index: int, grams: int) -> dict[str, Any] | None:
        lot = self._lot(index)
        delta = str(Decimal(grams) / 1000)
        return None if lot is None else f.adjustment(holder, lot, delta, event_id=self._id("adj"))

    def _correct(self, index: int, with_replacement: bool) -> dict[str, Any] | None:
        if not self.events:
            return None
        target = self.events[index % len(self.events)]
        if target["type"] == "correction":
            return None
        replacement = None
        if with_replacement:
            replacement = {**target, "event_id": self._id("rep")}
        return f.correction(
            target["reporter"], target["event_id"], replacement, event_id=self._id("cor")
        )


def _check_conservation(database: Database) -> None:
    with database.read() as connection:
        lots = queries.all_lots(connection)
        held = queries.balance_totals(connection)
        transit = queries.transit_totals(connection)
    by_element: dict[str, list[Decimal]] = {}
    for lot in lots:
        sources = lot.created_g + lot.adjusted_g
        uses = (
            held.get(lot.lot_id, 0)
            + transit.get(lot.lot_id, 0)
            + lot.consumed_g
            + lot.exported_g
            + lot.discrepancy_g
        )
        assert sources == uses, lot
        for symbol, fraction in lot.composition.items():
            pair = by_element.setdefault(symbol, [Decimal(0), Decimal(0)])
            pair[0] += fraction * sources
            pair[1] += fraction * uses
    for symbol, (created, accounted) in by_element.items():
        assert created == accounted, symbol


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(actions, min_size=1, max_size=60), cuts=st.lists(st.integers(1, 60)))
def test_mass_is_conserved_and_rebuild_matches(
    sqlite_template: Path, steps: list[Any], cuts: list[int]
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "ledger.db"
        shutil.copy(sqlite_template, path)
        database = Database(f"sqlite:///{path}")
        try:
            reporter = f.Reporter(database)
            reporter.accept(*f.world())
            script = Script()
            records = [r for r in (script.record(step) for step in steps) if r is not None]
            for batch in _split(records, cuts):
                reporter.submit(*batch)
            _check_conservation(database)
            with database.read() as connection:
                incremental = queries.dump(connection)
            check_origin_vectors(incremental)
            integrity.rebuild(database)
            with database.read() as connection:
                assert queries.dump(connection) == incremental
            assert integrity.verify(database).intact
        finally:
            database.dispose()


def _split(records: list[dict[str, Any]], cuts: list[int]) -> list[list[dict[str, Any]]]:
    batches, start = [], 0
    for size in cuts:
        if start >= len(records):
            break
        batches.append(records[start : start + size])
        start += size
    if start < len(records):
        batches.append(records[start:])
    return batches

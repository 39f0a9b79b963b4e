"""National figures, kept up to date as the ledger grows.

The figures are sums of cells (``domain/figures.py``) stored in ``figure_cells``. Before a
figure is read, :func:`refresh` folds the ledger entries recorded since the last fold (and only
those) into the cells, in chunks, each committed with the position it reached; two processes
refreshing at once cannot both add a chunk, since a chunk is committed only if the position
it started from is still the stored one. A correction takes back the corrected event's cells
and adds its replacement's; a correction of an event that made lots (whose compositions later
events were weighed with) makes the cells be folded again from the start.
"""

from __future__ import annotations

from datetime import date, timezone
from decimal import Decimal
from functools import lru_cache
from typing import Any

import orjson

from rareledger.domain import figures as cells_model
from rareledger.domain.figures import Cells, Folder, LotFacts
from rareledger.domain.findings import RuleSettings, regulator_zone
from rareledger.store import figures as store
from rareledger.store import log, lot_rows, queries
from rareledger.store.database import Database

VERSION = 2  # bump when the cells change meaning: they are then folded again (2: stock_reo_month)
CHUNK_ENTRIES = 50_000
UG_PER_KG = Decimal(1_000_000_000)
UG_PER_T = UG_PER_KG * 1000
KG = Decimal("0.001")
PRODUCTION_AND_TRADE = ("mined_reo", "separated_reo", "imported", "exported")


@lru_cache(maxsize=65536)
def _facts(composition: str, stage: str) -> LotFacts:
    """Facts of a lot; many lots share a composition and stage, so they are kept."""
    return LotFacts.of(lot_rows.parse_composition(composition), stage)


class _Lookups:
    """Lots and shipments the fold needs, read from the projections (as of the ledger's
    head); a lot they no longer know (its creation was retracted) as its record made it."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.lots: dict[str, LotFacts] = {}
        self.made: dict[str, LotFacts] = {}
        self.shipments: dict[str, list[tuple[str, Decimal]]] = {}

    def prefetch(self, records: list[dict[str, Any]]) -> None:
        wanted: set[str] = set()
        for record in records:
            self.made.update(cells_model.created_lots(record))
            if record.get("type") == "shipment":
                self.shipments[str(record["event_id"])] = [
                    (str(i["lot_id"]), cells_model.grams(i["mass_kg"])) for i in record["items"]
                ]
            for item in [*record.get("inputs", []), *record.get("items", []), record]:
                if "lot_id" in item and "form" not in item:
                    wanted.add(str(item["lot_id"]))
        found = store.lot_facts(self.connection, sorted(wanted - set(self.lots)))
        for lot_id, (composition, form, event_type) in found.items():
            self.lots[lot_id] = _facts(composition, cells_model.lot_stage(event_type, form))
        receipts = {str(r["shipment_event_id"]) for r in records if r.get("type") == "receipt"}
        missing = sorted(receipts - set(self.shipments))
        for shipment, items in store.shipment_items(self.connection, missing).items():
            self.shipments[shipment] = [(lot, Decimal(g)) for lot, g in items]

    def lot(self, lot_id: str) -> LotFacts | None:
        return self.lots.get(lot_id) or self.made.get(lot_id)

    def shipped(self, shipment_id: str) -> list[tuple[str, Decimal]]:
        return self.shipments.get(shipment_id, [])


def _fold_records(
    connection: Any, folder: Folder, records: list[tuple[int, dict[str, Any]]], basis: int
) -> bool:
    """Fold event records; True when the cells must be folded afresh: a correction, recorded
    after the fold began, changed a lot that earlier movements were weighed with."""
    for position, record in records:
        if record.get("type") != "correction":
            folder.fold(record)
            continue
        corrected = record.get("~corrected")
        if corrected is not None:
            if corrected["type"] in cells_model.CREATING and position > basis:
                return True
            folder.fold(corrected, -1)
        if isinstance(record.get("replacement"), dict):
            folder.fold(record["replacement"])
    return False


def _fold(database: Database, after: int, until: int, basis: int, zone: timezone) -> Cells | None:
    """The cells of the entries after one position up to another; None to fold afresh."""
    cells = Cells()
    with database.read() as connection:
        lookups = _Lookups(connection)
        folder = Folder(cells, lookups.lot, lookups.shipped, zone)
        records = [
            (position, orjson.loads(text))
            for position, text in store.event_entries(connection, after, until)
        ]
        involved = []
        for _, record in records:
            involved.append(record)
            if record.get("type") == "correction":
                found = queries.event_record(connection, str(record.get("corrects")))
                record["~corrected"] = found["record"] if found else None
                involved.extend(r for r in (record["~corrected"], record.get("replacement")) if r)
        lookups.prefetch(involved)
        if _fold_records(connection, folder, records, basis):
            return None
    return cells


def refresh(database: Database, settings: RuleSettings | None = None) -> int:
    """Fold what the ledger has gained since the last fold; return the position folded to."""
    zone = regulator_zone(settings)
    while True:
        with database.read() as connection:
            head, _ = log.read_head(connection)
            state = store.fold_state(connection, VERSION)
        if state is None:
            _reset(database, only_if_missing=True)
            continue
        if state.position >= head:
            return state.position
        until = min(head, state.position + CHUNK_ENTRIES)
        cells = _fold(database, state.position, until, state.basis, zone)
        if cells is None:
            _reset(database)
            continue
        with database.write() as connection:
            if store.advance(connection, state.position, until):
                store.add_cells(connection, cells.rounded())


def _reset(database: Database, only_if_missing: bool = False) -> None:
    with database.write() as connection:
        if only_if_missing and store.fold_state(connection, VERSION) is not None:
            return
        store.reset(connection, VERSION, log.read_head(connection)[0])


def recount(database: Database, settings: RuleSettings | None = None) -> int:
    """Empty the cells and fold the whole ledger again."""
    _reset(database)
    return refresh(database, settings)


def kg(micrograms: int | Decimal) -> float:
    """Kilograms to the gram, as a JSON number."""
    return float((Decimal(micrograms) / UG_PER_KG).quantize(KG))


def tonnes(micrograms: int | Decimal) -> float:
    """Tonnes to the kilogram, as a JSON number."""
    return float((Decimal(micrograms) / UG_PER_T).quantize(KG))


def latest_day(database: Database, settings: RuleSettings | None = None) -> date | None:
    """The latest day with production or trade reported."""
    refresh(database, settings)
    with database.read() as connection:
        day = store.latest_day(connection, PRODUCTION_AND_TRADE)
    return date.fromisoformat(day) if day else None


def latest_year(database: Database, settings: RuleSettings | None = None) -> int | None:
    """The latest year with production or trade reported."""
    found = latest_day(database, settings)
    return found.year if found else None


def national(
    database: Database, year: int, settings: RuleSettings | None = None, until: date | None = None
) -> dict[str, Any]:
    """The national figures of a year (or of the year up to ``until``), corrections applied."""
    refresh(database, settings)
    first, last = cells_model.year_days(year, until)
    with database.read() as connection:
        quotas = store.quotas(connection, year)

        def total(measure: str) -> int:
            return sum(row[-1] for row in store.sums(connection, measure, first, last, ()))

        mined, separated = total("mined_reo"), total("separated_reo")
        imported = store.sums(connection, "imported", first, last, ("key1",))
        exported = store.sums(connection, "exported", first, last, ("key1",))
        elements = store.sums(connection, "exported_element", first, last, ("key1", "key2"))
    by_element: dict[str, dict[str, float]] = {}
    for element, country, amount in elements:
        by_element.setdefault(element, {})[country] = kg(amount)
    return {
        "year": year,
        "mining": {"quota_t_reo": _quota(quotas, "mining"), "produced_t_reo": tonnes(mined)},
        "separation": {
            "quota_t_reo": _quota(quotas, "separation"),
            "produced_t_reo": tonnes(separated),
        },
        "imports_kg": {country: kg(amount) for country, amount in imported},
        "exports_kg": {country: kg(amount) for country, amount in exported},
        "exports_element_kg": by_element,
    }


def _quota(quotas: list[dict[str, Any]], kind: str) -> float:
    total = sum((Decimal(str(q["reo_t"])) for q in quotas if q["kind"] == kind), Decimal(0))
    return float(total.quantize(KG))

"""Licences for honest exporters: apply, wait for a decision after a working-day review."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from rareledger.domain.calendar import WorkCalendar
from rareledger.simulation.economy import Enterprise
from rareledger.simulation.model import CST, Journal, kg, stamp
from rareledger.simulation.partners import Buyer
from rareledger.simulation.products import CONTROLLED, DESCRIPTION, HS_CODE, SEPARATED

CONTROL_START = date(2025, 4, 4)  # MOFCOM/GAC Announcement No. 18 of 2025
REVIEW_WORKING_DAYS = (12, 40)  # statutory limit 45
FORM = {
    **{p: spec[0] for p, spec in SEPARATED.items()},
    "dyfe_alloy": "alloy",
    "tb_metal": "metal",
    "magnet_sh": "magnet",
    "magnet_uh": "magnet",
}


@dataclass(slots=True)
class Licence:
    licence_no: str
    licence_type: str
    decided: datetime
    valid_from: date
    valid_to: date
    remaining_g: int
    used: bool = False
    quantity_g: int = 0
    last_recorded: datetime | None = None  # the latest export drawing on it, as recorded

    def usable(self, on: datetime, grams: int) -> bool:
        day = on.astimezone(CST).date()
        if self.licence_type == "single" and self.used:
            return False
        return (
            on > self.decided
            and self.valid_from <= day <= self.valid_to
            and (self.remaining_g >= grams)
        )


Key = tuple[str, str, str]  # exporter, buyer name, product


def controlled(product: str, on: datetime) -> bool:
    return product in CONTROLLED and on.astimezone(CST).date() >= CONTROL_START


class LicenceDesk:
    """Applications and decisions, and the licences each exporter holds per buyer and product."""

    def __init__(self, journal: Journal, rng: random.Random) -> None:
        self.journal = journal
        self.rng = rng
        self.calendar = WorkCalendar()
        self.licences: dict[Key, list[Licence]] = {}
        self.pending: dict[Key, datetime] = {}
        self.count = 0

    def find(self, key: Key, on: datetime, grams: int) -> Licence | None:
        for licence in self.licences.get(key, []):
            if licence.usable(on, grams):
                return licence
        return None

    def best(self, key: Key, on: datetime) -> Licence | None:
        """A usable licence with the most left (the export is cut to what it has left)."""
        usable = [lic for lic in self.licences.get(key, []) if lic.usable(on, 1_000)]
        return max(usable, key=lambda lic: lic.remaining_g, default=None)

    def waiting(self, key: Key, when: datetime) -> bool:
        """True while an application for ``key`` awaits its decision."""
        return self.pending.get(key, when) > when

    def draw(self, licence: Licence, grams: int, recorded: datetime) -> None:
        licence.remaining_g -= grams
        licence.used = True
        if licence.last_recorded is None or recorded > licence.last_recorded:
            licence.last_recorded = recorded

    def apply(
        self,
        exporter: Enterprise,
        buyer: Buyer,
        product: str,
        quantity_g: int,
        when: datetime,
        general: bool,
    ) -> None:
        """Apply (unless an application is pending) and record the decision to come."""
        key = (exporter.id, buyer.name, product)
        if self.waiting(key, when):
            return
        self.count += 1
        application_id = f"APP-{when.year}-{self.count:06d}"
        item = {
            "form": FORM[product],
            "elements": list(CONTROLLED[product]),
            "description": DESCRIPTION[product],
            "hs_code": HS_CODE[FORM[product]],
            "quantity_kg": kg(quantity_g),
        }
        contract = f"{exporter.id[-4:]}-{self.rng.randrange(100000):05d}"
        party = {"name": buyer.name, "country": buyer.country}
        application = {
            "type": "licence_application",
            "application_id": application_id,
            "applicant": exporter.id,
            "licence_type": "general" if general else "single",
            "items": [item],
            "consignee": {**party, "address": buyer.address},
            "end_user": party,
            "end_use": "Civil manufacturing",
            "destination_country": buyer.country,
            "contract_no": contract,
            "submitted_at": stamp(when),
        }
        self.journal.add(application, when + timedelta(minutes=self.rng.randint(1, 30)))
        decided = self._decide(application_id, item, when, general)
        decided.remaining_g = decided.quantity_g = quantity_g
        self.pending[key] = decided.decided
        self.licences.setdefault(key, []).append(decided)

    def _decide(
        self, application_id: str, item: Mapping[str, object], when: datetime, general: bool
    ) -> Licence:
        review = self.rng.randint(*REVIEW_WORKING_DAYS)
        day = self.calendar.add_working_days(when.astimezone(CST).date(), review)
        decided = datetime(day.year, day.month, day.day, 9, 0, tzinfo=CST) + timedelta(
            minutes=self.rng.randint(0, 8 * 60)
        )
        valid_to = day + timedelta(days=2 * 365 if general else 364)
        licence_no = f"LIC-{day.year}-{application_id[-6:]}"
        decision = {
            "type": "licence_decision",
            "application_id": application_id,
            "decision": "approved",
            "decided_at": stamp(decided),
            "licence_no": licence_no,
            "valid_from": day.isoformat(),
            "valid_to": valid_to.isoformat(),
            "items": [item],
        }
        recorded = self.journal.add(decision, decided + timedelta(minutes=self.rng.randint(5, 90)))
        return Licence(licence_no, "general" if general else "single", recorded, day, valid_to, 0)

"""The ledger's rules: judge one parsed record against the state, then apply its effects.

Mass moves between accounts of a lot like money in double-entry bookkeeping: a creation
debits the lot's ``created`` account and credits a holder; a shipment moves mass from the
seller to the shipment's transit account; a receipt moves it on to the buyer (any difference
to the discrepancy account); processing and exports move mass to ``consumed`` and
``exported``; adjustments to or from ``adjusted``. A correction applies the retracted
event's postings in reverse. So for every lot, at every moment:

    created + adjusted = held + in transit + consumed + exported + discrepancy
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from rareledger.domain.actors import Actor, check_applicant, check_reporter
from rareledger.domain.corrections import Corrections
from rareledger.domain.epcis_records import EPCIS_EVENT, apply_epcis_event
from rareledger.domain.events import (
    Adjustment,
    Correction,
    CustomsCheck,
    Enterprise,
    Event,
    Export,
    Extraction,
    Import,
    LotQuantity,
    NewLot,
    Processing,
    Receipt,
    Shipment,
)
from rareledger.domain.export_control import ExportControl, Screener, no_screening
from rareledger.domain.findings import (
    RuleSettings,
    late_report,
    mass_balance_excess,
    negative_balance,
    receipt_mismatch,
)
from rareledger.domain.problems import Finding, Problem, Rejected, reject
from rareledger.domain.quantities import utc_text
from rareledger.domain.records import ParsedRecord, content_digest
from rareledger.domain.state import (
    EnterpriseState,
    EventState,
    LedgerState,
    Link,
    LotState,
    MasterState,
    Movement,
    RecordedFinding,
    ShipmentState,
)

FUTURE_LIMIT = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Applied:
    """The outcome of a record the rules did not reject."""

    duplicate_of: int | None  # position of the original, for an identical re-send
    findings: list[Finding]
    outcome: dict[str, Any] | None = None  # a customs decision


CONTROL_RECORDS = ("control_regime", "licence_application", "licence_decision", "watchlist_entry")


class Ledger:
    """Applies records to a :class:`LedgerState` under the contract's rules."""

    def __init__(
        self,
        state: LedgerState,
        settings: RuleSettings | None = None,
        screener: Screener | None = None,
    ) -> None:
        self.state = state
        self.settings = settings or RuleSettings()
        self.control = ExportControl(state, self.settings, screener or no_screening)

    def apply(
        self, parsed: ParsedRecord, *, position: int, recorded_at: datetime, actor: Actor
    ) -> Applied:
        """Judge and apply one record; raise :class:`Rejected` (with no change) if it fails."""
        with self.state.atomic():
            if parsed.kind == "master":
                return self._apply_master(parsed, position, actor)
            event = parsed.value
            assert isinstance(event, Event)
            known = self.state.event(event.event_id)
            if known is not None:
                return self._resend(known, parsed.digest, "event_id")
            ctx = _Context(self, position, recorded_at, actor)
            if isinstance(event, Correction) and event.replacement is not None:
                ctx.replacement_digest = content_digest(parsed.record["replacement"])
            check_reporter(self.state, event, actor, "")
            ctx.apply_event(event, "", parsed.digest)
            return Applied(None, ctx.findings, ctx.outcome)

    # ------------------------------------------------------------------ master data

    def _apply_master(self, parsed: ParsedRecord, position: int, actor: Actor) -> Applied:
        if parsed.type == EPCIS_EVENT:
            return Applied(apply_epcis_event(self.state, parsed, position, actor), [])
        if parsed.type in CONTROL_RECORDS:
            return self._apply_control(parsed, position, actor)
        if not actor.writes_master_data:
            raise reject(
                "not_permitted", "type", "master data are written by the regulator", parsed.type
            )
        value = parsed.value
        if isinstance(value, Enterprise):
            current_e = self.state.enterprise(value.id)
            if current_e is not None and current_e.digest == parsed.digest:
                return Applied(current_e.position, [])
            self.state.put(
                self.state.enterprises,
                value.id,
                EnterpriseState(
                    value.id,
                    value.roles,
                    value.status,
                    value.country,
                    parsed.digest,
                    position,
                    parsed.record,
                ),
            )
            return Applied(None, [])
        current = self.state.master(parsed.type, parsed.record_id)
        if current is not None and current.digest == parsed.digest:
            return Applied(current.position, [])
        owner = parsed.record["enterprise_id"]
        if self.state.enterprise(owner) is None:
            raise reject("unknown_enterprise", "enterprise_id", "no such enterprise", owner)
        table = self.state.facilities if parsed.type == "facility" else self.state.quotas
        self.state.put(
            table,
            parsed.record_id,
            MasterState(
                parsed.record_id,
                parsed.type,
                owner,
                parsed.record["kind"],
                parsed.digest,
                position,
                parsed.record,
            ),
        )
        return Applied(None, [])

    def _apply_control(self, parsed: ParsedRecord, position: int, actor: Actor) -> Applied:
        if parsed.type == "licence_application":
            applicant = parsed.record["applicant"]
            check_applicant(self.state, applicant, actor)
        elif not actor.writes_master_data:
            raise reject(
                "not_permitted", "type", f"{parsed.type} is written by the regulator", parsed.type
            )
        duplicate_of, findings = self.control.apply_master(parsed, position)
        for seq, finding in enumerate(findings):
            self.state.changes.findings.append(
                RecordedFinding(position, seq, parsed.record_id, finding)
            )
        return Applied(duplicate_of, findings)

    @staticmethod
    def _resend(known: EventState, digest: str, field_path: str) -> Applied:
        if known.digest != digest:
            raise reject(
                "event_id_conflict",
                field_path,
                "this event_id is already used for a different event",
                known.event_id,
            )
        return Applied(known.position, [])


class _Context(Corrections):
    """Applying one event (and, for a correction, its reversal and replacement)."""

    def __init__(self, ledger: Ledger, position: int, recorded_at: datetime, actor: Actor) -> None:
        self.ledger = ledger
        self.state = ledger.state
        self.settings = ledger.settings
        self.control = ledger.control
        self.position = position
        self.recorded_at = recorded_at
        self.actor = actor
        self.findings: list[Finding] = []
        self.replacement_digest = ""
        self.outcome: dict[str, Any] | None = None
        self.occurred_at = ""

    # ------------------------------------------------------------------ checks

    def check_common(self, event: Event, path: str, recorded_at: datetime) -> None:
        if event.facility_id is not None:
            facility = self.state.master("facility", event.facility_id)
            if facility is None:
                raise reject(
                    "unknown_facility", f"{path}facility_id", "no such facility", event.facility_id
                )
            if facility.enterprise_id != event.reporter:
                raise reject(
                    "facility_not_reporters",
                    f"{path}facility_id",
                    "the facility belongs to another enterprise",
                    event.facility_id,
                )
        if event.occurred_at > recorded_at + FUTURE_LIMIT:
            raise reject(
                "occurred_in_future",
                f"{path}occurred_at",
                "occurred_at is more than a day after the time of recording",
                event.occurred_at.isoformat(),
            )

    def check_new_lots(self, lots: tuple[NewLot, ...], path: str) -> None:
        for index, lot in enumerate(lots):
            if self.state.lot(lot.lot_id) is not None:
                raise reject(
                    "lot_exists",
                    f"{path}outputs[{index}].lot_id",
                    "a lot with this id already exists",
                    lot.lot_id,
                )

    def check_known_lots(self, items: tuple[LotQuantity, ...], path: str) -> None:
        for index, item in enumerate(items):
            if self.state.lot(item.lot_id) is None:
                raise reject("unknown_lot", f"{path}[{index}].lot_id", "no such lot", item.lot_id)

    # ------------------------------------------------------------------ dispatch

    def apply_event(
        self,
        event: Event,
        path: str,
        digest: str,
        via: str | None = None,
        recorded_at: datetime | None = None,
    ) -> None:
        recorded_at = recorded_at or self.recorded_at
        self.occurred_at = utc_text(event.occurred_at)
        self.check_common(event, path, recorded_at)
        if isinstance(event, Correction):
            self.correct(event, path)
        else:
            _APPLIERS[type(event)](self, event, path)
        self.state.put(
            self.state.events,
            event.event_id,
            EventState(
                event.event_id,
                self.position,
                event.type,
                event.reporter,
                digest,
                via_correction=via,
            ),
        )
        self.state.unwritten[event.event_id] = event
        late = late_report(event.occurred_at, recorded_at, event.reporter)
        if late is not None:
            self.flag(event.event_id, late)

    def flag(self, event_id: str, finding: Finding) -> None:
        seq = len(self.findings)
        self.state.changes.findings.append(RecordedFinding(self.position, seq, event_id, finding))
        self.findings.append(finding)

    # ------------------------------------------------------------------ postings

    def create(self, lots: tuple[NewLot, ...], holder: str, event_id: str) -> None:
        for lot in lots:
            earlier = self.state.any_lot(lot.lot_id)  # a retracted lot keeps its accounts
            fresh = LotState(
                lot.lot_id, lot.form, dict(lot.composition), holder, event_id, self.position
            )
            if earlier is not None:
                fresh = replace(
                    earlier,
                    form=lot.form,
                    composition=dict(lot.composition),
                    creator=holder,
                    event_id=event_id,
                    position=self.position,
                    retracted=False,
                )
            self.state.put(
                self.state.lots, lot.lot_id, replace(fresh, created_g=fresh.created_g + lot.mass_g)
            )
            self.state.add_balance(lot.lot_id, holder, lot.mass_g)
            self.moved(lot.lot_id, event_id, "created", None, holder, lot.mass_g)

    def moved(
        self,
        lot_id: str,
        event_id: str,
        kind: str,
        from_holder: str | None,
        to_holder: str | None,
        mass_g: int,
    ) -> None:
        """Record a step in a lot's chain of custody."""
        self.state.changes.movements.append(
            Movement(
                lot_id,
                event_id,
                kind,
                from_holder,
                to_holder,
                mass_g,
                self.position,
                self.occurred_at,
            )
        )

    def take(
        self, items: tuple[LotQuantity, ...], holder: str, event_id: str, account: str | None
    ) -> None:
        """Take mass from a holder into a lot account (``consumed``, ``exported``) or, with
        ``account`` None, into transit (the caller records the shipment)."""
        for item in items:
            held = self.state.balance(item.lot_id, holder)
            if held < item.mass_g:
                self.flag(event_id, negative_balance(item.lot_id, holder, item.mass_g, held))
            self.state.add_balance(item.lot_id, holder, -item.mass_g)
            if account is not None:
                self.bump(item.lot_id, account, item.mass_g)

    def bump(self, lot_id: str, account: str, delta_g: int) -> None:
        lot = self.state.any_lot(lot_id)
        assert lot is not None
        self.state.put(
            self.state.lots, lot_id, replace(lot, **{account: getattr(lot, account) + delta_g})
        )

    # ------------------------------------------------------------------ event types

    def extraction(self, event: Extraction, path: str) -> None:
        facility = self.state.master("facility", event.facility_id or "")
        if facility is None or facility.kind != "mine":
            raise reject(
                "extraction_not_at_mine",
                f"{path}facility_id",
                "an extraction must be reported at one of the reporter's mines",
                event.facility_id,
            )
        self.check_new_lots(event.outputs, path)
        self.create(event.outputs, event.reporter, event.event_id)

    def processing(self, event: Processing, path: str) -> None:
        self.check_known_lots(event.inputs, f"{path}inputs")
        self.check_new_lots(event.outputs, path)
        inputs = [(self.state.lot(i.lot_id), i.mass_g) for i in event.inputs]
        excess = mass_balance_excess(
            [(lot.composition, mass) for lot, mass in inputs if lot is not None],
            [(lot.composition, lot.mass_g) for lot in event.outputs],
            self.settings.mass_balance_tolerance,
            event.reporter,
        )
        self.take(event.inputs, event.reporter, event.event_id, "consumed_g")
        self.create(event.outputs, event.reporter, event.event_id)
        for finding in excess:
            self.flag(event.event_id, finding)
        links, at = self.state.changes.links, self.position
        links.extend(Link(i.lot_id, event.event_id, "in", at, i.mass_g) for i in event.inputs)
        links.extend(Link(o.lot_id, event.event_id, "out", at, o.mass_g) for o in event.outputs)

    def shipment(self, event: Shipment, path: str) -> None:
        if self.state.enterprise(event.buyer) is None:
            raise reject("unknown_enterprise", f"{path}buyer", "no such enterprise", event.buyer)
        self.check_known_lots(event.items, f"{path}items")
        self.take(event.items, event.reporter, event.event_id, None)
        self.state.put(
            self.state.shipments,
            event.event_id,
            ShipmentState(
                event.event_id,
                event.reporter,
                event.buyer,
                self.position,
                {i.lot_id: i.mass_g for i in event.items},
            ),
        )
        for item in event.items:
            self.moved(
                item.lot_id, event.event_id, "shipped", event.reporter, event.buyer, item.mass_g
            )

    def receipt(self, event: Receipt, path: str) -> None:
        shipment = self.state.shipment(event.shipment_event_id)
        if shipment is None or shipment.retracted:
            raise reject(
                "unknown_shipment",
                f"{path}shipment_event_id",
                "no such shipment",
                event.shipment_event_id,
            )
        if shipment.buyer != event.reporter:
            raise reject(
                "receipt_not_buyer",
                f"{path}reporter",
                "only the shipment's buyer may report its receipt",
                event.reporter,
            )
        if shipment.received is not None:
            raise reject(
                "shipment_already_received",
                f"{path}shipment_event_id",
                f"already received by {shipment.receipt_event_id}",
                event.shipment_event_id,
            )
        for index, item in enumerate(event.items):
            if item.lot_id not in shipment.items:
                raise reject(
                    "item_not_in_shipment",
                    f"{path}items[{index}].lot_id",
                    "the shipment did not carry this lot",
                    item.lot_id,
                )
        received = {i.lot_id: i.mass_g for i in event.items}
        self.post_receipt(shipment, received, +1)
        for item in event.items:
            self.moved(
                item.lot_id,
                event.event_id,
                "received",
                shipment.seller,
                event.reporter,
                item.mass_g,
            )
        self.state.put(
            self.state.shipments,
            shipment.event_id,
            replace(shipment, received=received, receipt_event_id=event.event_id),
        )
        for finding in receipt_mismatch(
            shipment.items, received, self.settings.receipt_tolerance, event.reporter
        ):
            self.flag(event.event_id, finding)

    def post_receipt(self, shipment: ShipmentState, received: dict[str, int], sign: int) -> None:
        for lot_id, shipped in shipment.items.items():
            got = received.get(lot_id, 0)
            self.state.add_balance(lot_id, shipment.buyer, sign * got)
            self.bump(lot_id, "discrepancy_g", sign * (shipped - got))

    def export(self, event: Export, path: str) -> None:
        self.check_known_lots(event.items, f"{path}items")
        self.take(event.items, event.reporter, event.event_id, "exported_g")
        for item in event.items:
            self.moved(
                item.lot_id,
                event.event_id,
                "exported",
                event.reporter,
                event.destination_country,
                item.mass_g,
            )
        for finding in self.control.judge_export(event):
            self.flag(event.event_id, finding)

    def customs_check(self, event: CustomsCheck, path: str) -> None:
        if self.actor.role not in ("customs", "regulator", "operator"):
            raise reject(
                "not_permitted", f"{path}type", "customs checks are made by customs", event.type
            )
        self.check_known_lots(event.items, f"{path}items")
        self.outcome = self.control.check(event, self.position)

    def import_(self, event: Import, path: str) -> None:
        self.check_new_lots(event.outputs, path)
        self.create(event.outputs, event.reporter, event.event_id)

    def adjustment(self, event: Adjustment, path: str) -> None:
        if self.state.lot(event.lot_id) is None:
            raise reject("unknown_lot", f"{path}lot_id", "no such lot", event.lot_id)
        if event.delta_g < 0:
            self.take(
                (LotQuantity(event.lot_id, -event.delta_g),), event.reporter, event.event_id, None
            )
        else:
            self.state.add_balance(event.lot_id, event.reporter, event.delta_g)
        self.bump(event.lot_id, "adjusted_g", event.delta_g)


_APPLIERS: dict[type[Event], Callable[[_Context, Any, str], None]] = {
    Extraction: _Context.extraction,
    Processing: _Context.processing,
    Shipment: _Context.shipment,
    Receipt: _Context.receipt,
    Export: _Context.export,
    Import: _Context.import_,
    Adjustment: _Context.adjustment,
    CustomsCheck: _Context.customs_check,
}

__all__ = ["Actor", "Applied", "Ledger", "Problem", "Rejected", "check_reporter"]

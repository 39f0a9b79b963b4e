"""Corrections: retract an event by posting its effects in reverse, then apply the replacement.

A mixin of the ledger's per-record context (:class:`rareledger.domain.ledger._Context`); it
uses the context's ``state``, ``control``, ``take``, ``bump``, ``flag``, ``post_receipt`` and
``apply_event``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from rareledger.domain.actors import Actor, check_reporter
from rareledger.domain.events import (
    Adjustment,
    Correction,
    Event,
    Export,
    LotQuantity,
    Processing,
    Receipt,
    Shipment,
    lots_created,
)
from rareledger.domain.findings import negative_balance
from rareledger.domain.problems import reject
from rareledger.domain.state import EventState

if TYPE_CHECKING:
    from rareledger.domain.export_control import ExportControl
    from rareledger.domain.state import LedgerState


class Corrections:
    """Retraction and replacement of earlier events."""

    state: LedgerState
    control: ExportControl
    replacement_digest: str

    def take(
        self, items: tuple[LotQuantity, ...], holder: str, event_id: str, account: str | None
    ) -> None: ...  # provided by the context
    def bump(self, lot_id: str, account: str, delta_g: int) -> None: ...
    def flag(self, event_id: str, finding: Any) -> None: ...
    def post_receipt(self, shipment: Any, received: dict[str, int], sign: int) -> None: ...
    def apply_event(
        self, event: Event, path: str, digest: str, via: str | None = None, recorded_at: Any = None
    ) -> None: ...

    def correct(self, event: Correction, path: str) -> None:
        target = self._correctable(event, path)
        original = self.state.event_value(target.event_id)
        self.reverse(original, event.event_id)
        self.state.put(
            self.state.events, target.event_id, replace(target, retracted_by=event.event_id)
        )
        self.state.changes.retracted_findings.append(target.event_id)
        self.state.changes.retracted_edges.append(target.event_id)
        if event.replacement is not None:
            self._replace(event, path)

    def _correctable(self, event: Correction, path: str) -> EventState:
        target = self.state.event(event.corrects)
        if target is None:
            raise reject("unknown_event", f"{path}corrects", "no such event", event.corrects)
        if target.retracted_by is not None:
            raise reject(
                "already_retracted",
                f"{path}corrects",
                f"already retracted by {target.retracted_by}",
                event.corrects,
            )
        if target.reporter != event.reporter:
            raise reject(
                "correction_not_reporter",
                f"{path}reporter",
                "only the reporter of an event may correct it",
                event.reporter,
            )
        if target.type == "customs_check":
            raise reject(
                "not_correctable",
                f"{path}corrects",
                "a customs decision is not corrected by the exporter",
                event.corrects,
            )
        if target.type == "correction":
            raise reject(
                "correction_of_correction",
                f"{path}corrects",
                "a correction cannot be corrected; correct its replacement instead",
                event.corrects,
            )
        shipment = self.state.shipment(target.event_id) if target.type == "shipment" else None
        if shipment is not None and shipment.received is not None:
            raise reject(
                "shipment_received",
                f"{path}corrects",
                f"the buyer has received this shipment ({shipment.receipt_event_id}); "
                "its receipt must be corrected first",
                event.corrects,
            )
        return target

    def _replace(self, event: Correction, path: str) -> None:
        replacement = event.replacement
        assert replacement is not None
        sub = f"{path}replacement."
        if replacement.reporter != event.reporter:
            raise reject(
                "replacement_reporter",
                f"{sub}reporter",
                "a replacement is reported by the correction's reporter",
                replacement.reporter,
            )
        if self.state.event(replacement.event_id) is not None:
            raise reject(
                "event_id_conflict",
                f"{sub}event_id",
                "this event_id is already used",
                replacement.event_id,
            )
        check_reporter(self.state, replacement, Actor("", None), sub)
        self.apply_event(
            replacement,
            sub,
            self.replacement_digest,
            via=event.event_id,
            recorded_at=event.replacement_recorded_at,
        )

    def reverse(self, original: Event, correction_id: str) -> None:
        """Post the original event's effects in reverse."""
        for lot in lots_created(original):
            self.take(
                (LotQuantity(lot.lot_id, lot.mass_g),), original.reporter, correction_id, None
            )
            current = self.state.any_lot(lot.lot_id)
            assert current is not None
            self.state.put(
                self.state.lots,
                lot.lot_id,
                replace(current, created_g=current.created_g - lot.mass_g, retracted=True),
            )
        if isinstance(original, Processing | Export):
            account = "consumed_g" if isinstance(original, Processing) else "exported_g"
            for item in original.items if isinstance(original, Export) else original.inputs:
                self.state.add_balance(item.lot_id, original.reporter, item.mass_g)
                self.bump(item.lot_id, account, -item.mass_g)
            if isinstance(original, Export):
                self.control.give_back(original.event_id)
        elif isinstance(original, Shipment):
            shipment = self.state.shipment(original.event_id)
            assert shipment is not None
            for lot_id, mass in shipment.items.items():
                self.state.add_balance(lot_id, original.reporter, mass)
            self.state.put(
                self.state.shipments, original.event_id, replace(shipment, retracted=True)
            )
        elif isinstance(original, Receipt):
            self._reverse_receipt(original, correction_id)
        elif isinstance(original, Adjustment):
            self._reverse_adjustment(original, correction_id)

    def _reverse_receipt(self, original: Receipt, correction_id: str) -> None:
        shipment = self.state.shipment(original.shipment_event_id)
        assert shipment is not None and shipment.received is not None
        for lot_id, got in shipment.received.items():
            held = self.state.balance(lot_id, shipment.buyer)
            if held < got:
                self.flag(correction_id, negative_balance(lot_id, shipment.buyer, got, held))
        self.post_receipt(shipment, shipment.received, -1)
        self.state.put(
            self.state.shipments,
            shipment.event_id,
            replace(shipment, received=None, receipt_event_id=None),
        )

    def _reverse_adjustment(self, original: Adjustment, correction_id: str) -> None:
        if original.delta_g > 0:
            self.take(
                (LotQuantity(original.lot_id, original.delta_g),),
                original.reporter,
                correction_id,
                None,
            )
        else:
            self.state.add_balance(original.lot_id, original.reporter, -original.delta_g)
        self.bump(original.lot_id, "adjusted_g", -original.delta_g)

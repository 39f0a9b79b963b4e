"""Applying one record at one ledger position: the mass it moves and the findings it raises.

Mass moves between a lot's accounts like money in double-entry bookkeeping: a creation
debits the lot's ``created`` account and credits a holder; a shipment moves mass from the
seller to the shipment's transit account; a receipt moves it on to the buyer (any difference
to the discrepancy account); processing and exports move mass to ``consumed`` and
``exported``; adjustments to or from ``adjusted``. A correction posts the retracted event's
effects in reverse. The event types' own postings are in :mod:`.creation`, :mod:`.trade`,
:mod:`.exports` and :mod:`.adjustments`, each beside its reversal.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from rareledger.domain.actors import Actor
from rareledger.domain.events import LotQuantity, NewLot
from rareledger.domain.export_control import ExportControl
from rareledger.domain.findings import RuleSettings, negative_balance
from rareledger.domain.ledger.model import Movement, RecordedFinding
from rareledger.domain.ledger.state import LedgerState
from rareledger.domain.lots import Lot, cause, open_causes
from rareledger.domain.problems import Finding


class Posting:
    """One record being applied: where it goes in the ledger, who sent it, what it found."""

    def __init__(
        self,
        state: LedgerState,
        control: ExportControl,
        settings: RuleSettings,
        *,
        position: int,
        recorded_at: datetime,
        actor: Actor,
    ) -> None:
        self.state = state
        self.control = control
        self.settings = settings
        self.position = position
        self.recorded_at = recorded_at
        self.actor = actor
        self.findings: list[Finding] = []
        self.outcome: dict[str, Any] | None = None  # a customs decision
        self.occurred_at = ""  # UTC text of the event being applied, for the chain of custody
        self.replacement_digest = ""  # a correction's replacement's content digest

    def flag(self, event_id: str, finding: Finding) -> None:
        seq = len(self.findings)
        self.state.add_finding(RecordedFinding(self.position, seq, event_id, finding))
        self.findings.append(finding)

    def flag_all(self, event_id: str, findings: Iterable[Finding]) -> None:
        for finding in findings:
            self.flag(event_id, finding)

    def take(
        self, items: Iterable[LotQuantity], holder: str, event_id: str, account: str | None
    ) -> None:
        """Take mass from a holder into a lot account (``consumed_g``, ``exported_g``) or,
        with ``account`` None, out of the holder's hands (into transit, or reversed)."""
        state = self.state
        for item in items:
            held = state.balance(item.lot_id, holder)
            if held < item.mass_g:
                self.flag(event_id, negative_balance(item.lot_id, holder, item.mass_g, held))
                self.mark_gap(item.lot_id, cause("negative_balance", event_id))
            state.add_balance(item.lot_id, holder, -item.mass_g)
            if account is not None:
                self.bump(item.lot_id, account, item.mass_g)

    def give(self, items: Iterable[LotQuantity], holder: str, account: str | None) -> None:
        """The reverse of :meth:`take`: mass back into a holder's hands."""
        for item in items:
            self.state.add_balance(item.lot_id, holder, item.mass_g)
            if account is not None:
                self.bump(item.lot_id, account, -item.mass_g)

    def open_gaps(self, lot_id: str) -> list[str]:
        """The lot's provenance problems not resolved by a correction (upstream included)."""
        lot = self.state.any_lot(lot_id)
        return [] if lot is None else open_causes(lot, self._retracted)

    def _retracted(self, event_id: str) -> bool:
        index = self.state.event(event_id)
        return index is not None and index.retracted_by is not None

    def mark_gap(self, lot_id: str, named: str) -> None:
        """Record a provenance problem on a lot (see :func:`rareledger.domain.lots.open_causes`)."""
        lot = self.state.any_lot(lot_id)
        if lot is not None and named not in lot.gap_causes:
            self.state.change(lot, "gap_causes", (*lot.gap_causes, named))

    def bump(self, lot_id: str, account: str, delta_g: int) -> None:
        lot = self.state.any_lot(lot_id)
        assert lot is not None
        self.state.change(lot, account, getattr(lot, account) + delta_g)

    def create(
        self,
        lots: Iterable[NewLot],
        holder: str,
        event_id: str,
        gap_causes: tuple[str, ...] = (),
    ) -> None:
        """New lots held by ``holder`` (a lot id retracted earlier keeps its accounts), with
        the provenance problems they inherit."""
        state = self.state
        for new in lots:
            lot = state.any_lot(new.lot_id)
            if lot is None:
                lot = Lot(new.lot_id, new.form, new.composition, holder, event_id, self.position)
                lot.gap_causes = gap_causes
                state.put_lot(lot)
            else:
                for name, value in (
                    ("gap_causes", gap_causes),
                    ("form", new.form),
                    ("composition", new.composition),
                    ("creator", holder),
                    ("event_id", event_id),
                    ("position", self.position),
                    ("retracted", False),
                ):
                    state.change(lot, name, value)
            state.change(lot, "created_g", lot.created_g + new.mass_g)
            state.add_balance(new.lot_id, holder, new.mass_g)
            self.moved(new.lot_id, event_id, "created", None, holder, new.mass_g)

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
        self.state.add_movement(
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

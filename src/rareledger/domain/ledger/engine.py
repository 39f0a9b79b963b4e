"""The ledger's rules: judge one parsed record against the state, then post its effects.

For an event: the common checks (reporter, facility, time), then the event type's ``judge``
(which may reject and changes nothing), then its ``post`` (which moves mass and raises
findings, and never rejects). A correction judges its target, posts the target's reversal,
and then applies its replacement like any event, judged against the state after the
reversal. Should anything reject after a change was made, the state's undo log takes every
change of the record back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from rareledger.domain.actors import Actor, check_reporter
from rareledger.domain.events import (
    Adjustment,
    Correction,
    CustomsCheck,
    Event,
    Export,
    Extraction,
    Import,
    Processing,
    Receipt,
    Shipment,
)
from rareledger.domain.export_control import ExportControl, Screener, no_screening
from rareledger.domain.findings import RuleSettings, late_report
from rareledger.domain.ledger import corrections, creation, exports, trade
from rareledger.domain.ledger.master import apply_master
from rareledger.domain.ledger.model import EventIndex
from rareledger.domain.ledger.postings import Posting
from rareledger.domain.ledger.state import LedgerState
from rareledger.domain.problems import Finding, Problem, Rejected, reject
from rareledger.domain.quantities import utc_text
from rareledger.domain.records import ParsedRecord, content_digest

FUTURE_LIMIT = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Applied:
    """The outcome of a record the rules did not reject."""

    duplicate_of: int | None  # position of the original, for an identical re-send
    findings: list[Finding]
    outcome: dict[str, Any] | None = None  # a customs decision


@dataclass(frozen=True, slots=True)
class Handler:
    """An event type's rules: judge (may reject), post (moves mass), reverse (a correction)."""

    judge: Callable[[Posting, Any, str], None]
    post: Callable[[Posting, Any], None]
    reverse: Callable[[Posting, Any, str], None] | None


HANDLERS: dict[type[Event], Handler] = {
    Extraction: Handler(
        creation.judge_extraction, creation.post_extraction, creation.reverse_creation
    ),
    Processing: Handler(
        creation.judge_processing, creation.post_processing, creation.reverse_processing
    ),
    Import: Handler(creation.judge_import, creation.post_import, creation.reverse_creation),
    Shipment: Handler(trade.judge_shipment, trade.post_shipment, trade.reverse_shipment),
    Receipt: Handler(trade.judge_receipt, trade.post_receipt, trade.reverse_receipt),
    Export: Handler(exports.judge_export, exports.post_export, exports.reverse_export),
    CustomsCheck: Handler(exports.judge_customs_check, exports.post_customs_check, None),
    Adjustment: Handler(
        exports.judge_adjustment, exports.post_adjustment, exports.reverse_adjustment
    ),
}
REVERSERS = {kind: h.reverse for kind, h in HANDLERS.items() if h.reverse is not None}


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
        self.state.begin()
        try:
            return self._apply(parsed, position, recorded_at, actor)
        except Rejected:
            self.state.undo()
            raise
        except Exception as error:  # a defect, not the reporter's fault: keep it to this record
            self.state.undo()
            message = f"the record could not be applied ({type(error).__name__}: {error})"
            raise Rejected([Problem("invalid", "", message[:300])]) from error

    def _apply(
        self, parsed: ParsedRecord, position: int, recorded_at: datetime, actor: Actor
    ) -> Applied:
        if parsed.kind == "master":
            outcome = apply_master(self.state, self.control, parsed, position, actor)
            return Applied(outcome.duplicate_of, outcome.findings)
        event = parsed.value
        assert isinstance(event, Event)
        check_reporter(self.state, event, actor, "")  # before anything about a known event
        known = self.state.event(event.event_id)
        if known is not None:
            return _resend(known, parsed.digest)
        p = Posting(
            self.state,
            self.control,
            self.settings,
            position=position,
            recorded_at=recorded_at,
            actor=actor,
        )
        p.replacement_digest = _replacement_digest(parsed, event)
        _apply_event(p, event, "", parsed.digest)
        return Applied(None, p.findings, p.outcome)


def _replacement_digest(parsed: ParsedRecord, event: Event) -> str:
    if isinstance(event, Correction) and event.replacement is not None:
        return content_digest(parsed.record["replacement"])
    return ""


def _resend(known: EventIndex, digest: str) -> Applied:
    if known.digest != digest:
        raise reject(
            "event_id_conflict",
            "event_id",
            "this event_id is already used for a different event",
            known.event_id,
        )
    return Applied(known.position, [])


def _apply_event(
    p: Posting,
    event: Event,
    path: str,
    digest: str,
    *,
    via: str | None = None,
    recorded_at: datetime | None = None,
) -> None:
    """Judge and post one event (a correction's replacement too), then index it."""
    recorded_at = recorded_at or p.recorded_at
    p.occurred_at = utc_text(event.occurred_at)
    _check_common(p, event, path, recorded_at)
    if isinstance(event, Correction):
        _correct(p, event, path)
    else:
        handler = HANDLERS[type(event)]
        handler.judge(p, event, path)
        handler.post(p, event)
    index = EventIndex(event.event_id, p.position, event.type, event.reporter, digest)
    index.via_correction = via
    p.state.put_event(index, event)
    late = late_report(event.occurred_at, recorded_at, event.reporter)
    if late is not None:
        p.flag(event.event_id, late)


def _correct(p: Posting, event: Correction, path: str) -> None:
    target = corrections.judge_correction(p, event, path)
    replacement = (
        corrections.judge_replacement(p, event, path) if event.replacement is not None else None
    )
    corrections.post_correction(p, event, target, REVERSERS)
    if replacement is not None:
        _apply_event(
            p,
            replacement,
            f"{path}replacement.",
            p.replacement_digest,
            via=event.event_id,
            recorded_at=corrections.replacement_recorded_at(p, event),
        )


def _check_common(p: Posting, event: Event, path: str, recorded_at: datetime) -> None:
    if event.facility_id is not None:
        facility = p.state.master("facility", event.facility_id)
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

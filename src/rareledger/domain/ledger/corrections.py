"""Corrections: retract an earlier event by posting its effects in reverse, then apply the
replacement, if any, as a new event.

The reversals themselves sit beside each event type's postings; the engine hands them in, so
this module depends on no event type's module (and none on it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rareledger.domain.actors import Actor, check_reporter
from rareledger.domain.events import Correction, Event
from rareledger.domain.ledger.model import EventIndex
from rareledger.domain.ledger.postings import Posting
from rareledger.domain.problems import reject

Reverse = Callable[[Posting, Event, str], None]
ApplyEvent = Callable[..., None]


def judge_correction(p: Posting, event: Correction, path: str) -> EventIndex:
    """The event to retract, if this correction may retract it."""
    target = p.state.event(event.corrects)
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
    _check_correctable(p, target, event, path)
    return target


def _check_correctable(p: Posting, target: EventIndex, event: Correction, path: str) -> None:
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
    shipment = p.state.shipment(target.event_id) if target.type == "shipment" else None
    if shipment is not None and shipment.received is not None:
        raise reject(
            "shipment_received",
            f"{path}corrects",
            f"the buyer has received this shipment ({shipment.receipt_event_id}); "
            "its receipt must be corrected first",
            event.corrects,
        )


def post_correction(
    p: Posting,
    event: Correction,
    target: EventIndex,
    reversers: dict[type[Event], Reverse],
) -> None:
    """Post the retracted event's effects in reverse and mark it retracted."""
    original = p.state.event_value(target)
    reverse = reversers.get(type(original))
    if reverse is not None:
        reverse(p, original, event.event_id)
    p.state.change(target, "retracted_by", event.event_id)
    p.state.retract_derived(target.event_id)


def judge_replacement(p: Posting, event: Correction, path: str) -> Event:
    """The replacement's own header checks (its content is judged when it is applied)."""
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
    if p.state.event(replacement.event_id) is not None:
        raise reject(
            "event_id_conflict",
            f"{sub}event_id",
            "this event_id is already used",
            replacement.event_id,
        )
    check_reporter(p.state, replacement, Actor("", None), sub)
    return replacement


def replacement_recorded_at(p: Posting, event: Correction) -> datetime:
    return event.replacement_recorded_at or p.recorded_at

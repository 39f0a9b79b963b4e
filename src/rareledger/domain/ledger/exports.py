"""Exports and customs checks; adjustments. Each beside its reversal.

An export takes mass out of the exporter's balance into the lot's ``exported`` account and is
judged by export control (screening, classification, licence draw-down). A customs check is an
export proposed to customs: it moves no mass, and its outcome is the customs decision.
An adjustment changes the reporter's own balance against the ``adjusted`` account.
"""

from __future__ import annotations

from rareledger.domain.events import Adjustment, CustomsCheck, Export, LotQuantity
from rareledger.domain.ledger import customs
from rareledger.domain.ledger.creation import check_known_lots
from rareledger.domain.ledger.postings import Posting
from rareledger.domain.problems import Finding, reject

EXPORTED = "exported_g"
ADJUSTED = "adjusted_g"
CUSTOMS_ROLES = ("customs", "regulator", "operator")

# ---------------------------------------------------------------- export


def judge_export(p: Posting, event: Export, path: str) -> None:
    check_known_lots(p, event.items, f"{path}items")


def post_export(p: Posting, event: Export) -> None:
    tainted = {i.lot_id: gaps for i in event.items if (gaps := p.open_gaps(i.lot_id))}
    p.take(event.items, event.reporter, event.event_id, EXPORTED)
    for item in event.items:
        p.moved(
            item.lot_id,
            event.event_id,
            "exported",
            event.reporter,
            event.destination_country,
            item.mass_g,
        )
    p.flag_all(event.event_id, p.control.judge_export(event))
    if tainted:
        p.flag(event.event_id, tainted_export(event.reporter, tainted))


def reverse_export(p: Posting, original: Export, _correction_id: str) -> None:
    p.give(original.items, original.reporter, EXPORTED)
    p.control.give_back(original.event_id, original.customs_declaration_no)


def tainted_export(exporter: str, tainted: dict[str, list[str]]) -> Finding:
    lots = ", ".join(sorted(tainted))
    return Finding(
        "tainted_export",
        f"exports lots with a gap in their provenance: {lots}",
        exporter,
        min(tainted),
        {"lots": lots, "causes": " ".join(sorted({c for g in tainted.values() for c in g}))},
    )


# ---------------------------------------------------------------- customs check


def judge_customs_check(p: Posting, event: CustomsCheck, path: str) -> None:
    if p.actor.role not in CUSTOMS_ROLES:
        raise reject(
            "not_permitted", f"{path}type", "customs checks are made by customs", event.type
        )
    check_known_lots(p, event.items, f"{path}items")
    customs.judge(p, event)


def post_customs_check(p: Posting, event: CustomsCheck) -> None:
    p.outcome = customs.decide(p, event)


# ---------------------------------------------------------------- adjustment


def judge_adjustment(p: Posting, event: Adjustment, path: str) -> None:
    if p.state.lot(event.lot_id) is None:
        raise reject("unknown_lot", f"{path}lot_id", "no such lot", event.lot_id)
    if not p.state.ever_held(event.lot_id, event.reporter):
        raise reject(
            "lot_not_held",
            f"{path}lot_id",
            "an adjustment corrects the reporter's own stock of a lot it has held",
            event.lot_id,
        )


def post_adjustment(p: Posting, event: Adjustment) -> None:
    _adjust(p, event.lot_id, event.reporter, event.delta_g, event.event_id)


def reverse_adjustment(p: Posting, original: Adjustment, correction_id: str) -> None:
    _adjust(p, original.lot_id, original.reporter, -original.delta_g, correction_id)


def _adjust(p: Posting, lot_id: str, holder: str, delta_g: int, event_id: str) -> None:
    if delta_g < 0:
        p.take((LotQuantity(lot_id, -delta_g),), holder, event_id, None)
    else:
        p.state.add_balance(lot_id, holder, delta_g)
    p.bump(lot_id, ADJUSTED, delta_g)

"""Events that create lots: extraction, processing and import; each beside its reversal.

A processing event also consumes its inputs and records its lineage (:class:`Link` rows);
the mass-balance check compares the element masses that went in and came out. Every creation
and its reversal also say how the lot's origin vector is made (:class:`OriginSource`).
"""

from __future__ import annotations

from rareledger.domain.events import Extraction, Import, LotQuantity, NewLot, Processing
from rareledger.domain.findings import mass_balance_excess
from rareledger.domain.ledger.model import Link, OriginSource
from rareledger.domain.ledger.postings import Posting
from rareledger.domain.lots import cause
from rareledger.domain.origins import Ingredient, RootOrigin
from rareledger.domain.problems import reject

CONSUMED = "consumed_g"


def check_new_lots(p: Posting, lots: tuple[NewLot, ...], path: str) -> None:
    for index, lot in enumerate(lots):
        if p.state.lot(lot.lot_id) is not None:
            raise reject(
                "lot_exists",
                f"{path}outputs[{index}].lot_id",
                "a lot with this id already exists",
                lot.lot_id,
            )


def check_known_lots(p: Posting, items: tuple[LotQuantity, ...], path: str) -> None:
    for index, item in enumerate(items):
        if p.state.lot(item.lot_id) is None:
            raise reject("unknown_lot", f"{path}[{index}].lot_id", "no such lot", item.lot_id)


# ---------------------------------------------------------------- extraction


def judge_extraction(p: Posting, event: Extraction, path: str) -> None:
    facility = p.state.master("facility", event.facility_id or "")
    if facility is None or facility.kind != "mine":
        raise reject(
            "extraction_not_at_mine",
            f"{path}facility_id",
            "an extraction must be reported at one of the reporter's mines",
            event.facility_id,
        )
    check_new_lots(p, event.outputs, path)


def post_extraction(p: Posting, event: Extraction) -> None:
    renewed = _renewed(p, event.outputs)
    p.create(event.outputs, event.reporter, event.event_id)
    miner = p.state.enterprise(event.reporter)
    root = RootOrigin("extraction", miner.country if miner else None, event.facility_id)
    for new in event.outputs:
        p.state.add_origin(
            OriginSource(new.lot_id, new.composition, root=root, downstream=new.lot_id in renewed)
        )


def _renewed(p: Posting, outputs: tuple[NewLot, ...]) -> set[str]:
    """The outputs whose id belonged to a lot whose creation was retracted: anything made
    from that lot is made from this one now."""
    return {new.lot_id for new in outputs if p.state.any_lot(new.lot_id) is not None}


# ---------------------------------------------------------------- import


def judge_import(p: Posting, event: Import, path: str) -> None:
    check_new_lots(p, event.outputs, path)


def post_import(p: Posting, event: Import) -> None:
    renewed = _renewed(p, event.outputs)
    p.create(event.outputs, event.reporter, event.event_id)
    root = RootOrigin("import", event.origin_country)
    for new in event.outputs:
        p.state.add_origin(
            OriginSource(new.lot_id, new.composition, root=root, downstream=new.lot_id in renewed)
        )


def reverse_creation(
    p: Posting, original: Extraction | Import | Processing, correction_id: str
) -> None:
    """Take the created mass back out of the creator's hands; the lots no longer exist."""
    for new in original.outputs:
        p.take((LotQuantity(new.lot_id, new.mass_g),), original.reporter, correction_id, None)
        lot = p.state.any_lot(new.lot_id)
        assert lot is not None
        p.state.change(lot, "created_g", lot.created_g - new.mass_g)
        p.state.change(lot, "retracted", True)
        p.state.add_origin(
            OriginSource(new.lot_id, lot.composition, retracted=True, downstream=True)
        )


# ---------------------------------------------------------------- processing


def judge_processing(p: Posting, event: Processing, path: str) -> None:
    check_known_lots(p, event.inputs, f"{path}inputs")
    check_new_lots(p, event.outputs, path)


def post_processing(p: Posting, event: Processing) -> None:
    state = p.state
    inputs = [(state.lot(i.lot_id), i.mass_g) for i in event.inputs]
    excess = mass_balance_excess(
        [(lot.composition, mass) for lot, mass in inputs if lot is not None],
        [(lot.composition, lot.mass_g) for lot in event.outputs],
        p.settings.mass_balance_tolerance,
        event.reporter,
    )
    p.take(event.inputs, event.reporter, event.event_id, CONSUMED)
    inherited = [c for i in event.inputs for c in _gaps(p, i.lot_id)]
    if excess:
        inherited.append(cause("mass_balance_excess", event.event_id))
    renewed = _renewed(p, event.outputs)
    p.create(event.outputs, event.reporter, event.event_id, tuple(dict.fromkeys(inherited)))
    ingredients = tuple(
        Ingredient(i.lot_id, i.mass_g, lot.composition)
        for (lot, _), i in zip(inputs, event.inputs, strict=True)
        if lot is not None
    )
    for new in event.outputs:
        p.state.add_origin(
            OriginSource(
                new.lot_id, new.composition, inputs=ingredients, downstream=new.lot_id in renewed
            )
        )
    p.flag_all(event.event_id, excess)
    at = p.position
    state.add_links(Link(i.lot_id, event.event_id, "in", at, i.mass_g) for i in event.inputs)
    state.add_links(Link(o.lot_id, event.event_id, "out", at, o.mass_g) for o in event.outputs)


def _gaps(p: Posting, lot_id: str) -> tuple[str, ...]:
    lot = p.state.any_lot(lot_id)
    return lot.gap_causes if lot is not None else ()


def reverse_processing(p: Posting, original: Processing, correction_id: str) -> None:
    reverse_creation(p, original, correction_id)
    p.give(original.inputs, original.reporter, CONSUMED)

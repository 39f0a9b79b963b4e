"""What normal looks like: robust statistics and the classes of material peers are drawn from.

The rules compare an event with a baseline (the median of its peers, or of the enterprise's own
history) and with the spread around it, measured robustly (the median absolute deviation,
scaled to a standard deviation) so that a few violations among the peers do not move either.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from operator import itemgetter

from rareledger.domain.detection.facts import Composition, Facts, Shipped

MAD_TO_SD = 1.4826  # the median absolute deviation of a normal distribution, in standard deviations


def median(values: Sequence[float]) -> float:
    """The median of ``values`` (not empty)."""
    return _median_of(sorted(values))


def _median_of(ordered: list[float]) -> float:
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def spread(values: Sequence[float], centre: float) -> float:
    """A robust standard deviation: the median absolute deviation from ``centre``, scaled."""
    return MAD_TO_SD * median([abs(v - centre) for v in values])


def quartiles(values: Sequence[float]) -> tuple[float, float]:
    """The lower and upper quartiles (nearest rank)."""
    return _quartiles_of(sorted(values))


def _quartiles_of(ordered: list[float]) -> tuple[float, float]:
    last = len(ordered) - 1
    return ordered[round(last * 0.25)], ordered[round(last * 0.75)]


def summary(values: Sequence[float]) -> tuple[float, float, float]:
    """The median and the lower and upper quartiles of ``values`` (not empty), sorted once."""
    ordered = sorted(values)
    return _median_of(ordered), *_quartiles_of(ordered)


def signature(composition: Composition) -> str:
    """The two elements a lot holds most of, by mass (one for a single-element product).

    Peers share a form and a signature: Pr-Nd oxide with Pr-Nd oxide, magnets with magnets
    (all grades: prices are judged per unit of content value), light with light concentrate.
    """
    by_share = sorted(composition, key=itemgetter(1), reverse=True)
    if len(by_share) > 2 and by_share[1][1] == by_share[2][1]:  # a tie for second: by name
        by_share = sorted(composition, key=lambda pair: (-pair[1], pair[0]))
    return "-".join(sorted([element for element, fraction in by_share[:2] if fraction > 0]))


class Materials:
    """The class of material of items: the form and signature of their largest lot
    (``oxide:Nd-Pr``), worked out once per form and composition (of the facts as they stand)."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self._by_form: dict[str, list[str | None]] = {}  # form: by composition

    def of(self, items: tuple[tuple[str, int], ...]) -> str:
        if not items:
            return ""
        lot = items[0][0] if len(items) == 1 else max(items, key=lambda i: (i[1], i[0]))[0]
        known = self.facts.lots.get(lot)
        return "?:" if known is None else self.named(known)

    def named(self, known: tuple[str, int]) -> str:
        """The class of material of a lot known as (form, composition)."""
        form, composition = known
        by_composition = self._by_form.get(form)
        if by_composition is None:
            by_composition = self._by_form[form] = [None] * len(self.facts.compositions)
        found = by_composition[composition]
        if found is None:
            found = f"{form}:{signature(self.facts.compositions[composition])}"
            by_composition[composition] = found
        return found


def returns(facts: Facts, return_days: int) -> dict[str, str]:
    """Shipments that send goods back to the firm they came from, within ``return_days``:
    the return's event id and the sale it returns (credited at that sale's price). Worked out
    once for the facts as they stand (two rules ask)."""
    key = ("returns", return_days)
    if key not in facts.derived:
        facts.derived[key] = _returns(facts, return_days)
    found: dict[str, str] = facts.derived[key]
    return found


def _returns(facts: Facts, return_days: int) -> dict[str, str]:
    """Most lots are shipped once: only those in two shipments or more are followed (a return
    sends a lot back along the way it came)."""
    shipments = list(facts.shipments.values())
    window = timedelta(days=return_days)
    found: dict[int, dict[str, str]] = defaultdict(dict)  # shipment: lot: the sale it returns
    for lot, positions in _shared_lots(shipments).items():
        moves = [shipments[i] for i in positions]
        for position, shipment in zip(positions, moves, strict=True):
            sale = _returned(shipment, moves, window)
            if sale is not None:
                found[position][lot] = sale.event_id
    returned = {}
    for position in sorted(found):  # in the order of the shipments; the last lot sent back wins
        shipment, sales = shipments[position], found[position]
        for lot, _grams in shipment.items:
            if lot in sales:
                returned[shipment.event_id] = sales[lot]
    return returned


def _shared_lots(shipments: list[Shipped]) -> dict[str, list[int]]:
    """The lots in more than one shipment (or twice in one): the positions of the shipments, in
    order (one position per time the lot is listed, but the first)."""
    first: dict[str, int] = {}
    shared: dict[str, list[int]] = {}
    remember = first.setdefault
    for position, shipment in enumerate(shipments):
        for lot, _grams in shipment.items:
            earlier = remember(lot, position)
            if earlier != position:
                positions = shared.get(lot)
                if positions is None:
                    shared[lot] = [earlier, position]
                else:
                    positions.append(position)
    return shared


def _returned(shipment: Shipped, moves: list[Shipped], window: timedelta) -> Shipped | None:
    """The latest of ``moves`` (the first of equals) from the shipment's buyer to its seller in
    the ``window`` before it, if any."""
    at = shipment.occurred_at
    before = [
        s
        for s in moves
        if s.seller == shipment.buyer
        and s.buyer == shipment.seller
        and at - window <= s.occurred_at < at
    ]
    return max(before, key=lambda s: s.occurred_at) if before else None

"""What normal looks like: robust statistics and the classes of material peers are drawn from.

The rules compare an event with a baseline (the median of its peers, or of the enterprise's own
history) and with the spread around it, measured robustly (the median absolute deviation,
scaled to a standard deviation) so that a few violations among the peers do not move either.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta

from rareledger.domain.detection.facts import Composition, Facts, Shipped

MAD_TO_SD = 1.4826  # the median absolute deviation of a normal distribution, in standard deviations


def median(values: Sequence[float]) -> float:
    """The median of ``values`` (not empty)."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def spread(values: Sequence[float], centre: float) -> float:
    """A robust standard deviation: the median absolute deviation from ``centre``, scaled."""
    return MAD_TO_SD * median([abs(v - centre) for v in values])


def quartiles(values: Sequence[float]) -> tuple[float, float]:
    """The lower and upper quartiles (nearest rank)."""
    ordered = sorted(values)
    last = len(ordered) - 1
    return ordered[round(last * 0.25)], ordered[round(last * 0.75)]


def signature(composition: Composition) -> str:
    """The two elements a lot holds most of, by mass (one for a single-element product).

    Peers share a form and a signature: Pr-Nd oxide with Pr-Nd oxide, magnets with magnets
    (all grades: prices are judged per unit of content value), light with light concentrate.
    """
    top = sorted(composition, key=lambda pair: (-pair[1], pair[0]))[:2]
    return "-".join(sorted(element for element, fraction in top if fraction > 0))


class Materials:
    """The class of material of items: the form and signature of their largest lot
    (``oxide:Nd-Pr``), worked out once per form and composition."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self._known: dict[tuple[str, int], str] = {}

    def of(self, items: tuple[tuple[str, int], ...]) -> str:
        if not items:
            return ""
        lot = items[0][0] if len(items) == 1 else max(items, key=lambda i: (i[1], i[0]))[0]
        known = self.facts.lots.get(lot)
        if known is None:
            return "?:"
        found = self._known.get(known)
        if found is None:
            found = f"{known[0]}:{signature(self.facts.compositions[known[1]])}"
            self._known[known] = found
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
    sold: dict[tuple[str, str, str], list[Shipped]] = defaultdict(list)
    for shipment in facts.shipments.values():
        for lot in shipment.lots:
            sold[(shipment.seller, shipment.buyer, lot)].append(shipment)
    window = timedelta(days=return_days)
    found = {}
    for shipment in facts.shipments.values():
        for lot in shipment.lots:
            before = [
                s
                for s in sold.get((shipment.buyer, shipment.seller, lot), ())
                if shipment.occurred_at - window <= s.occurred_at < shipment.occurred_at
            ]
            if before:
                found[shipment.event_id] = max(before, key=lambda s: s.occurred_at).event_id
    return found

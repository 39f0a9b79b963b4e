"""Rule on receipts: what a buyer reports receiving against what its seller reports shipping.

Scales disagree a little and concentrates and carbonates dry in transit, so honest receipts
differ from their shipments by a small amount that depends on the form of the material. The
rule learns that from all receipts of the form (their median difference and its robust spread)
and looks, per seller and buyer, for a run of receipts over a few months whose difference
departs from its form's, on average, by more than chance allows: a buyer skimming a little off
every delivery. A single receipt far off is the contract's own finding (``receipt_mismatch``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from rareledger.domain.detection.baselines import median, spread
from rareledger.domain.detection.facts import Facts, Received, Shipped
from rareledger.domain.detection.model import (
    Alert,
    DetectionSettings,
    Reference,
    kg,
    period_of,
    rule,
)


@dataclass(frozen=True, slots=True)
class Weighed:
    shipment: Shipped
    receipt: Received
    shipped_g: int
    received_g: int
    form: str

    @property
    def share(self) -> float:
        """The receipt's difference as a share of the shipment (negative: short)."""
        return (self.received_g - self.shipped_g) / self.shipped_g


@dataclass(frozen=True, slots=True)
class Normal:
    share: float  # the median difference of receipts of the form
    spread: float  # its robust standard deviation (at least ``mismatch_min_spread``)
    receipts: int


def _weighed(facts: Facts) -> dict[tuple[str, str], list[Weighed]]:
    pairs: dict[tuple[str, str], list[Weighed]] = defaultdict(list)
    for receipt in facts.receipts.values():
        shipment = facts.shipments.get(receipt.shipment_event_id)
        if shipment is None or not shipment.items:
            continue
        shipped_g = shipment.mass_g
        if shipped_g <= 0:
            continue
        form = facts.form_of(shipment.items[0][0]) or "?"
        weighed = Weighed(shipment, receipt, shipped_g, receipt.mass_g, form)
        pairs[(shipment.seller, shipment.buyer)].append(weighed)
    return pairs


def _normals(
    pairs: dict[tuple[str, str], list[Weighed]], settings: DetectionSettings
) -> dict[str, Normal]:
    shares: dict[str, list[float]] = defaultdict(list)
    for found in pairs.values():
        for w in found:
            shares[w.form].append(w.share)
    floor = float(settings.mismatch_min_spread)
    result = {}
    for form, values in shares.items():
        centre = median(values)
        result[form] = Normal(centre, max(spread(values, centre), floor), len(values))
    return result


@dataclass(frozen=True, slots=True)
class Run:
    moves: list[Weighed]
    mean: float  # the mean departure from the form's usual difference
    z: float
    excess_g: float


def _worst_run(
    moves: list[Weighed], normals: dict[str, Normal], settings: DetectionSettings
) -> Run | None:
    """The run of receipts within the window that departs most from normal, if it is enough.

    Each receipt is measured against the usual difference of its form, in that form's
    standard deviations, so that a pair trading several forms is judged on all its receipts.
    """
    window = timedelta(days=settings.mismatch_window_days)
    share, z_least = float(settings.mismatch_share), float(settings.mismatch_z)
    least_g = float(settings.mismatch_min_kg) * 1000
    departs, scores, excess = [0.0], [0.0], [0.0]  # running sums
    for w in moves:
        normal = normals[w.form]
        departs.append(departs[-1] + w.share - normal.share)
        scores.append(scores[-1] + (w.share - normal.share) / normal.spread)
        excess.append(excess[-1] + w.received_g - w.shipped_g * (1 + normal.share))
    best: Run | None = None
    end = 0
    for start in range(len(moves)):
        end = max(end, start)
        while end + 1 < len(moves) and (
            moves[end + 1].shipment.occurred_at - moves[start].shipment.occurred_at <= window
        ):
            end += 1
        count = end - start + 1
        if count < settings.mismatch_min_receipts:
            continue
        mean = (departs[end + 1] - departs[start]) / count
        z = abs(scores[end + 1] - scores[start]) / math.sqrt(count)
        gap = excess[end + 1] - excess[start]
        enough = abs(mean) >= share and z >= z_least and abs(gap) >= least_g
        if enough and (best is None or z > best.z):
            best = Run(moves[start : end + 1], mean, z, gap)
    return best


@rule(
    "quantity_mismatch",
    "medium",
    "A buyer's receipts from one seller depart, run after run, from what weighing explains",
)
def quantity_mismatch(facts: Facts, settings: DetectionSettings, _ref: Reference) -> list[Alert]:
    pairs = _weighed(facts)
    normals = _normals(pairs, settings)
    alerts = []
    for (seller, buyer), moves in sorted(pairs.items()):
        moves.sort(key=lambda w: (w.shipment.occurred_at, w.shipment.event_id))
        run = _worst_run(moves, normals, settings)
        if run is not None:
            alerts.append(_alert(seller, buyer, run, normals, settings))
    return alerts


def _alert(
    seller: str, buyer: str, run: Run, normals: dict[str, Normal], settings: DetectionSettings
) -> Alert:
    sent = sum(w.shipped_g for w in run.moves)
    got = sum(w.received_g for w in run.moves)
    first = run.moves[0].shipment.occurred_at
    forms = sorted({w.form for w in run.moves})
    form = ", ".join(forms)
    return Alert(
        "quantity_mismatch",
        "medium",
        (seller, buyer),
        tuple(e for w in run.moves for e in (w.shipment.event_id, w.receipt.event_id)),
        period_of(first),
        f"{buyer} reports receiving {kg(got)} kg of {form} that {seller} reports shipping as "
        f"{kg(sent)} kg in {len(run.moves)} deliveries: {run.mean:+.3%} a delivery off the "
        f"usual difference of the form ({run.z:.1f} standard errors)",
        {
            "form": form,
            "shipped_kg": kg(sent),
            "received_kg": kg(got),
            "difference_kg": kg(got - sent),
            "unexplained_kg": kg(run.excess_g),
            "receipts": str(len(run.moves)),
            "mean_departure": f"{run.mean:.5f}",
            "baseline_share": {f: f"{normals[f].share:.5f}" for f in forms},
            "baseline_spread": {f: f"{normals[f].spread:.5f}" for f in forms},
            "baseline_receipts": {f: str(normals[f].receipts) for f in forms},
            "z": f"{run.z:.2f}",
            "alert_from_share": str(settings.mismatch_share),
            "alert_from_z": str(settings.mismatch_z),
            "window_days": str(settings.mismatch_window_days),
            "shipments": [_delivery(w) for w in run.moves],
        },
    )


def _delivery(w: Weighed) -> dict[str, str]:
    return {
        "shipment": w.shipment.event_id,
        "receipt": w.receipt.event_id,
        "shipped_kg": kg(w.shipped_g),
        "received_kg": kg(w.received_g),
    }

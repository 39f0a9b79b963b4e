"""Rule on receipts: what a buyer reports receiving against what its seller reports shipping.

Scales disagree a little and concentrates and carbonates dry in transit, so honest receipts
differ from their shipments by a small amount that depends on the form of the material. The
rule learns that from all receipts of the form (their median difference and its robust spread)
and looks, per seller and buyer, for a run of receipts over a few months whose difference
departs from its form's, on average, by more than chance allows: a buyer skimming a little off
every delivery. A single receipt far off is the contract's own finding (``receipt_mismatch``).

A national year has half a million receipts and reading the facts is most of the work, so
each receipt is weighed once into a small tuple, and a pair's runs are searched (its receipts
put in order and summed) only if one of its receipts departs from normal by enough.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import groupby
from operator import itemgetter

from rareledger.domain.detection.baselines import median, spread
from rareledger.domain.detection.facts import Facts, Shipped, total_g
from rareledger.domain.detection.model import (
    Alert,
    DetectionSettings,
    Reference,
    kg,
    period_of,
    rule,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_ROUNDING = 2.0**-53  # the most one floating-point operation is off by, relatively

# A receipt weighed against its shipment: (the receipt's difference as a share of the
# shipment (negative: short), grams shipped, grams received, the shipment).
Weighed = tuple[float, int, int, Shipped]
Groups = dict[tuple[str, str, str], list[Weighed]]  # by seller, buyer and form
ByForm = dict[str, list[Weighed]]  # a pair's receipts
# A pair's receipt in order: (the shipment's time since the epoch, its event id, the share,
# grams shipped, grams received, the form, the shipment).
Timed = tuple[timedelta, str, float, int, int, str, Shipped]
_SHARE = itemgetter(0)


@dataclass(frozen=True, slots=True)
class Normal:
    share: float  # the median difference of receipts of the form
    spread: float  # its robust standard deviation (at least ``mismatch_min_spread``)
    receipts: int


def _weighed(facts: Facts) -> tuple[Groups, dict[str, list[float]]]:
    """Receipts weighed against their shipments, by seller, buyer and form, and their shares
    by form. (The masses are :func:`total_g` of the items, spelt out for the usual single item.)

    Shipments are read in turn and their receipts looked up (receipts are kept by their
    shipment's id, as shipments by theirs): the shipment's side is the larger to read."""
    groups: Groups = defaultdict(list)
    shares: dict[str, list[float]] = defaultdict(list)
    receipts, form_of = facts.receipts, facts.form_of
    for shipment in facts.shipments.values():
        receipt = receipts.get(shipment.event_id)
        if receipt is None or not (items := shipment.items):
            continue
        shipped_g = items[0][1] if len(items) == 1 else total_g(items)
        if shipped_g <= 0:
            continue
        got = receipt.items
        received_g = got[0][1] if len(got) == 1 else total_g(got)
        form = form_of(items[0][0]) or "?"
        share = (received_g - shipped_g) / shipped_g
        shares[form].append(share)
        groups[(shipment.seller, shipment.buyer, form)].append(
            (share, shipped_g, received_g, shipment)
        )
    return groups, shares


def _normals(shares: dict[str, list[float]], settings: DetectionSettings) -> dict[str, Normal]:
    """Each form's usual difference. The median and spread do not depend on the order of the
    shares; sorted first, the medians' own sorting of them and their deviations is quick."""
    floor = float(settings.mismatch_min_spread)
    result = {}
    for form, values in shares.items():
        values.sort()
        centre = median(values)
        result[form] = Normal(centre, max(spread(values, centre), floor), len(values))
    return result


def _pairs(groups: Groups) -> Iterator[tuple[tuple[str, str], ByForm]]:
    """Each seller and buyer in order, with their receipts by form."""
    for pair, found in groupby(sorted(groups.items()), key=lambda group: group[0][:2]):
        yield pair, {form: moves for (_, _, form), moves in found}


def _cannot_depart(by_form: ByForm, centres: dict[str, float], least: float) -> bool:
    """Whether no run of the receipts can depart from normal by ``least`` on average, because
    none departs by that much, with room to spare for how far rounding can take the running
    sums that the runs' means are worked out from (see :func:`_sums`). Then searching the runs
    would find nothing, and is skipped: most pairs are honest."""
    most = extreme = 0.0  # the largest departure of a receipt, and the largest usual share
    size = 0
    for form, moves in by_form.items():
        centre = centres[form]
        highest: float = max(map(_SHARE, moves))
        lowest: float = min(map(_SHARE, moves))
        most = max(most, highest - centre, centre - lowest)
        extreme = max(extreme, abs(centre))
        size += len(moves)
    # Every running sum and term is within ``largest``; each of the 2 ``size`` roundings
    # behind a sum is off by at most a unit of rounding of it, and a mean is the difference
    # of two sums (divided by their count, rounded twice more).
    largest = size * most + 2 * extreme + 2 * most
    return most + 16 * _ROUNDING * (size * largest + most) < least


def _in_order(by_form: ByForm) -> list[Timed]:
    """A pair's receipts in the order of their shipments' times (as exact instants since the
    epoch, cheaper to compare than times with an offset), then ids. No two receipts share a
    shipment, so the tuples never tie on those two and the shipments are never compared."""
    timed = [
        (_since_epoch(shipment.occurred_at), shipment.event_id, share, sent, got, form, shipment)
        for form, moves in by_form.items()
        for share, sent, got, shipment in moves
    ]
    timed.sort()
    return timed


def _since_epoch(moment: datetime) -> timedelta:
    return moment - (_NAIVE_EPOCH if moment.tzinfo is None else _EPOCH)


@dataclass(frozen=True, slots=True)
class Sums:
    """Running sums over a pair's receipts (the first 0): how far each departs from the usual
    difference of its form, in shares and in that form's standard deviations, and the grams
    that difference does not explain; and the receipts' instants."""

    departs: list[float]
    scores: list[float]
    excess: list[float]
    instants: list[timedelta]


Usual = dict[str, tuple[float, float, float]]  # form: its share, spread and 1 + share


def _sums(moves: list[Timed], usual: Usual) -> Sums:
    departs, scores, excess = [0.0], [0.0], [0.0]
    depart = score = unexplained = 0.0
    for _, _, share, shipped_g, received_g, form, _ in moves:
        centre, sd, kept = usual[form]
        depart = depart + share - centre
        departs.append(depart)
        score = score + (share - centre) / sd
        scores.append(score)
        unexplained = unexplained + received_g - shipped_g * kept
        excess.append(unexplained)
    return Sums(departs, scores, excess, [move[0] for move in moves])


@dataclass(frozen=True, slots=True)
class Run:
    moves: list[Timed]
    mean: float  # the mean departure from the form's usual difference
    z: float
    excess_g: float


def _worst_run(moves: list[Timed], usual: Usual, settings: DetectionSettings) -> Run | None:
    """The run of receipts within the window that departs most from normal, if it is enough.

    Each receipt is measured against the usual difference of its form, in that form's
    standard deviations, so that a pair trading several forms is judged on all its receipts.
    The first run of the highest z wins; a run's figures are worked out only as far as needed.
    """
    window = timedelta(days=settings.mismatch_window_days)
    share, z_least = float(settings.mismatch_share), float(settings.mismatch_z)
    least_g = float(settings.mismatch_min_kg) * 1000
    least = max(settings.mismatch_min_receipts, 1)
    sums = _sums(moves, usual)
    departs, scores, excess, instants = sums.departs, sums.scores, sums.excess, sums.instants
    best: Run | None = None
    best_z = 0.0
    stop = 0  # one past the last receipt within the window of ``start``
    for start in range(len(moves) - least + 1):
        stop = bisect_right(instants, instants[start] + window, stop)
        count = stop - start
        if count < least:
            continue
        mean = (departs[stop] - departs[start]) / count
        if not abs(mean) >= share:
            continue
        z = abs(scores[stop] - scores[start]) / math.sqrt(count)
        if not z >= z_least or (best is not None and not z > best_z):
            continue
        gap = excess[stop] - excess[start]
        if abs(gap) >= least_g:
            best, best_z = Run(moves[start:stop], mean, z, gap), z
    return best


@rule(
    "quantity_mismatch",
    "medium",
    "A buyer's receipts from one seller depart, run after run, from what weighing explains",
)
def quantity_mismatch(facts: Facts, settings: DetectionSettings, _ref: Reference) -> list[Alert]:
    groups, shares = _weighed(facts)
    normals = _normals(shares, settings)
    centres = {form: n.share for form, n in normals.items()}
    usual = {form: (n.share, n.spread, 1 + n.share) for form, n in normals.items()}
    least, share = settings.mismatch_min_receipts, float(settings.mismatch_share)
    alerts = []
    for (seller, buyer), by_form in _pairs(groups):
        if sum(map(len, by_form.values())) < least or _cannot_depart(by_form, centres, share):
            continue
        run = _worst_run(_in_order(by_form), usual, settings)
        if run is not None:
            alerts.append(_alert(facts, (seller, buyer), run, normals, settings))
    return alerts


def _alert(
    facts: Facts,
    pair: tuple[str, str],
    run: Run,
    normals: dict[str, Normal],
    settings: DetectionSettings,
) -> Alert:
    seller, buyer = pair
    sent = sum(move[3] for move in run.moves)
    got = sum(move[4] for move in run.moves)
    first = run.moves[0][6].occurred_at
    forms = sorted({move[5] for move in run.moves})
    form = ", ".join(forms)
    return Alert(
        "quantity_mismatch",
        "medium",
        (seller, buyer),
        tuple(e for move in run.moves for e in (move[1], facts.receipts[move[1]].event_id)),
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
            "shipments": [_delivery(facts, move) for move in run.moves],
        },
    )


def _delivery(facts: Facts, move: Timed) -> dict[str, str]:
    _, shipment_id, _, shipped_g, received_g, _, _ = move
    return {
        "shipment": shipment_id,
        "receipt": facts.receipts[shipment_id].event_id,
        "shipped_kg": kg(shipped_g),
        "received_kg": kg(received_g),
    }

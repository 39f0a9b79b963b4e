"""Origin shares by the proportional method of mass-balance chain of custody (ISO 22095).

Each lot's mass of an element is attributed to the origins (mines or imports) it descends from.
A lot created by an extraction or an import is its own origin. A lot made by processing takes,
for each element, the origins of its inputs in proportion to the mass of that element each
input contributed (input mass x the input lot's fraction of the element); every output of one
processing step gets the same proportions. The shares of one element over all origins sum to 1,
unless the inputs held none of that element (the outputs' element is then unattributed).
Shares are ratios, computed in binary floating point and reported to six decimals; the masses
they are computed from stay exact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

Shares = dict[str, float]  # origin lot id -> fraction of the element (a ratio, not a mass)


@dataclass(frozen=True, slots=True)
class Input:
    parent: str
    mass_g: int


def origin_shares(
    lot_id: str,
    inputs: Mapping[str, list[Input]],
    compositions: Mapping[str, Mapping[str, Decimal]],
) -> dict[str, Shares]:
    """For each element of ``lot_id``: origin lot -> share of the element's mass."""
    memo: dict[tuple[str, str], Shares] = {}

    def shares(lot: str, element: str) -> Shares:
        key = (lot, element)
        if key in memo:
            return memo[key]
        parents = inputs.get(lot, [])
        result: Shares = {}
        if not parents:
            result[lot] = 1.0
        else:
            contributed = [
                (p.parent, p.mass_g * float(compositions.get(p.parent, {}).get(element, 0)))
                for p in parents
            ]
            total = sum(amount for _, amount in contributed)
            for parent, amount in contributed:
                if total <= 0 or amount == 0:
                    continue
                weight = amount / total
                for origin, share in shares(parent, element).items():
                    result[origin] = result.get(origin, 0.0) + share * weight
        memo[key] = result
        return result

    return {element: shares(lot_id, element) for element in compositions.get(lot_id, {})}

"""Origin shares by the proportional method of mass-balance chain of custody (ISO 22095).

Each lot's mass of an element is attributed to the origins (mines or imports) it descends from.
A lot created by an extraction or an import is its own origin. A lot made by processing takes,
for each element, the origins of its inputs in proportion to the mass of that element each
input contributed (input mass x the input lot's fraction of the element); every output of one
processing step gets the same proportions. The shares of one element over all origins sum to 1,
unless the inputs held none of that element (the outputs' element is then unattributed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

Shares = dict[str, Decimal]  # origin lot id -> fraction of the element


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
        if not parents:
            result = {lot: Decimal(1)}
        else:
            contributed = [
                (p, p.mass_g * compositions.get(p.parent, {}).get(element, Decimal(0)))
                for p in parents
            ]
            total = sum((c for _, c in contributed), Decimal(0))
            result = {}
            if total > 0:
                for parent, amount in contributed:
                    if amount == 0:
                        continue
                    for origin, share in shares(parent.parent, element).items():
                        result[origin] = result.get(origin, Decimal(0)) + share * amount / total
        memo[key] = result
        return result

    return {element: shares(lot_id, element) for element in compositions.get(lot_id, {})}

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

from collections.abc import Mapping, Sequence
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


# ---------------------------------------------------------------- origin vectors (a projection)

TOP_ORIGINS = 10
"""How many origin lots a lot's vector names per element (the largest shares; ties by lot id).

The shares of the origins beyond these are summed into ``other``, so that for every element
named + other + unattributed = 1 (up to the rounding of binary floating point)."""

UNKNOWN_COUNTRY = ""


@dataclass(frozen=True, slots=True)
class RootOrigin:
    """What a lot created by an extraction or an import is, as an origin."""

    kind: str  # "extraction" | "import"
    country: str | None  # the miner's country, or the import's origin country
    mine: str | None = None  # the facility of an extraction


@dataclass(frozen=True, slots=True)
class ElementOrigins:
    """Where one element of a lot came from, as shares of the lot's mass of that element.

    ``top`` names at most :data:`TOP_ORIGINS` origin lots, largest share first; ``other`` is the
    sum of the shares of the origins beyond them; ``unattributed`` is the share with no known
    origin (none of the inputs held the element, or it came from a lot whose creation was
    retracted). ``countries`` is exact, not capped: (kind, country, share) for every kind of
    origin and country, sorted.
    """

    top: tuple[tuple[str, float], ...]
    other: float
    unattributed: float
    countries: tuple[tuple[str, str, float], ...]


OriginVector = dict[str, ElementOrigins]  # element symbol -> its origins
UNATTRIBUTED = ElementOrigins((), 0.0, 1.0, ())


@dataclass(frozen=True, slots=True)
class Ingredient:
    """An input of a processing step, as the origin vectors see it."""

    lot_id: str
    mass_g: int
    composition: Mapping[str, Decimal]


def root_vector(lot_id: str, composition: Mapping[str, Decimal], root: RootOrigin) -> OriginVector:
    """A lot created by an extraction or an import is all its own origin."""
    country = root.country or UNKNOWN_COUNTRY
    element = ElementOrigins(((lot_id, 1.0),), 0.0, 0.0, ((root.kind, country, 1.0),))
    return dict.fromkeys(sorted(composition), element)


def unattributed_vector(composition: Mapping[str, Decimal]) -> OriginVector:
    """The vector of a lot whose creation was retracted: nothing of it has a known origin."""
    return dict.fromkeys(sorted(composition), UNATTRIBUTED)


def mixed_vector(
    composition: Mapping[str, Decimal],
    ingredients: Sequence[tuple[Ingredient, OriginVector | None]],
    top: int = TOP_ORIGINS,
) -> OriginVector:
    """The vector of a processing output: per element, its inputs' vectors weighted by the
    mass of the element each contributed (input mass x the input's fraction of it)."""
    return Mixer(ingredients, top).vector(composition)


class Mixer:
    """The mix of one processing step's inputs, element by element: every output of the step
    takes the same proportions, so each element is mixed once for all of them.

    Inputs are taken in lot id order, so the result does not depend on the order of a record's
    inputs (floating-point sums do). An input without a vector counts as unattributed.
    """

    def __init__(
        self, ingredients: Sequence[tuple[Ingredient, OriginVector | None]], top: int = TOP_ORIGINS
    ) -> None:
        self.ordered = sorted(ingredients, key=lambda pair: (pair[0].lot_id, pair[0].mass_g))
        self.top = top
        self.mixed: dict[str, ElementOrigins] = {}

    def vector(self, composition: Mapping[str, Decimal]) -> OriginVector:
        return {symbol: self.element(symbol) for symbol in sorted(composition)}

    def element(self, symbol: str) -> ElementOrigins:
        if symbol not in self.mixed:
            self.mixed[symbol] = _mix(symbol, self.ordered, self.top)
        return self.mixed[symbol]


def _mix(
    symbol: str, ingredients: list[tuple[Ingredient, OriginVector | None]], top: int
) -> ElementOrigins:
    amounts = [
        (vector, item.mass_g * float(item.composition.get(symbol, 0)))
        for item, vector in ingredients
    ]
    total = sum(amount for _, amount in amounts)
    if total <= 0:
        return UNATTRIBUTED
    shares: dict[str, float] = {}
    countries: dict[tuple[str, str], float] = {}
    other = unattributed = 0.0
    for vector, amount in amounts:
        if amount <= 0:
            continue
        weight = amount / total
        part = vector.get(symbol, UNATTRIBUTED) if vector is not None else UNATTRIBUTED
        for origin, share in part.top:
            shares[origin] = shares.get(origin, 0.0) + share * weight
        for kind, country, share in part.countries:
            countries[(kind, country)] = countries.get((kind, country), 0.0) + share * weight
        other += part.other * weight
        unattributed += part.unattributed * weight
    ranked = sorted(shares.items(), key=lambda pair: (-pair[1], pair[0]))
    for _, share in ranked[top:]:
        other += share
    return ElementOrigins(
        tuple(ranked[:top]),
        other,
        unattributed,
        tuple((kind, country, share) for (kind, country), share in sorted(countries.items())),
    )

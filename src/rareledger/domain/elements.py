"""The seventeen rare earth elements and their oxide conversion factors.

Rare earth quantities are reported either as the element or as its customary oxide (REO, rare
earth oxide). This module holds, for each of the fifteen lanthanides plus scandium and yttrium,
its symbol, English and Chinese names, standard atomic weight and customary oxide, and derives
the factor that turns a mass of element into the mass of that oxide.

Atomic weights are the standard atomic weights of the IUPAC Commission on Isotopic Abundances
and Atomic Weights (CIAAW), "Standard atomic weights of the elements 2021" (IUPAC Technical
Report, doi:10.1515/pac-2019-0603), at the precision the table gives. Oxygen uses its
conventional value 15.999: its standard atomic weight is an interval, [15.99903, 15.99977].

Every factor is computed from these numbers, never typed in, so a change of atomic weight
moves the factor with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext

OXYGEN_ATOMIC_WEIGHT = Decimal("15.999")
"""Conventional atomic weight of oxygen used in every oxide factor."""

REO_FACTOR_QUANTUM = Decimal("0.000001")
"""Oxide factors are quantized to six decimal places, rounding half to even."""

# Fixed arithmetic context, so that the factors do not depend on the caller's context.
_CONTEXT = Context(prec=28, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True, slots=True)
class Element:
    """One rare earth element and its customary oxide (``metal_atoms`` M : ``oxygen_atoms`` O)."""

    symbol: str
    name: str
    name_zh: str
    atomic_weight: Decimal
    oxide: str
    metal_atoms: int
    oxygen_atoms: int

    @property
    def reo_factor(self) -> Decimal:
        """Mass of oxide per unit mass of element, to six decimals (half to even)."""
        with localcontext(_CONTEXT):
            metal = self.metal_atoms * self.atomic_weight
            oxide = metal + self.oxygen_atoms * OXYGEN_ATOMIC_WEIGHT
            return (oxide / metal).quantize(REO_FACTOR_QUANTUM, rounding=ROUND_HALF_EVEN)


_TABLE: tuple[Element, ...] = (
    # Lanthanides, in order of atomic number (La 57 .. Lu 71).
    Element("La", "Lanthanum", "镧", Decimal("138.90547"), "La2O3", 2, 3),
    Element("Ce", "Cerium", "铈", Decimal("140.116"), "CeO2", 1, 2),
    Element("Pr", "Praseodymium", "镨", Decimal("140.90766"), "Pr6O11", 6, 11),
    Element("Nd", "Neodymium", "钕", Decimal("144.242"), "Nd2O3", 2, 3),
    # Promethium has no stable isotope and so no standard atomic weight; 145 is the mass
    # number of its longest-lived isotope, 145Pm, and stands in for it here.
    Element("Pm", "Promethium", "钷", Decimal("145"), "Pm2O3", 2, 3),
    Element("Sm", "Samarium", "钐", Decimal("150.36"), "Sm2O3", 2, 3),
    Element("Eu", "Europium", "铕", Decimal("151.964"), "Eu2O3", 2, 3),
    # Gd and Lu: 2021 values. CIAAW revised both in 2024 (Gd 157.249, Lu 174.96669).
    Element("Gd", "Gadolinium", "钆", Decimal("157.25"), "Gd2O3", 2, 3),
    Element("Tb", "Terbium", "铽", Decimal("158.925354"), "Tb4O7", 4, 7),
    Element("Dy", "Dysprosium", "镝", Decimal("162.500"), "Dy2O3", 2, 3),
    Element("Ho", "Holmium", "钬", Decimal("164.930329"), "Ho2O3", 2, 3),
    Element("Er", "Erbium", "铒", Decimal("167.259"), "Er2O3", 2, 3),
    Element("Tm", "Thulium", "铥", Decimal("168.934219"), "Tm2O3", 2, 3),
    Element("Yb", "Ytterbium", "镱", Decimal("173.045"), "Yb2O3", 2, 3),
    Element("Lu", "Lutetium", "镥", Decimal("174.9668"), "Lu2O3", 2, 3),
    # The two group 3 elements counted among the rare earths.
    Element("Sc", "Scandium", "钪", Decimal("44.955907"), "Sc2O3", 2, 3),
    Element("Y", "Yttrium", "钇", Decimal("88.905838"), "Y2O3", 2, 3),
)

ELEMENTS: dict[str, Element] = {element.symbol: element for element in _TABLE}
"""The seventeen rare earth elements keyed by symbol, La .. Lu then Sc and Y."""

ELEMENT_SYMBOLS: tuple[str, ...] = tuple(ELEMENTS)
"""The symbols of ``ELEMENTS`` in the same order."""


def reo_kg(symbol: str, element_kg: Decimal) -> Decimal:
    """Return the oxide-equivalent mass of ``element_kg`` of element ``symbol``, unrounded.

    Raises ``KeyError`` if ``symbol`` is not one of ``ELEMENT_SYMBOLS``.
    """
    try:
        element = ELEMENTS[symbol]
    except KeyError:
        raise KeyError(f"not a rare earth element symbol: {symbol!r}") from None
    with localcontext(_CONTEXT):
        return element_kg * element.reo_factor

"""A lot and its mass accounts: the one lot type of the system.

The rules keep lots in this shape, the store writes and reads it, and queries answer with it.
Every account is in integer grams. For every lot, at every moment,

    created + adjusted = held + in transit + consumed + exported + discrepancy

and, multiplying by the composition, the same holds per element.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from rareledger.domain.canonical import canonical_json
from rareledger.domain.quantities import canonical_decimal

ACCOUNTS = ("created_g", "consumed_g", "exported_g", "adjusted_g", "discrepancy_g")


class Composition(dict[str, Decimal]):
    """Element symbol -> mass fraction (as metal) of a lot; remembers its canonical text.

    Many lots share one composition object, and the text is what the store keeps, so it is
    made once (keys sorted, fractions as their shortest decimal text).
    """

    __slots__ = ("_text",)

    def __init__(
        self,
        fractions: Mapping[str, Decimal] | Iterable[tuple[str, Decimal]] = (),
        text: str | None = None,
    ) -> None:
        super().__init__(fractions)
        self._text = text

    def text(self) -> str:
        if self._text is None:
            plain = {symbol: canonical_decimal(fraction) for symbol, fraction in self.items()}
            self._text = canonical_json(plain)
        return self._text


def composition_text(composition: Mapping[str, Decimal]) -> str:
    """The canonical text of any composition mapping."""
    if isinstance(composition, Composition):
        return composition.text()
    return Composition(composition).text()


@dataclass(slots=True)
class Lot:
    """One identified batch of material with one composition."""

    lot_id: str
    form: str
    composition: Mapping[str, Decimal]
    creator: str
    event_id: str
    position: int
    created_g: int = 0
    consumed_g: int = 0
    exported_g: int = 0
    adjusted_g: int = 0
    discrepancy_g: int = 0
    retracted: bool = False  # its creation was retracted; the accounts stay for the record
    gap_causes: tuple[str, ...] = ()  # provenance problems, "code:event_id", upstream included


def cause(code: str, event_id: str) -> str:
    """How a provenance problem is named: the finding's code and the event that raised it."""
    return f"{code}:{event_id}"


def cause_event(named: str) -> str:
    """The event of a named provenance problem."""
    return named.split(":", 1)[1]


def open_causes(lot: Lot, is_retracted: Callable[[str], bool]) -> list[str]:
    """The lot's provenance problems whose event has not been retracted since.

    A lot made from, received from or sharing mass with an unresolved problem has a gap in
    its provenance; a correction that retracts the event that caused it closes it.
    """
    return unresolved(lot.gap_causes, is_retracted)


def unresolved(causes: Iterable[str], is_retracted: Callable[[str], bool]) -> list[str]:
    """The named problems whose event has not been retracted."""
    return [named for named in causes if not is_retracted(cause_event(named))]

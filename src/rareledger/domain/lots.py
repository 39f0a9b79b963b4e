"""A lot and its mass accounts: the one lot type of the system.

The rules keep lots in this shape, the store writes and reads it, and queries answer with it.
Every account is in integer grams. For every lot, at every moment,

    created + adjusted = held + in transit + consumed + exported + discrepancy

and, multiplying by the composition, the same holds per element.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

ACCOUNTS = ("created_g", "consumed_g", "exported_g", "adjusted_g", "discrepancy_g")


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

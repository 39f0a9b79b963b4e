"""Rows of the ``lots`` table as the one :class:`~rareledger.domain.lots.Lot` type."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import lru_cache
from typing import Any

from rareledger.domain.lots import Composition, Lot


@lru_cache(maxsize=65536)
def parse_composition(text: str) -> Composition:
    """A stored composition; many lots share one, so parsed ones are kept (never mutate)."""
    return Composition(((k, Decimal(v)) for k, v in json.loads(text).items()), text)


LOT_COLUMNS = (
    "lot_id, form, composition, creator, event_id, position, created_g, consumed_g, "
    "exported_g, adjusted_g, discrepancy_g, retracted, gap_causes"
)


def lot_from_tuple(row: Any) -> Lot:
    """A lot from the columns of :data:`LOT_COLUMNS`, in order."""
    return Lot(
        row[0],
        row[1],
        parse_composition(row[2]),
        row[3],
        row[4],
        row[5],
        row[6],
        row[7],
        row[8],
        row[9],
        row[10],
        bool(row[11]),
        tuple(row[12].split()),
    )


def lot_from_row(row: Any) -> Lot:
    """A lot from a row of the ``lots`` table."""
    return Lot(
        row.lot_id,
        row.form,
        parse_composition(row.composition),
        row.creator,
        row.event_id,
        row.position,
        row.created_g,
        row.consumed_g,
        row.exported_g,
        row.adjusted_g,
        row.discrepancy_g,
        bool(row.retracted),
        tuple(row.gap_causes.split()),
    )


__all__ = ["LOT_COLUMNS", "lot_from_row", "lot_from_tuple", "parse_composition"]

"""Checks of the origin vectors in a dump of the projections (``queries.dump``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from rareledger.domain.origins import (
    Ingredient,
    Input,
    RootOrigin,
    mixed_vector,
    origin_shares,
    root_vector,
    unattributed_vector,
)
from rareledger.store.lot_rows import parse_composition
from rareledger.store.origins import decode


def check_origin_vectors(dump: dict[str, list[tuple[Any, ...]]]) -> None:
    """Every lot has a vector; each is exactly what its inputs' stored vectors make it (a
    root its own, a retracted lot none); and where no retracted lot is upstream, the shares
    are those of the whole lineage computed on the fly."""
    lots = {row[0]: row for row in dump["lots"]}  # lot_id, form, composition, ..., retracted
    compositions = {k: parse_composition(row[2]) for k, row in lots.items()}
    retracted = {k for k, row in lots.items() if row[11]}
    origins = {row[0]: row for row in dump["lot_origins"]}
    vectors = {k: decode(row[4]) for k, row in origins.items()}
    assert vectors.keys() == lots.keys()
    made_by: dict[str, str] = {}
    inputs: dict[str, list[tuple[str, int]]] = {}
    for event_id, side, lot_id, _position, mass_g in dump["lot_links"]:
        if side == "out":
            made_by[lot_id] = event_id
        else:
            inputs.setdefault(event_id, []).append((lot_id, mass_g))
    for lot_id, vector in vectors.items():
        _, kind, country, mine, _ = origins[lot_id]
        if lot_id in retracted:
            expected = unattributed_vector(compositions[lot_id])
        elif lot_id in made_by:
            parts = [
                (Ingredient(parent, mass_g, compositions[parent]), vectors[parent])
                for parent, mass_g in inputs[made_by[lot_id]]
            ]
            expected = mixed_vector(compositions[lot_id], parts)
        else:
            expected = root_vector(lot_id, compositions[lot_id], RootOrigin(kind, country, mine))
        assert vector == expected, lot_id
    _check_against_the_whole_lineage(vectors, compositions, retracted, made_by, inputs)


def _check_against_the_whole_lineage(
    vectors: dict[str, Any],
    compositions: dict[str, Any],
    retracted: set[str],
    made_by: dict[str, str],
    inputs: dict[str, list[tuple[str, int]]],
) -> None:
    parents = {lot: [Input(p, m) for p, m in inputs[event]] for lot, event in made_by.items()}
    clean: dict[str, bool] = {}

    def is_clean(lot: str) -> bool:  # no retracted lot on the way up
        if lot not in clean:
            clean[lot] = lot not in retracted and all(
                is_clean(i.parent) for i in parents.get(lot, [])
            )
        return clean[lot]

    live: dict[str, dict[str, Decimal]] = {
        k: v for k, v in compositions.items() if k not in retracted
    }
    for lot_id, vector in vectors.items():
        if not is_clean(lot_id):
            continue
        exact = origin_shares(lot_id, parents, live)
        for element, shares in exact.items():
            listed = dict(vector[element].top)
            assert listed.keys() == shares.keys(), (lot_id, element)
            for origin, share in shares.items():
                assert listed[origin] == pytest.approx(share, rel=1e-9), (lot_id, element)

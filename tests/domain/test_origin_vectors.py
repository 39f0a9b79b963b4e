"""Origin vectors built lot by lot (as the ledger builds them) against the shares computed on
the fly over the whole lineage (``origin_shares``), on random graphs of merges and splits."""

from __future__ import annotations

from decimal import Decimal
from random import Random

import pytest

from rareledger.domain.origins import (
    Ingredient,
    Input,
    OriginVector,
    RootOrigin,
    mixed_vector,
    origin_shares,
    root_vector,
)

ELEMENTS = ("Nd", "Pr", "Dy", "Tb")
COUNTRIES = ("CN", "MM", "AU", "US")


class Graph:
    """A random processing graph: roots first, then lots made from 1-4 earlier lots."""

    def __init__(self, seed: int, lots: int, roots: int) -> None:
        rng = Random(seed)
        self.compositions: dict[str, dict[str, Decimal]] = {}
        self.inputs: dict[str, list[Input]] = {}
        self.roots: dict[str, RootOrigin] = {}
        self.order: list[str] = []
        for n in range(lots):
            lot = f"L{n:04d}"
            present = rng.sample(ELEMENTS, rng.randint(1, 3))
            fractions = {e: Decimal(rng.randint(1, 400)) / 1000 for e in present}
            self.compositions[lot] = fractions
            if n < roots:
                kind = rng.choice(("extraction", "import"))
                self.roots[lot] = RootOrigin(kind, rng.choice(COUNTRIES))
            else:
                parents = rng.sample(self.order, min(len(self.order), rng.randint(1, 4)))
                self.inputs[lot] = [Input(p, rng.randint(1, 5_000_000)) for p in parents]
            self.order.append(lot)

    def vectors(self, top: int) -> dict[str, OriginVector]:
        made: dict[str, OriginVector] = {}
        for lot in self.order:
            composition = self.compositions[lot]
            if lot in self.roots:
                made[lot] = root_vector(lot, composition, self.roots[lot])
                continue
            parts = [
                (Ingredient(i.parent, i.mass_g, self.compositions[i.parent]), made[i.parent])
                for i in self.inputs[lot]
            ]
            made[lot] = mixed_vector(composition, parts, top)
        return made


@pytest.mark.parametrize("seed", range(12))
def test_vectors_built_lot_by_lot_give_the_shares_of_the_whole_lineage(seed: int) -> None:
    graph = Graph(seed, lots=120, roots=8)  # at most 8 origins: the cap of 10 never bites
    made = graph.vectors(top=10)
    for lot in graph.order:
        exact = origin_shares(lot, graph.inputs, graph.compositions)
        vector = made[lot]
        assert sorted(vector) == sorted(exact)
        for element, shares in exact.items():
            listed = dict(vector[element].top)
            assert listed.keys() == shares.keys()
            for origin, share in shares.items():
                assert listed[origin] == pytest.approx(share, rel=1e-12, abs=1e-15)
            assert vector[element].other == 0.0
            # what no origin accounts for: an input that held the element had none attributed
            missing = 1.0 - sum(shares.values())
            assert vector[element].unattributed == pytest.approx(missing, abs=1e-12)


@pytest.mark.parametrize("seed", range(12))
def test_capped_vectors_keep_exact_totals_and_country_shares(seed: int) -> None:
    graph = Graph(seed, lots=200, roots=40)  # up to 40 origins per lot, capped at 5
    made = graph.vectors(top=5)
    capped = 0
    for lot in graph.order:
        exact = origin_shares(lot, graph.inputs, graph.compositions)
        for element, shares in exact.items():
            entry = made[lot][element]
            assert len(entry.top) <= 5
            capped += entry.other > 0
            total = sum(s for _, s in entry.top) + entry.other + entry.unattributed
            assert total == pytest.approx(1.0, abs=1e-12)
            for origin, share in entry.top:  # a capped share is never more than the true one
                assert share <= shares[origin] + 1e-12
            by_country: dict[tuple[str, str], float] = {}
            for origin, share in shares.items():
                key = (graph.roots[origin].kind, graph.roots[origin].country or "")
                by_country[key] = by_country.get(key, 0.0) + share
            got = {(kind, country): share for kind, country, share in entry.countries}
            assert got.keys() == by_country.keys()
            for key, share in by_country.items():
                assert got[key] == pytest.approx(share, rel=1e-9, abs=1e-12)
    assert capped > 0  # the cap was exercised


def test_the_order_of_a_records_inputs_does_not_change_a_vector() -> None:
    graph = Graph(3, lots=60, roots=6)
    made = graph.vectors(top=10)
    lot = graph.order[-1]
    parts = [
        (Ingredient(i.parent, i.mass_g, graph.compositions[i.parent]), made[i.parent])
        for i in graph.inputs[lot]
    ]
    forward = mixed_vector(graph.compositions[lot], parts)
    backward = mixed_vector(graph.compositions[lot], list(reversed(parts)))
    assert forward == backward

"""Foreign buyers and where exports go: destinations in the published shares.

Magnets (fact sheet section 4.4, ``shared/reference/rare-earth-domain.md``): Germany, South Korea
and the United States take 42 % of China's magnet exports (Jan-Jul 2024, GAC via Metalnomist)
and the top ten destinations 73 % (2024, GAC via Adamas). How the 42 % and the rest of the top
ten split, and which countries make the last 27 %, the sources do not say: the split below is
this project's assumption. Rare earth compounds and metals: the sources give no destination
shares (section 4.2 gives only US import sources, China 70 %); the table is an assumption with
Japan first. Each export goes to the destination furthest below its share so far, so that the
year's shares come out as published at any scale.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

MAGNET_DESTINATIONS: dict[str, float] = {
    # 42 % (DE, KR, US) and 73 % for the top ten: section 4.4. The split: assumption.
    "DE": 16, "KR": 14, "US": 12, "JP": 6, "IN": 6, "VN": 5, "IT": 4, "MX": 4, "TH": 3, "PL": 3,
    "NL": 4, "FR": 3, "TR": 3, "BR": 3, "ES": 3, "GB": 3, "CZ": 2, "MY": 2, "HU": 2, "PH": 2,
}  # fmt: skip
OXIDE_DESTINATIONS: dict[str, float] = {  # assumption
    "JP": 30, "US": 15, "NL": 15, "KR": 12, "DE": 10, "IT": 10, "FR": 8,
}  # fmt: skip
CITY = {
    "DE": "Stuttgart", "KR": "Ulsan", "US": "Detroit", "JP": "Osaka", "IN": "Pune",
    "VN": "Hai Phong", "IT": "Turin", "MX": "Monterrey", "TH": "Rayong", "PL": "Wroclaw",
    "NL": "Rotterdam", "FR": "Lyon", "TR": "Bursa", "BR": "Sao Paulo", "ES": "Valencia",
    "GB": "Birmingham", "CZ": "Brno", "MY": "Penang", "HU": "Gyor", "PH": "Laguna",
}  # fmt: skip
SUFFIX = {
    "DE": "GmbH", "KR": "Co., Ltd.", "US": "Inc.", "JP": "K.K.", "IN": "Pvt. Ltd.", "VN": "JSC",
    "IT": "S.p.A.", "MX": "S.A. de C.V.", "TH": "Co., Ltd.", "PL": "Sp. z o.o.", "NL": "B.V.",
    "FR": "SAS", "TR": "A.S.", "BR": "Ltda.", "ES": "S.L.", "GB": "Ltd", "CZ": "s.r.o.",
    "MY": "Sdn. Bhd.", "HU": "Kft.", "PH": "Inc.",
}  # fmt: skip
NAMES = ("Vecta", "Norvik", "Altera", "Brightline", "Kestrel", "Solvent", "Meridian", "Arcus")


@dataclass(frozen=True, slots=True)
class Buyer:
    name: str
    country: str
    address: str
    product_kind: str  # "magnet" or "oxide"


def buyers(rng: random.Random, scale: float) -> list[Buyer]:
    """A few buyers per destination, more for the larger shares and a larger economy."""
    found: list[Buyer] = []
    grow = min(1.0, math.sqrt(scale / 0.2))
    for kind, table in (("magnet", MAGNET_DESTINATIONS), ("oxide", OXIDE_DESTINATIONS)):
        total = sum(table.values())
        for country, share in table.items():
            count = max(1, round(share / total * 40 * grow))
            for _ in range(count):
                index = len(found) + 1
                trade = "Materials" if kind == "oxide" else "Motors"
                name = f"{rng.choice(NAMES)} {trade} {index} {SUFFIX[country]}"
                address = f"{rng.randint(1, 200)} Industrial Road, {CITY[country]}"
                found.append(Buyer(name, country, address, kind))
    return found


@dataclass(slots=True)
class Destinations:
    """Exported mass by kind and country so far, and the order to fill the shares in."""

    rng: random.Random
    shipped: dict[tuple[str, str], int] = field(default_factory=dict)

    def order(self, kind: str) -> list[str]:
        """Countries from the furthest below its share to the furthest above (ties at random)."""
        table = MAGNET_DESTINATIONS if kind == "magnet" else OXIDE_DESTINATIONS
        total_share = sum(table.values())
        done = sum(self.shipped.get((kind, c), 0) for c in table) + 1
        return sorted(
            table,
            key=lambda c: (
                self.shipped.get((kind, c), 0) / done - table[c] / total_share,
                self.rng.random(),
            ),
        )

    def record(self, kind: str, country: str, grams: int) -> None:
        self.shipped[(kind, country)] = self.shipped.get((kind, country), 0) + grams

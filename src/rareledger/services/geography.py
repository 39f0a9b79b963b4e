"""The base map of China's provinces (shipped data) and where facilities are."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from rareledger.domain.geography import Province, province_of, spread


@lru_cache(maxsize=1)
def base_map() -> tuple[dict[str, str], tuple[Province, ...]]:
    """The source and licence of the shipped base map, and its provinces."""
    text = resources.files("rareledger.data").joinpath("china_provinces.json").read_text()
    document = json.loads(text)
    provinces = tuple(
        Province(
            r["code"],
            r["gb"],
            r["en"],
            r["zh"],
            (float(r["label"][0]), float(r["label"][1])),
            tuple(tuple((float(x), float(y)) for x, y in ring) for ring in r["rings"]),
        )
        for r in document["regions"]
    )
    about = {k: str(document[k]) for k in ("source", "licence", "note")}
    return about, provinces


def provinces() -> tuple[Province, ...]:
    return base_map()[1]


def locate(region: str | None, enterprise_id: str | None) -> Province | None:
    return province_of(region, enterprise_id, provinces())


def place(facility: dict[str, Any], province: Province | None) -> tuple[float, float, bool] | None:
    """(lon, lat, reported) of a facility: its own coordinates, or near its province's."""
    lat, lon = facility.get("lat"), facility.get("lon")
    if lat is not None and lon is not None:
        return float(lon), float(lat), True
    if province is None:
        return None
    lon_spread, lat_spread = spread(province.label, str(facility.get("id")))
    return lon_spread, lat_spread, False

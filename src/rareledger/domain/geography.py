"""Provinces and places: which province a facility is in, and where to draw it on a map.

A facility's region is an administrative division code (GB/T 2260: its first two digits name
the province) or a name that contains the province's name. An enterprise's unified social
credit code carries the division where it was registered (its 3rd to 8th characters), which
places an enterprise whose facilities say nothing better. Facilities without coordinates are
drawn near their province's label point, spread by a deterministic offset.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

ALIASES = {  # other spellings of provinces' names, lower case
    "CN-NM": ("nei mongol", "inner mongol", "内蒙古"),
    "CN-XZ": ("tibet", "xizang", "西藏"),
    "CN-GX": ("guangxi", "广西"),
    "CN-NX": ("ningxia", "宁夏"),
    "CN-XJ": ("xinjiang", "新疆"),
    "CN-HK": ("hong kong", "香港"),
    "CN-MO": ("macao", "macau", "澳门"),
}
SUFFIXES = ("省", "市", "自治区", "特别行政区", "壮族", "回族", "维吾尔")


@dataclass(frozen=True, slots=True)
class Province:
    code: str  # ISO 3166-2, e.g. CN-NM
    gb: str  # GB/T 2260 province prefix, e.g. 15
    en: str
    zh: str
    label: tuple[float, float]  # lon, lat
    rings: tuple[tuple[tuple[float, float], ...], ...]

    def names(self) -> tuple[str, ...]:
        short = self.zh
        for suffix in SUFFIXES:
            short = short.replace(suffix, "")
        return (self.en.lower(), self.zh, short, *ALIASES.get(self.code, ()))


def province_of(
    region: str | None, enterprise_id: str | None, provinces: Sequence[Province]
) -> Province | None:
    """The province a region names (by division code or name), else the registration's."""
    text = (region or "").strip()
    by_gb = {p.gb: p for p in provinces}
    if text[:2].isdigit():
        return by_gb.get(text[:2])
    lowered = text.lower()
    for province in provinces:
        if any(name and name in lowered for name in province.names()):
            return province
    code = (enterprise_id or "")[2:4]
    return by_gb.get(code) if len(enterprise_id or "") == 18 and code.isdigit() else None


# Albers equal-area conic for China (standard parallels 25 and 47 degrees north).
_PHI1, _PHI2, _LAMBDA0, _PHI0 = map(math.radians, (25.0, 47.0, 105.0, 0.0))
_N = (math.sin(_PHI1) + math.sin(_PHI2)) / 2
_C = math.cos(_PHI1) ** 2 + 2 * _N * math.sin(_PHI1)
_RHO0 = math.sqrt(_C - 2 * _N * math.sin(_PHI0)) / _N


def project(lon: float, lat: float) -> tuple[float, float]:
    """Map coordinates (x east, y south) of a point, in units of the earth's radius."""
    rho = math.sqrt(_C - 2 * _N * math.sin(math.radians(lat))) / _N
    theta = _N * (math.radians(lon) - _LAMBDA0)
    return rho * math.sin(theta), -(_RHO0 - rho * math.cos(theta))


def spread(point: tuple[float, float], key: str, radius_deg: float = 0.8) -> tuple[float, float]:
    """A point near ``point`` (lon, lat), the same for the same key."""
    digest = hashlib.sha256(key.encode()).digest()
    angle = digest[0] / 255 * 2 * math.pi
    distance = radius_deg * math.sqrt(digest[1] / 255)
    return point[0] + distance * math.cos(angle), point[1] + distance * math.sin(angle)

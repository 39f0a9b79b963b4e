"""Materials: feed compositions, separated products, magnet grades, prices and tariff codes.

Figures follow ``shared/reference/rare-earth-domain.md`` sections 4.5-4.7; see docs/simulation.md.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

from rareledger.simulation.model import PPM, REO_FACTOR

# Element (as metal) in concentrate, parts per million.
IONIC = {  # ionic clay mixed concentrate (~92 % REO), medium-Y Eu-rich
    "La": 196_100,
    "Ce": 11_200,
    "Pr": 41_800,
    "Nd": 141_900,
    "Sm": 35_700,
    "Eu": 7_100,
    "Gd": 39_900,
    "Tb": 5_400,
    "Dy": 32_000,
    "Ho": 6_400,
    "Er": 17_700,
    "Tm": 2_400,
    "Yb": 12_100,
    "Lu": 1_600,
    "Y": 216_600,
}
LIGHT = {  # bastnaesite / mixed Bayan Obo concentrate (~57 % REO)
    "La": 129_000,
    "Ce": 244_000,
    "Pr": 25_000,
    "Nd": 77_000,
    "Sm": 5_500,
    "Eu": 1_000,
    "Gd": 2_500,
    "Tb": 200,
    "Dy": 500,
    "Y": 1_200,
}

# Separated products: product -> (form, elements, purity as REO share, lot size kg).
SEPARATED: dict[str, tuple[str, tuple[str, ...], float, int]] = {
    "la_oxide": ("oxide", ("La",), 0.995, 2_000),
    "ce_oxide": ("oxide", ("Ce",), 0.995, 2_000),
    "prnd_oxide": ("oxide", ("Pr", "Nd"), 0.995, 600),
    "seg_mix": ("mixed_compound", ("Sm", "Eu", "Gd"), 0.60, 600),
    "tb_oxide": ("oxide", ("Tb",), 0.9999, 40),
    "dy_oxide": ("oxide", ("Dy",), 0.995, 120),
    "y_oxide": ("oxide", ("Y",), 0.9999, 600),
    "hre_mix": ("mixed_compound", ("Ho", "Er", "Tm", "Yb", "Lu"), 0.60, 200),
}
# Smelting: oxide product -> (metal product, form, metal share, lot size kg).
SMELTED = {
    "prnd_oxide": ("prnd_metal", "metal", 0.995, 320),
    "dy_oxide": ("dyfe_alloy", "alloy", 0.80, 80),
    "tb_oxide": ("tb_metal", "metal", 0.995, 20),
}
SMELTING_YIELD = 0.97
# Magnet grades: product -> (Dy, Tb mass fraction); the rest of the RE is Pr-Nd at 30 %.
GRADES = {"magnet_n": (0.0, 0.0), "magnet_sh": (0.02, 0.0), "magnet_uh": (0.03, 0.006)}
PRND_IN_MAGNET = 0.30
MAGNET_RE_KEPT = 0.98
RECYCLING_RECOVERY = 0.90

# Domestic prices, CNY per kg (SMM 2025 quotes), and export prices, USD per kg.
PRICE_CNY = {
    "ionic_conc": 200.0,
    "light_conc": 30.0,
    "import_mix": 150.0,
    "import_conc": 35.0,
    "la_oxide": 7.2,
    "ce_oxide": 7.2,
    "prnd_oxide": 445.0,
    "seg_mix": 60.0,
    "tb_oxide": 7000.0,
    "dy_oxide": 1650.0,
    "y_oxide": 45.0,
    "hre_mix": 150.0,
    "prnd_metal": 540.0,
    "dyfe_alloy": 1640.0,
    "tb_metal": 8400.0,
    "magnet_n": 250.0,
    "magnet_sh": 330.0,
    "magnet_uh": 420.0,
    "swarf": 150.0,
    "recycled_mix": 200.0,
}
CNY_PER_USD = 7.2
EXPORT_MARKUP = 1.1
HS_CODE = {
    "oxide": "284690",
    "mixed_compound": "284690",
    "compound": "284690",
    "metal": "280530",
    "alloy": "280530",
    "magnet": "850511",
}
DESCRIPTION = {
    "la_oxide": "Lanthanum oxide 99.5 %",
    "ce_oxide": "Cerium oxide 99.5 %",
    "prnd_oxide": "Praseodymium-neodymium oxide 99.5 %",
    "seg_mix": "Mixed Sm-Eu-Gd carbonate",
    "tb_oxide": "Terbium oxide 99.99 %",
    "dy_oxide": "Dysprosium oxide 99.5 %",
    "y_oxide": "Yttrium oxide 99.99 %",
    "hre_mix": "Mixed heavy rare earth carbonate (Ho-Lu)",
    "prnd_metal": "Praseodymium-neodymium metal",
    "dyfe_alloy": "Dysprosium-iron alloy (Dy 80 %)",
    "tb_metal": "Terbium metal 99.5 %",
    "magnet_n": "Sintered NdFeB magnets, N grade",
    "magnet_sh": "Sintered NdFeB magnets, SH grade (Dy)",
    "magnet_uh": "Sintered NdFeB magnets, UH grade (Dy, Tb)",
}
# Controlled elements (Announcement No. 18 of 2025) of each exported product.
CONTROLLED = {
    "seg_mix": ("Gd", "Sm"),
    "tb_oxide": ("Tb",),
    "dy_oxide": ("Dy",),
    "y_oxide": ("Y",),
    "hre_mix": ("Lu",),
    "dyfe_alloy": ("Dy",),
    "tb_metal": ("Tb",),
    "magnet_sh": ("Dy",),
    "magnet_uh": ("Dy", "Tb"),
}


@dataclass(frozen=True, slots=True)
class Origin:
    """An import origin: its share of imported mass, the form, feed and REO dilution."""

    country: str
    suppliers: tuple[str, ...]
    share: float
    form: str
    profile: Mapping[str, int]
    dilution: float
    months: tuple[int, int] = (1, 12)


ORIGINS = (
    Origin(
        "MM",
        ("Kachin Mineral Resources Trading Co.", "Pangwa Rare Earth Export Co."),
        0.46,
        "mixed_compound",
        IONIC,
        0.62,
    ),
    Origin("LA", ("Vientiane Lao Rare Earth Co., Ltd.",), 0.12, "mixed_compound", IONIC, 0.62),
    Origin("MY", ("Kuantan Advanced Materials Sdn. Bhd.",), 0.14, "mixed_compound", LIGHT, 1.3),
    Origin("US", ("Mountain Pass Materials LLC",), 0.2, "concentrate", LIGHT, 1.0, (1, 7)),
    Origin("AU", ("Mount Weld Concentrates Pty Ltd",), 0.08, "concentrate", LIGHT, 0.9),
)


def vary(profile: Mapping[str, int], rng: random.Random, spread: float = 0.05) -> dict[str, int]:
    """The profile with each element moved by up to ``spread`` (never summing over 1)."""
    varied = {el: int(ppm * rng.uniform(1 - spread, 1 + spread)) for el, ppm in profile.items()}
    total = sum(varied.values())
    if total >= PPM:
        varied = {el: ppm * (PPM - 1) // total for el, ppm in varied.items()}
    return varied


def diluted(profile: Mapping[str, int], factor: float) -> dict[str, int]:
    scaled = {el: int(ppm * factor) for el, ppm in profile.items()}
    total = sum(scaled.values())
    if total >= PPM:
        scaled = {el: ppm * (PPM - 1) // total for el, ppm in scaled.items()}
    return scaled


def reo_share(composition: Mapping[str, int]) -> float:
    """REO mass per unit mass of the lot."""
    return sum(ppm / PPM * REO_FACTOR[el] for el, ppm in composition.items())


def oxide_mass_g(elements_g: Mapping[str, int], purity: float) -> int:
    """Mass of the oxide (or compound at ``purity`` REO) holding these element masses."""
    return int(sum(g * REO_FACTOR[el] for el, g in elements_g.items()) / purity)


def export_price_usd(product: str) -> float:
    return PRICE_CNY[product] / CNY_PER_USD * EXPORT_MARKUP

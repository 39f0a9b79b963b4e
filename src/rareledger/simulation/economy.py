"""Master data: the enterprises of the chain, their facilities and quotas, and foreign buyers.

The two state groups' mines and separation plants are where they work (``geography.py``); the
quotas follow the 2024 allocation (fact sheet section 4.1); magnet makers sit in the industry's
clusters. Names are invented, in Chinese (``name_local``) with the English name beside.
"""

from __future__ import annotations

import math
import random
import string
from dataclasses import dataclass, field

from rareledger.simulation.geography import TRADES, WORDS, Site, place, spot
from rareledger.simulation.model import Record
from rareledger.simulation.partners import Buyer, buyers

# Quotas 2024 (t REO), first batch doubled (fact sheet 4.1, fastmarkets): China Northern RE
# 94,580 mining (light) / 88,010 separation; China Rare Earth Group 40,420 mining (30,280 light
# + 10,140 ionic) / 38,990 separation.
QUOTAS_T = {
    ("northern", "light"): 189_160,
    ("chinare", "light"): 60_560,
    ("chinare", "ionic"): 20_280,
}
SEPARATION_T = {"northern": 176_020, "chinare": 77_980}
CHINARE_LIGHT_SEPARATION = 0.4  # share of China RE Group's separation in Sichuan (assumption)
GROUP_SMELTERS = {"northern": 0.4, "chinare": 0.3}  # the rest are independent (assumption)
FULL_COUNTS = {
    "miner": 30,
    "separator": 24,
    "metal_smelter": 40,
    "magnet_maker": 300,
    "recycler": 30,
    "trader": 80,
    "exporter": 60,
}
MIN_COUNTS = {
    "miner": 3,
    "separator": 3,
    "metal_smelter": 3,
    "magnet_maker": 6,
    "recycler": 2,
    "trader": 4,
    "exporter": 4,
}
SHELL_SHARE = 0.1  # shell traders, as many as a tenth of the traders (hard difficulty only)
FACILITY_KIND = {"miner": "mine", "trader": "warehouse", "exporter": "warehouse"}
SITE_OF_ROLE = {
    "metal_smelter": "smelter",
    "magnet_maker": "magnet",
    "recycler": "recycling",
    "trader": "trade",
    "exporter": "export",
}


@dataclass(slots=True)
class Enterprise:
    id: str
    name: str
    roles: list[str]
    facility_id: str
    kind: str
    size: float
    group: str = ""
    feed: str = ""
    quota_t: float = 0.0
    partners: list[str] = field(default_factory=list)
    shell: bool = False


@dataclass(slots=True)
class Economy:
    enterprises: dict[str, Enterprise] = field(default_factory=dict)
    by_role: dict[str, list[Enterprise]] = field(default_factory=dict)
    buyers: list[Buyer] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    shells: list[Enterprise] = field(default_factory=list)

    def role(self, role: str) -> list[Enterprise]:
        return self.by_role.get(role, [])


def count_for(role: str, scale: float) -> int:
    factor = min(1.0, math.sqrt(scale / 0.2))
    return max(MIN_COUNTS[role], round(FULL_COUNTS[role] * factor))


def build(rng: random.Random, scale: float, year: int, shells: bool = False) -> Economy:
    economy = Economy()
    names = _Names(rng)
    _miners(economy, names, rng, scale)
    _separators(economy, names, rng, scale)
    _smelters(economy, names, rng, scale)
    for role in ("magnet_maker", "recycler", "trader", "exporter"):
        for _ in range(count_for(role, scale)):
            _add(economy, names, rng, [role], place(rng, SITE_OF_ROLE[role]), _pareto(rng))
    for maker in economy.role("magnet_maker"):
        if maker.size > 2.0:
            maker.roles.append("exporter")
            economy.by_role["exporter"].append(maker)
    _refresh_roles(economy)
    if shells:
        for _ in range(max(2, round(count_for("trader", scale) * SHELL_SHARE))):
            shell = _add(economy, names, rng, ["trader"], place(rng, "trade"), 1.0, listed=False)
            shell.shell = True
            economy.shells.append(shell)
    _quotas(economy, scale, year)
    economy.buyers = buyers(rng, scale)
    return economy


def _pareto(rng: random.Random) -> float:
    return min(40.0, rng.paretovariate(1.3))


class _Names:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def uscc(self, region: str) -> str:
        alphabet = string.digits + "ABCDEFGHJKLMNPQRTUWXY"
        while True:
            tail = "".join(self.rng.choice(alphabet) for _ in range(8))
            code = f"91{region}MA{tail}"
            if code not in self.used:
                self.used.add(code)
                return code

    def name(self, site: Site, role: str) -> tuple[str, str]:
        """An invented firm name in English and in Chinese, unique in the economy."""
        trade, trade_local = TRADES[role]
        word, word_local = self.rng.choice(WORDS)
        while True:
            english = f"{site.city} {word} {trade} Co., Ltd."
            if english not in self.used:
                self.used.add(english)
                return english, f"{site.city_local}{word_local}{trade_local}有限公司"
            extra, extra_local = self.rng.choice(WORDS)
            word, word_local = f"{word} {extra}", f"{word_local}{extra_local}"


def _add(  # noqa: PLR0913
    economy: Economy,
    names: _Names,
    rng: random.Random,
    roles: list[str],
    site: Site,
    size: float,
    *,
    listed: bool = True,
) -> Enterprise:
    """Register an enterprise and its facility (``listed``: among the enterprises of a role)."""
    eid = names.uscc(site.code)
    facility = f"FAC-{eid[-8:]}-01"
    name, local = names.name(site, roles[0])
    ent = Enterprise(eid, name, roles, facility, site.code, size)
    economy.enterprises[eid] = ent
    if listed:
        for role in roles:
            economy.by_role.setdefault(role, []).append(ent)
    economy.records.append(
        {
            "type": "enterprise",
            "id": eid,
            "name": name,
            "name_local": local,
            "country": "CN",
            "roles": roles,
            "status": "active",
        }
    )
    economy.records.append(_facility(rng, ent, site))
    return ent


def _facility(rng: random.Random, ent: Enterprise, site: Site) -> Record:
    kind = FACILITY_KIND.get(ent.roles[0], "plant")
    lat, lon = spot(rng, site)
    return {
        "type": "facility",
        "id": ent.facility_id,
        "enterprise_id": ent.id,
        "kind": kind,
        "name": f"{ent.name.split(' Co.')[0]} {kind}",
        "region": site.region,
        "lat": lat,
        "lon": lon,
    }


def _refresh_roles(economy: Economy) -> None:
    """The enterprise records' roles as they stand (large magnet makers also export)."""
    for record in economy.records:
        if record["type"] == "enterprise":
            record["roles"] = list(economy.enterprises[record["id"]].roles)


def _miners(economy: Economy, names: _Names, rng: random.Random, scale: float) -> None:
    total = count_for("miner", scale)
    counts = {("northern", "light"): 1, ("chinare", "light"): 1}
    counts[("chinare", "ionic")] = max(1, total - 2)
    for (group, feed), quota in QUOTAS_T.items():
        shares = [rng.uniform(0.5, 1.5) for _ in range(counts[(group, feed)])]
        for share in shares:
            site = place(rng, f"mine:{group}:{feed}")
            ent = _add(economy, names, rng, ["miner"], site, 1.0)
            ent.group, ent.feed = group, feed
            ent.quota_t = round(quota * scale * share / sum(shares), 3)


def _separators(economy: Economy, names: _Names, rng: random.Random, scale: float) -> None:
    total = count_for("separator", scale)
    northern = max(1, total // 3)
    light = max(1, round((total - northern) * 0.35))
    plans = (
        ("northern", "light", northern, SEPARATION_T["northern"], "plant:northern"),
        (
            "chinare",
            "light",
            light,
            SEPARATION_T["chinare"] * CHINARE_LIGHT_SEPARATION,
            "plant:chinare:light",
        ),
        (
            "chinare",
            "ionic",
            max(1, total - northern - light),
            SEPARATION_T["chinare"] * (1 - CHINARE_LIGHT_SEPARATION),
            "plant:chinare:ionic",
        ),
    )
    for group, feed, count, quota, sites in plans:
        shares = [rng.uniform(0.5, 1.5) for _ in range(count)]
        for share in shares:  # every plant may take imported feed, against its quota
            ent = _add(economy, names, rng, ["separator", "importer"], place(rng, sites), 1.0)
            ent.group, ent.feed = group, feed
            ent.quota_t = round(quota * scale * share / sum(shares), 3)


def _smelters(economy: Economy, names: _Names, rng: random.Random, scale: float) -> None:
    for _ in range(count_for("metal_smelter", scale)):
        draw, group = rng.random(), ""
        if draw < GROUP_SMELTERS["northern"]:
            group = "northern"
        elif draw < GROUP_SMELTERS["northern"] + GROUP_SMELTERS["chinare"]:
            group = "chinare"
        site = place(rng, f"smelter:{group}" if group else "smelter")
        ent = _add(economy, names, rng, ["metal_smelter"], site, _pareto(rng))
        ent.group = group


def _quotas(economy: Economy, scale: float, year: int) -> None:
    for ent in [*economy.role("miner"), *economy.role("separator")]:
        kind = "mining" if "miner" in ent.roles else "separation"
        economy.records.append(
            {
                "type": "quota",
                "id": f"QUOTA-{year}-{kind[:3].upper()}-{ent.id[-8:]}",
                "enterprise_id": ent.id,
                "year": year,
                "kind": kind,
                "reo_t": ent.quota_t,
            }
        )

"""Master data: the enterprises of the chain, their facilities and quotas, and foreign buyers."""

from __future__ import annotations

import math
import random
import string
from dataclasses import dataclass, field

from rareledger.simulation.model import Record

# Quotas 2024 (t REO), first batch doubled: China Northern RE 94,580 mining (light) / 88,010
# separation; China Rare Earth Group 40,420 mining (30,280 light + 10,140 ionic) / 38,990.
QUOTAS_T = {
    ("northern", "light"): 189_160,
    ("chinare", "light"): 60_560,
    ("chinare", "ionic"): 20_280,
}
SEPARATION_T = {"northern": 176_020, "chinare": 77_980}
REGIONS = {  # (code, name, province), by kind of site
    "light": [
        ("150207", "Bayan Obo, Baotou", "Inner Mongolia"),
        ("513433", "Mianning, Liangshan", "Sichuan"),
    ],
    "ionic": [
        ("360727", "Longnan, Ganzhou", "Jiangxi"),
        ("441625", "Dongyuan, Heyuan", "Guangdong"),
        ("350824", "Wuping, Longyan", "Fujian"),
        ("451402", "Chongzuo", "Guangxi"),
    ],
    "plant": [
        ("150203", "Kundulun, Baotou", "Inner Mongolia"),
        ("360704", "Ganxian, Ganzhou", "Jiangxi"),
        ("320583", "Kunshan, Suzhou", "Jiangsu"),
        ("511100", "Leshan", "Sichuan"),
    ],
    "magnet": [
        ("330212", "Yinzhou, Ningbo", "Zhejiang"),
        ("140100", "Taiyuan", "Shanxi"),
        ("110105", "Chaoyang, Beijing", "Beijing"),
        ("360703", "Nankang, Ganzhou", "Jiangxi"),
        ("150204", "Qingshan, Baotou", "Inner Mongolia"),
    ],
    "trade": [
        ("310113", "Baoshan, Shanghai", "Shanghai"),
        ("310115", "Pudong, Shanghai", "Shanghai"),
        ("440304", "Futian, Shenzhen", "Guangdong"),
        ("320205", "Xishan, Wuxi", "Jiangsu"),
    ],
}
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
WORDS = (
    "Jinli",
    "Hengtai",
    "Xinhua",
    "Tianrun",
    "Ruiyuan",
    "Zhongke",
    "Huayu",
    "Dongfang",
    "Shengda",
    "Yongxin",
    "Hongye",
    "Kaiyuan",
    "Baosheng",
    "Lianhe",
    "Fuda",
    "Guoxin",
    "Haitong",
    "Longteng",
    "Mingyang",
    "Anke",
    "Jiahe",
    "Zhenxing",
    "Qiangsheng",
    "Yida",
)
MAGNET_DESTINATIONS = (
    ("DE", 16),
    ("KR", 14),
    ("US", 12),
    ("JP", 8),
    ("IN", 8),
    ("VN", 7),
    ("IT", 5),
    ("MX", 5),
    ("TH", 5),
    ("PL", 5),
    ("NL", 5),
    ("FR", 5),
    ("TR", 5),
)
OXIDE_DESTINATIONS = (
    ("JP", 30),
    ("US", 15),
    ("NL", 15),
    ("KR", 12),
    ("IT", 10),
    ("FR", 8),
    ("DE", 10),
)
CITY = {
    "DE": "Stuttgart",
    "KR": "Ulsan",
    "US": "Detroit",
    "JP": "Osaka",
    "IN": "Pune",
    "VN": "Hai Phong",
    "IT": "Turin",
    "MX": "Monterrey",
    "TH": "Rayong",
    "PL": "Wroclaw",
    "NL": "Rotterdam",
    "FR": "Lyon",
    "TR": "Bursa",
}
SUFFIX = {
    "DE": "GmbH",
    "KR": "Co., Ltd.",
    "US": "Inc.",
    "JP": "K.K.",
    "IN": "Pvt. Ltd.",
    "VN": "JSC",
    "IT": "S.p.A.",
    "MX": "S.A. de C.V.",
    "TH": "Co., Ltd.",
    "PL": "Sp. z o.o.",
    "NL": "B.V.",
    "FR": "SAS",
    "TR": "A.S.",
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


@dataclass(frozen=True, slots=True)
class Buyer:
    name: str
    country: str
    address: str
    product_kind: str  # "magnet" or "oxide"


@dataclass(slots=True)
class Economy:
    enterprises: dict[str, Enterprise] = field(default_factory=dict)
    by_role: dict[str, list[Enterprise]] = field(default_factory=dict)
    buyers: list[Buyer] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)

    def role(self, role: str) -> list[Enterprise]:
        return self.by_role.get(role, [])


def count_for(role: str, scale: float) -> int:
    factor = min(1.0, math.sqrt(scale / 0.2))
    return max(MIN_COUNTS[role], round(FULL_COUNTS[role] * factor))


def build(rng: random.Random, scale: float, year: int) -> Economy:
    economy = Economy()
    names = _Names(rng)
    _miners(economy, names, rng, scale)
    _separators(economy, names, rng, scale)
    for role, kind in (
        ("metal_smelter", "magnet"),
        ("magnet_maker", "magnet"),
        ("recycler", "plant"),
        ("trader", "trade"),
        ("exporter", "trade"),
    ):
        for _ in range(count_for(role, scale)):
            _add(economy, names, rng, [role], kind, _pareto(rng))
    for maker in economy.role("magnet_maker"):
        if maker.size > 2.0:
            maker.roles.append("exporter")
            economy.by_role["exporter"].append(maker)
    _quotas(economy, scale, year)
    economy.buyers = _buyers(rng, scale)
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

    def name(self, city: str, trade: str) -> str:
        while True:
            name = f"{city.split(',')[0]} {self.rng.choice(WORDS)} {trade} Co., Ltd."
            if name not in self.used:
                self.used.add(name)
                return name
            trade = f"{self.rng.choice(WORDS)} {trade}"


TRADE = {
    "miner": "Rare Earth Mining",
    "separator": "Rare Earth Separation",
    "metal_smelter": "Rare Earth Metals",
    "magnet_maker": "Magnetic Materials",
    "recycler": "Resource Recycling",
    "trader": "Nonferrous Metals Trading",
    "exporter": "Import and Export",
}
FACILITY_KIND = {"miner": "mine", "trader": "warehouse", "exporter": "warehouse"}


def _add(
    economy: Economy,
    names: _Names,
    rng: random.Random,
    roles: list[str],
    site: str,
    size: float,
) -> Enterprise:
    code, city, province = rng.choice(REGIONS[site])
    eid = names.uscc(code)
    facility = f"FAC-{eid[-8:]}-01"
    ent = Enterprise(eid, names.name(city, TRADE[roles[0]]), roles, facility, site, size)
    economy.enterprises[eid] = ent
    for role in roles:
        economy.by_role.setdefault(role, []).append(ent)
    kind = FACILITY_KIND.get(roles[0], "plant")
    economy.records.append(
        {
            "type": "enterprise",
            "id": eid,
            "name": ent.name,
            "country": "CN",
            "roles": roles,
            "status": "active",
        }
    )
    economy.records.append(
        {
            "type": "facility",
            "id": facility,
            "enterprise_id": eid,
            "kind": kind,
            "name": f"{ent.name.split(' Co.')[0]} {kind}",
            "region": f"{city}, {province}",
        }
    )
    return ent


def _miners(economy: Economy, names: _Names, rng: random.Random, scale: float) -> None:
    total = count_for("miner", scale)
    counts = {("northern", "light"): 1, ("chinare", "light"): 1}
    counts[("chinare", "ionic")] = max(1, total - 2)
    for (group, feed), quota in QUOTAS_T.items():
        shares = [rng.uniform(0.5, 1.5) for _ in range(counts[(group, feed)])]
        for share in shares:
            ent = _add(economy, names, rng, ["miner"], feed, 1.0)
            ent.group, ent.feed = group, feed
            ent.quota_t = round(quota * scale * share / sum(shares), 3)


def _separators(economy: Economy, names: _Names, rng: random.Random, scale: float) -> None:
    total = count_for("separator", scale)
    counts = {"northern": max(1, total // 3), "chinare": max(2, total - total // 3)}
    for group, quota in SEPARATION_T.items():
        shares = [rng.uniform(0.5, 1.5) for _ in range(counts[group])]
        for index, share in enumerate(shares):
            roles = ["separator", "importer"] if index % 2 == 0 else ["separator"]
            ent = _add(economy, names, rng, roles, "plant", 1.0)
            ent.group = group
            ent.quota_t = round(quota * scale * share / sum(shares), 3)


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


def _buyers(rng: random.Random, scale: float) -> list[Buyer]:
    buyers = []
    count = max(8, round(120 * min(1.0, math.sqrt(scale / 0.2))))
    for index in range(count):
        kind = "magnet" if index % 3 else "oxide"
        table = MAGNET_DESTINATIONS if kind == "magnet" else OXIDE_DESTINATIONS
        country = rng.choices([c for c, _ in table], [w for _, w in table])[0]
        word = rng.choice(WORDS[:12]).replace("i", "e")
        trade = "Motoren" if country == "DE" else ("Motors" if kind == "magnet" else "Materials")
        name = f"{word} {trade} {index + 1} {SUFFIX[country]}"
        address = f"{rng.randint(1, 200)} Industrial Road, {CITY[country]}"
        buyers.append(Buyer(name, country, address, kind))
    return buyers

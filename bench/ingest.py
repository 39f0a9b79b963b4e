"""Ingest benchmark: ``rareledger load`` against plain inserts, on SQLite and PostgreSQL.

Generates a valid, deterministic economy (master data plus N events of every type) as JSON
Lines, then measures on each backend

* ``rareledger load --batch-size 5000`` of the N events, as a subprocess (wall time, so
  process start-up is included; the start-up and the master-data load are timed separately);
* the plain-insert limit: the same N lines inserted into a table shaped like the ledger
  table, 5000 rows per transaction, no validation (sqlite3 ``executemany`` on SQLite;
  psycopg ``COPY`` and ``executemany`` on PostgreSQL).

Run ``python bench/ingest.py --help``; results go to ``DIR/ingest.json`` (see bench/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sqlite3
import subprocess
import sys
import time
import uuid
from bisect import bisect
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from itertools import accumulate
from pathlib import Path
from random import Random
from typing import Any, Generic, TextIO, TypeVar
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

DESCRIPTION = "Ingest benchmark: rareledger load against plain inserts (SQLite, PostgreSQL)."
ROOT = Path(__file__).resolve().parents[1]
BATCH = 5000
TARGET_RATIO = 0.25
TARGET_N = 200_000
TARGET_TEXT = "target (issue 2): SQLite bulk load >= 25 % of plain-insert rate at N = 200,000"
PG_THROWAWAY = ROOT / "scripts" / "pg-throwaway.sh"
PG_START_ATTEMPTS = 3
PG_RETRY_PAUSE_S = 30
PLAIN_REPEATS = 3  # the plain runs are short and noisy: best of three

Record = dict[str, Any]
Key = tuple[str, str]  # (holder, lot_id)
T = TypeVar("T")

# ======================================================================= the economy

CST = timezone(timedelta(hours=8))
START = datetime(2025, 1, 1, 8, 0, tzinfo=CST)
SPAN = timedelta(days=365)
YEAR = START.year
MIN_TRANSIT = timedelta(hours=4)
MAX_LAG_MINUTES = 3 * 24 * 60  # recorded_at is 15 minutes to 3 days after occurred_at

EVENT_MIX = {  # share of events by type (fallbacks shift the realised mix a little)
    "extraction": 5,
    "shipment": 30,
    "receipt": 30,
    "processing": 15,
    "export": 8,
    "import": 2,
    "adjustment": 8,
    "correction": 2,
}
ROLE_COUNTS = {  # enterprises with one main role (some get a second one)
    "miner": 30,
    "separator": 30,
    "metal_smelter": 30,
    "magnet_maker": 50,
    "recycler": 20,
    "trader": 60,
    "exporter": 50,
    "importer": 20,
}
SECOND_ROLE = {
    "magnet_maker": "exporter",
    "trader": "exporter",
    "exporter": "importer",
    "metal_smelter": "exporter",
    "separator": "importer",
}
PROCESSORS = ("separator", "metal_smelter", "magnet_maker", "recycler")

# Metal fraction of each element's customary oxide (Nd2O3 is 85.7 % Nd), in 1/10000.
OXIDE_METAL_BP = {
    "La": 8527,
    "Ce": 8141,
    "Pr": 8277,
    "Nd": 8574,
    "Sm": 8624,
    "Eu": 8636,
    "Gd": 8676,
    "Tb": 8502,
    "Dy": 8713,
    "Ho": 8730,
    "Er": 8745,
    "Tm": 8756,
    "Yb": 8782,
    "Lu": 8794,
    "Y": 7874,
    "Sc": 6520,
}
# Rare-earth metal in a concentrate, per element, in 1/10000 (ionic clay, bastnaesite, monazite).
ORE_PROFILES = (
    {
        "La": 1961,
        "Ce": 112,
        "Pr": 418,
        "Nd": 1419,
        "Sm": 357,
        "Eu": 71,
        "Gd": 399,
        "Tb": 54,
        "Dy": 320,
        "Ho": 64,
        "Er": 177,
        "Tm": 24,
        "Yb": 121,
        "Lu": 16,
        "Y": 2166,
    },
    {
        "La": 1290,
        "Ce": 2440,
        "Pr": 250,
        "Nd": 770,
        "Sm": 55,
        "Eu": 10,
        "Gd": 25,
        "Tb": 2,
        "Dy": 5,
        "Y": 12,
    },
    {
        "La": 1150,
        "Ce": 2320,
        "Pr": 255,
        "Nd": 930,
        "Sm": 160,
        "Eu": 4,
        "Gd": 120,
        "Tb": 6,
        "Dy": 35,
        "Ho": 5,
        "Er": 10,
        "Y": 190,
    },
)
LOT_CODES = {
    "ore": "OR",
    "concentrate": "CC",
    "mixed_compound": "MX",
    "oxide": "OX",
    "compound": "CP",
    "metal": "ME",
    "alloy": "AL",
    "target": "TG",
    "magnet": "MG",
    "scrap": "SC",
}
PRICE_CNY_PER_KG = {
    "ore": 4,
    "concentrate": 38,
    "mixed_compound": 60,
    "oxide": 260,
    "compound": 180,
    "metal": 540,
    "alloy": 620,
    "target": 1800,
    "magnet": 330,
    "scrap": 95,
}
HS_CODES = {
    "ore": "253090",
    "concentrate": "253090",
    "mixed_compound": "284690",
    "oxide": "284690",
    "compound": "284690",
    "metal": "280530",
    "alloy": "720299",
    "target": "810890",
    "magnet": "850511",
    "scrap": "811299",
}
# Who buys a form (domestic demand): (role, weight).
DEMAND = {
    "ore": (("separator", 9), ("trader", 1)),
    "concentrate": (("separator", 9), ("trader", 1)),
    "mixed_compound": (("separator", 7), ("trader", 2), ("exporter", 1)),
    "oxide": (("metal_smelter", 6), ("trader", 2), ("exporter", 2)),
    "compound": (("metal_smelter", 6), ("trader", 2), ("exporter", 2)),
    "metal": (("magnet_maker", 6), ("metal_smelter", 1), ("trader", 1), ("exporter", 2)),
    "alloy": (("magnet_maker", 7), ("trader", 1), ("exporter", 2)),
    "magnet": (("exporter", 5), ("trader", 4), ("recycler", 1)),
    "scrap": (("recycler", 8), ("trader", 2)),
    "target": (("exporter", 6), ("trader", 4)),
}
# Which processes a role runs on which input form.
PROCESS_OF = {
    ("separator", "ore"): "beneficiation",
    ("separator", "concentrate"): "separation",
    ("separator", "mixed_compound"): "separation",
    ("metal_smelter", "oxide"): "metal_smelting",
    ("metal_smelter", "compound"): "metal_smelting",
    ("metal_smelter", "metal"): "alloying",
    ("magnet_maker", "metal"): "magnet_making",
    ("magnet_maker", "alloy"): "magnet_making",
    ("recycler", "magnet"): "recycling",
    ("recycler", "scrap"): "recycling",
}
# A smelter alloys metal it buys in, but sells most of the metal it makes.
KEPT_FOR_PROCESSING = set(PROCESS_OF) - {("metal_smelter", "metal")}
PROCESS_INPUTS = {
    process: {f for (_, f), p in PROCESS_OF.items() if p == process}
    for process in set(PROCESS_OF.values())
}
DESTINATIONS = (
    ("DE", "Nordhafen Elektromotoren GmbH", "Hafenstrasse 12, Bremen", "traction motors"),
    ("JP", "Kansai Precision Motors K.K.", "Higashi-ku, Osaka", "servo motors"),
    ("KR", "Hanbit Mobility Components Co.", "Ulsan", "EV drive units"),
    ("US", "Great Lakes Magnetics Inc.", "Toledo, Ohio", "industrial motors"),
    ("NL", "Delta Metals Trading B.V.", "Rotterdam", "distribution to EU smelters"),
    ("IT", "Officine Magnetiche Lombarde S.p.A.", "Bergamo", "wind turbine generators"),
    ("VN", "Saigon Electronics Assembly JSC", "Binh Duong", "consumer electronics"),
    ("IN", "Pune Drive Systems Pvt. Ltd.", "Pune", "two-wheeler motors"),
    ("TH", "Siam Compressor Parts Co., Ltd.", "Chonburi", "air-conditioner compressors"),
    ("MX", "Motores del Bajio S.A. de C.V.", "Queretaro", "appliance motors"),
)
SUPPLIERS = (
    ("MM", "Kachin Mineral Trading Co."),
    ("LA", "Phongsaly Resources Sole Co."),
    ("MY", "Kuantan Advanced Materials Sdn. Bhd."),
    ("VN", "Lai Chau Rare Metals JSC"),
    ("AU", "Pilbara Rare Earths Pty Ltd"),
    ("US", "Mojave Minerals LLC"),
    ("IN", "Kerala Sands Minerals Ltd."),
)
REGIONS = (
    ("360700", "Ganzhou", "赣州"),
    ("150200", "Baotou", "包头"),
    ("513400", "Liangshan", "凉山"),
    ("350800", "Longyan", "龙岩"),
    ("330200", "Ningbo", "宁波"),
    ("310115", "Shanghai", "上海"),
    ("440300", "Shenzhen", "深圳"),
    ("320500", "Suzhou", "苏州"),
    ("430400", "Hengyang", "衡阳"),
    ("451300", "Laibin", "来宾"),
)
WORDS = (
    ("Jinli", "金力"),
    ("Huaxin", "华鑫"),
    ("Ruitai", "瑞泰"),
    ("Hengyuan", "恒远"),
    ("Zhongke", "中科"),
    ("Dongfang", "东方"),
    ("Xinghai", "星海"),
    ("Baosheng", "宝盛"),
    ("Tianrun", "天润"),
    ("Yongxing", "永兴"),
    ("Lingfeng", "凌峰"),
    ("Anda", "安达"),
)
ROLE_NAMES = {
    "miner": ("Rare Earth Mining Co., Ltd.", "稀土矿业有限公司"),
    "separator": ("Rare Earth Separation Co., Ltd.", "稀土分离有限公司"),
    "metal_smelter": ("Rare Earth Metals Co., Ltd.", "稀土金属有限公司"),
    "magnet_maker": ("Magnetic Materials Co., Ltd.", "磁性材料有限公司"),
    "recycler": ("Resource Recycling Co., Ltd.", "资源再生有限公司"),
    "trader": ("Nonferrous Metals Trading Co., Ltd.", "有色金属贸易有限公司"),
    "exporter": ("Import and Export Co., Ltd.", "进出口有限公司"),
    "importer": ("International Trade Co., Ltd.", "国际贸易有限公司"),
}
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


class Bag(Generic[T]):
    """A set with O(1) add, remove and uniform random choice."""

    __slots__ = ("index", "items")

    def __init__(self) -> None:
        self.items: list[T] = []
        self.index: dict[T, int] = {}

    def __len__(self) -> int:
        return len(self.items)

    def add(self, item: T) -> None:
        if item not in self.index:
            self.index[item] = len(self.items)
            self.items.append(item)

    def remove(self, item: T) -> None:
        position = self.index.pop(item)
        last = self.items.pop()
        if position < len(self.items):
            self.items[position] = last
            self.index[last] = position

    def choice(self, rng: Random) -> T | None:
        return self.items[int(rng.random() * len(self.items))] if self.items else None


@dataclass(slots=True)
class Enterprise:
    id: str
    code: str
    roles: tuple[str, ...]
    mines: list[str] = field(default_factory=list)
    site: str = ""  # the plant or warehouse its events are reported at


@dataclass(frozen=True, slots=True)
class Lot:
    form: str
    composition: dict[str, int]  # element -> mass fraction in 1/10000


@dataclass(frozen=True, slots=True)
class InTransit:
    event_id: str
    seller: str
    buyer: str
    items: tuple[tuple[str, int], ...]  # (lot_id, grams)
    shipped_at: datetime


@dataclass(frozen=True, slots=True)
class LossReport:
    """A negative adjustment that a later correction may restate."""

    event_id: str
    holder: str
    lot_id: str
    delta_g: int
    occurred_at: datetime


class Stock:
    """Exact balances per (holder, lot), with random access to the non-empty ones."""

    def __init__(self) -> None:
        self.grams: dict[Key, int] = {}
        self.positions: Bag[Key] = Bag()
        self.by_holder: dict[str, Bag[str]] = {}

    def held(self, holder: str, lot_id: str) -> int:
        return self.grams.get((holder, lot_id), 0)

    def add(self, holder: str, lot_id: str, grams: int) -> None:
        key = (holder, lot_id)
        self.grams[key] = self.grams.get(key, 0) + grams
        self.positions.add(key)
        self.by_holder.setdefault(holder, Bag()).add(lot_id)

    def take(self, holder: str, lot_id: str, grams: int) -> None:
        key = (holder, lot_id)
        left = self.grams[key] - grams
        if left < 0:
            raise AssertionError(f"generator bug: {key} would go negative")
        if left:
            self.grams[key] = left
            return
        del self.grams[key]
        self.positions.remove(key)
        self.by_holder[holder].remove(lot_id)


def kg(grams: int) -> str:
    sign = "-" if grams < 0 else ""
    grams = abs(grams)
    return f"{sign}{grams // 1000}.{grams % 1000:03d}"


def money(fen: int, currency: str) -> dict[str, str]:
    return {"amount": f"{fen // 100}.{fen % 100:02d}", "currency": currency}


def stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def composition_json(composition: dict[str, int]) -> dict[str, float]:
    # Four decimals as JSON numbers; the shortest float repr is exactly the 4-decimal value.
    return {symbol: bp / 10000 for symbol, bp in composition.items()}


class Economy:
    """A year of a rare-earth supply chain, one valid event at a time."""

    def __init__(self, seed: int, n_events: int) -> None:
        self.rng = Random(seed)
        self.n_events = n_events
        self.step = SPAN / max(n_events, 1)
        self.now = START
        self.enterprises: dict[str, Enterprise] = {}
        self.by_role: dict[str, list[str]] = {role: [] for role in ROLE_COUNTS}
        self.lots: dict[str, Lot] = {}
        self.stock = Stock()
        self.transit: deque[InTransit] = deque()
        self.losses: list[LossReport] = []
        self.lot_seq = 0
        self.counter: Counter[str] = Counter()
        self.kinds = list(EVENT_MIX)
        self.cumulative = list(accumulate(EVENT_MIX.values()))
        self.handlers: dict[str, Callable[[], Record | None]] = {
            "extraction": self.extraction,
            "shipment": self.shipment,
            "receipt": self.receipt,
            "processing": self.processing,
            "export": self.export,
            "import": self.import_,
            "adjustment": self.adjustment,
            "correction": self.correction,
        }

    # ------------------------------------------------------------------ master data

    def master_data(self) -> list[Record]:
        records: list[Record] = []
        used: set[str] = set()
        for role, count in ROLE_COUNTS.items():
            for number in range(count):
                records += self._enterprise(role, number, used)
        return records

    def _uscc(self, region: str, used: set[str]) -> str:
        while True:
            tail = "".join(self.rng.choice(USCC_CHARS) for _ in range(8))
            uscc = f"91{region}MA{tail}"
            if uscc not in used:
                used.add(uscc)
                return uscc

    def _enterprise(self, role: str, number: int, used: set[str]) -> list[Record]:
        rng = self.rng
        region, city, city_cn = rng.choice(REGIONS)
        word, word_cn = rng.choice(WORDS)
        roles = [role]
        if role in SECOND_ROLE and rng.random() < 0.2:
            roles.append(SECOND_ROLE[role])
        eid = self._uscc(region, used)
        code = f"{role[:3].upper()}{number:03d}"
        ent = Enterprise(eid, code, tuple(roles))
        suffix, suffix_cn = ROLE_NAMES[role]
        records: list[Record] = [
            {
                "type": "enterprise",
                "id": eid,
                "name": f"{city} {word} {suffix}",
                "name_local": f"{city_cn}{word_cn}{suffix_cn}",
                "country": "CN",
                "roles": roles,
                "status": "active",
            }
        ]
        if role == "miner":
            for index in range(rng.randint(1, 3)):
                ent.mines.append(f"FAC-{code}-MINE-{index + 1:02d}")
                records.append(self._facility(ent.mines[-1], eid, "mine", city, region))
        kind = "plant" if role in PROCESSORS else "warehouse"
        ent.site = f"FAC-{code}-{kind.upper()}-01"
        records.append(self._facility(ent.site, eid, kind, city, region))
        if role in ("miner", "separator"):
            quota_kind = "mining" if role == "miner" else "separation"
            records.append(
                {
                    "type": "quota",
                    "id": f"QUOTA-{YEAR}-{code}",
                    "enterprise_id": eid,
                    "year": YEAR,
                    "kind": quota_kind,
                    "reo_t": rng.randrange(200, 5000),
                }
            )
        self.enterprises[eid] = ent
        for each in roles:
            self.by_role[each].append(eid)
        return records

    def _facility(self, fid: str, owner: str, kind: str, city: str, region: str) -> Record:
        return {
            "type": "facility",
            "id": fid,
            "enterprise_id": owner,
            "kind": kind,
            "name": f"{city} {kind} {fid[-2:]}",
            "region": region,
            "lat": round(self.rng.uniform(22.0, 41.0), 4),
            "lon": round(self.rng.uniform(100.0, 122.0), 4),
        }

    # ------------------------------------------------------------------ events

    def events(self) -> Iterator[Record]:
        for index in range(self.n_events):
            self.now = START + self.step * index
            kind = self.kinds[bisect(self.cumulative, self.rng.random() * self.cumulative[-1])]
            record = self.handlers[kind]() or self.shipment() or self.extraction()
            assert record is not None
            self.counter[record["type"]] += 1
            yield record

    def _event(
        self,
        kind: str,
        reporter: str,
        facility: str | None = None,
        occurred_at: datetime | None = None,
    ) -> Record:
        occurred = occurred_at or self.now
        lag = timedelta(minutes=self.rng.randint(15, MAX_LAG_MINUTES))
        record: Record = {
            "type": kind,
            "event_id": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
            "reporter": reporter,
            "occurred_at": stamp(occurred),
            "recorded_at": stamp(self.now + lag),
        }
        if facility:
            record["facility_id"] = facility
        return record

    def _new_lot_id(self, ent: Enterprise, form: str) -> str:
        self.lot_seq += 1
        return f"LOT-{ent.code}-{YEAR}-{LOT_CODES[form]}-{self.lot_seq:07d}"

    def _create(
        self, ent: Enterprise, form: str, grams: int, composition: dict[str, int]
    ) -> Record:
        lot_id = self._new_lot_id(ent, form)
        self.lots[lot_id] = Lot(form, composition)
        self.stock.add(ent.id, lot_id, grams)
        return {
            "lot_id": lot_id,
            "form": form,
            "mass_kg": kg(grams),
            "composition": composition_json(composition),
        }

    def _ore(self, grade: float) -> dict[str, int]:
        profile = self.rng.choice(ORE_PROFILES)
        return {
            s: max(1, int(bp * grade * self.rng.uniform(0.9, 1.1))) for s, bp in profile.items()
        }

    def _part(self, held: int) -> int:
        """How much of a holding to move: all of it, or a round part of a large one."""
        if held <= 2_000_000 or self.rng.random() < 0.4:
            return held
        part = int(held * self.rng.uniform(0.2, 0.8)) // 25_000 * 25_000
        return part or held

    def extraction(self) -> Record:
        ent = self.enterprises[self.rng.choice(self.by_role["miner"])]
        record = self._event("extraction", ent.id, self.rng.choice(ent.mines))
        outputs = []
        for _ in range(self.rng.choice((1, 1, 2))):
            if self.rng.random() < 0.8:
                grams = self.rng.randrange(2_000_000, 40_000_000)
                outputs.append(self._create(ent, "concentrate", grams, self._ore(1.0)))
            else:
                grams = self.rng.randrange(50_000_000, 400_000_000, 1000)
                outputs.append(self._create(ent, "ore", grams, self._ore(0.06)))
        record["outputs"] = outputs
        return record

    def _buyer(self, form: str, seller: str) -> str:
        roles, weights = zip(*DEMAND[form], strict=True)
        while True:
            role = self.rng.choices(roles, weights)[0]
            buyer = self.rng.choice(self.by_role[role])
            if buyer != seller:
                return buyer

    def _keeps(self, holder: str, form: str) -> bool:
        """Whether a holder would rather process or export this form than sell it on."""
        roles = self.enterprises[holder].roles
        if "exporter" in roles and form not in ("ore", "concentrate"):
            return True
        return any((role, form) in KEPT_FOR_PROCESSING for role in roles)

    def shipment(self) -> Record | None:
        key = None
        for attempt in range(8):
            key = self.stock.positions.choice(self.rng)
            if key is None or attempt == 7 or not self._keeps(key[0], self.lots[key[1]].form):
                break
        if key is None:
            return None
        seller, first = key
        form = self.lots[first].form
        lots = {first}
        for _ in range(2):
            other = self.stock.by_holder[seller].choice(self.rng)
            if other is not None and self.lots[other].form == form and self.rng.random() < 0.3:
                lots.add(other)
        ent = self.enterprises[seller]
        buyer = self._buyer(form, seller)
        record = self._event("shipment", seller, ent.site)
        items = tuple((lot, self._part(self.stock.held(seller, lot))) for lot in sorted(lots))
        for lot, grams in items:
            self.stock.take(seller, lot, grams)
        price = PRICE_CNY_PER_KG[form] * self.rng.uniform(0.85, 1.15)
        record.update(
            {
                "buyer": buyer,
                "items": [{"lot_id": lot, "mass_kg": kg(g)} for lot, g in items],
                "value": money(int(sum(g for _, g in items) * price / 10), "CNY"),
                "invoice_no": f"{self.rng.randrange(10**19, 10**20)}",
                "contract_no": f"{ent.code}-{YEAR}-{self.rng.randrange(1, 10000):04d}",
            }
        )
        self.transit.append(InTransit(record["event_id"], seller, buyer, items, self.now))
        return record

    def receipt(self) -> Record | None:
        if not self.transit or self.transit[0].shipped_at > self.now - MIN_TRANSIT:
            return None
        shipment = self.transit.popleft()
        buyer = self.enterprises[shipment.buyer]
        record = self._event("receipt", buyer.id, buyer.site)
        items = []
        for lot, shipped in shipment.items:
            got = shipped
            if self.rng.random() < 0.05 and shipped > 100_000:  # within 0.5 %
                got = shipped - int(shipped * self.rng.uniform(0.0001, 0.002))
            self.stock.add(buyer.id, lot, got)
            items.append({"lot_id": lot, "mass_kg": kg(got)})
        record.update({"shipment_event_id": shipment.event_id, "items": items})
        return record

    # ------------------------------------------------------------------ processing

    def processing(self) -> Record | None:
        for _ in range(20):
            key = self.stock.positions.choice(self.rng)
            if key is None:
                return None
            holder, lot_id = key
            form = self.lots[lot_id].form
            processes = [
                PROCESS_OF[(r, form)]
                for r in self.enterprises[holder].roles
                if (r, form) in PROCESS_OF
            ]
            if processes:
                return self._process(holder, lot_id, self.rng.choice(processes))
        return None

    def _process(self, holder: str, first: str, process: str) -> Record | None:
        ent = self.enterprises[holder]
        lots = {first}
        for _ in range(4):
            other = self.stock.by_holder[holder].choice(self.rng)
            if other is not None and self.lots[other].form in PROCESS_INPUTS[process]:
                lots.add(other)
            if len(lots) == 3:
                break
        inputs = [(lot, self._part(self.stock.held(holder, lot))) for lot in sorted(lots)]
        amounts: dict[str, int] = {}  # element -> grams x 10000
        for lot, grams in inputs:
            for symbol, bp in self.lots[lot].composition.items():
                amounts[symbol] = amounts.get(symbol, 0) + grams * bp
        plan = self._plan(process, amounts)
        if not plan:
            return None
        record = self._event("processing", holder, ent.site)
        for lot, grams in inputs:
            self.stock.take(holder, lot, grams)
        outputs = [self._create(ent, form, grams, comp) for form, grams, comp in plan]
        record.update(
            {
                "process": process,
                "inputs": [{"lot_id": lot, "mass_kg": kg(g)} for lot, g in inputs],
                "outputs": outputs,
            }
        )
        return record

    def _plan(self, process: str, amounts: dict[str, int]) -> list[tuple[str, int, dict[str, int]]]:
        """Output lots (form, grams, composition): never more of an element than went in."""

        def share(percent: int) -> dict[str, int]:
            return {s: a * percent // 100 for s, a in amounts.items()}

        specs: list[tuple[str, dict[str, int], int]]  # (form, element amounts, purity bp)
        if process == "separation":
            specs = self._separation_specs(share(96))
        elif process == "beneficiation":
            specs = [("concentrate", share(90), self.rng.randint(5500, 6500))]
        elif process == "metal_smelting":
            top = max(amounts.values())
            single = sum(amounts.values()) * 95 <= top * 100
            specs = [("metal" if single else "alloy", share(96), 9900 if single else 9850)]
        elif process == "alloying":
            specs = [("alloy", share(98), 8000)]
        elif process == "magnet_making":
            specs = [("magnet", share(68), 3100), ("scrap", share(27), 2800)]
        else:  # recycling
            form = "mixed_compound" if self.rng.random() < 0.8 else "compound"
            specs = [(form, share(92), 6000)]
        plan = []
        for form, parts, purity in specs:
            lot = _lot_of(parts, purity)
            if lot is not None:
                plan.append((form, *lot))
        return plan

    def _separation_specs(self, amounts: dict[str, int]) -> list[tuple[str, dict[str, int], int]]:
        total = sum(amounts.values())
        ranked = sorted(amounts, key=lambda s: -amounts[s])
        singles = [s for s in ranked[:6] if amounts[s] * 25 >= total]
        specs = [("oxide", {s: amounts[s]}, OXIDE_METAL_BP[s] * 995 // 1000) for s in singles]
        rest = {s: a for s, a in amounts.items() if s not in singles and a}
        if rest:
            specs.append(("mixed_compound", rest, 5000))
        return specs

    # ------------------------------------------------------------------ trade and stock

    def export(self) -> Record | None:
        for _ in range(20):
            key = self.stock.positions.choice(self.rng)
            if key is None:
                return None
            holder, lot_id = key
            if "exporter" in self.enterprises[holder].roles:
                return self._export(holder, lot_id)
        return None

    def _export(self, holder: str, lot_id: str) -> Record:
        ent = self.enterprises[holder]
        form = self.lots[lot_id].form
        grams = self._part(self.stock.held(holder, lot_id))
        self.stock.take(holder, lot_id, grams)
        country, name, address, end_use = self.rng.choice(DESTINATIONS)
        record = self._event("export", holder, ent.site)
        price = PRICE_CNY_PER_KG[form] * self.rng.uniform(0.9, 1.3) / 7.2
        record.update(
            {
                "items": [{"lot_id": lot_id, "mass_kg": kg(grams)}],
                "destination_country": country,
                "consignee": {"name": name, "country": country, "address": address},
                "end_user": {"name": name, "country": country},
                "end_use": end_use,
                "hs_code": HS_CODES[form],
                "customs_declaration_no": f"{self.rng.randrange(10**17, 10**18)}",
                "value": money(int(grams * price / 10), "USD"),
            }
        )
        return record

    def import_(self) -> Record:
        ent = self.enterprises[self.rng.choice(self.by_role["importer"])]
        country, supplier = self.rng.choice(SUPPLIERS)
        form, grade = self.rng.choice(
            (("concentrate", 1.0), ("mixed_compound", 1.1), ("scrap", 0.4), ("oxide", 1.0))
        )
        composition = self._ore(grade)
        if form == "oxide":
            symbol = self.rng.choice(("Nd", "Pr", "Dy", "Tb", "Y", "La"))
            composition = {symbol: OXIDE_METAL_BP[symbol] * 99 // 100}
        grams = self.rng.randrange(1_000_000, 25_000_000, 1000)
        record = self._event("import", ent.id, ent.site)
        price = PRICE_CNY_PER_KG[form] * self.rng.uniform(0.8, 1.1) / 7.2
        record.update(
            {
                "origin_country": country,
                "supplier": {"name": supplier, "country": country},
                "outputs": [self._create(ent, form, grams, composition)],
                "customs_declaration_no": f"{self.rng.randrange(10**17, 10**18)}",
                "value": money(int(grams * price / 10), "USD"),
            }
        )
        return record

    def adjustment(self) -> Record | None:
        key = self.stock.positions.choice(self.rng)
        if key is None:
            return None
        holder, lot_id = key
        held = self.stock.held(holder, lot_id)
        reason = self.rng.choices(
            ("loss", "sample", "scrap_out", "stocktake", "other"), (30, 20, 10, 35, 5)
        )[0]
        if reason == "sample":
            delta = -min(held, self.rng.randrange(100, 2000))
        else:
            delta = -max(1, min(held, int(held * self.rng.uniform(0.0001, 0.005))))
            if reason in ("stocktake", "other") and self.rng.random() < 0.45:
                delta = -delta
        record = self._event("adjustment", holder, self.enterprises[holder].site)
        record.update({"lot_id": lot_id, "delta_kg": kg(delta), "reason": reason})
        if delta < 0:
            self.stock.take(holder, lot_id, -delta)
            self.losses.append(LossReport(record["event_id"], holder, lot_id, delta, self.now))
            del self.losses[:-200]
        else:
            self.stock.add(holder, lot_id, delta)
        return record

    def correction(self) -> Record | None:
        """Restate a recent loss: retract the adjustment, report the right figure.

        The replacement keeps the loss's occurred_at and takes the correction's recorded_at,
        so only losses whose reporting deadline is still ahead are restated (no late_report).
        """
        latest = self.now + timedelta(minutes=MAX_LAG_MINUTES)
        self.losses = [
            loss for loss in self.losses if reporting_deadline(loss.occurred_at) > latest
        ]
        if not self.losses:
            return None
        loss = self.losses.pop(int(self.rng.random() * len(self.losses)))
        available = self.stock.held(loss.holder, loss.lot_id) - loss.delta_g
        delta = -max(1, min(available, int(-loss.delta_g * self.rng.uniform(0.5, 1.5))))
        site = self.enterprises[loss.holder].site
        record = self._event("correction", loss.holder, site)
        replacement = self._event("adjustment", loss.holder, site, loss.occurred_at)
        del replacement["recorded_at"]  # it takes the correction's
        replacement.update({"lot_id": loss.lot_id, "delta_kg": kg(delta), "reason": "stocktake"})
        record.update(
            {
                "corrects": loss.event_id,
                "reason": "recount after stocktake",
                "replacement": replacement,
            }
        )
        self.stock.add(loss.holder, loss.lot_id, -loss.delta_g)
        self.stock.take(loss.holder, loss.lot_id, -delta)
        return record


def reporting_deadline(occurred_at: datetime) -> datetime:
    """The start of the 11th of the month after ``occurred_at`` (spec section 4, late_report)."""
    year, month = divmod(occurred_at.year * 12 + occurred_at.month, 12)
    return occurred_at.replace(year=year, month=month + 1, day=11, hour=0, minute=0, second=0)


def _lot_of(amounts: dict[str, int], purity_bp: int) -> tuple[int, dict[str, int]] | None:
    """A lot holding at most ``amounts`` (grams x 10000 per element) at about ``purity_bp``."""
    total = sum(amounts.values())
    grams = total // purity_bp
    if grams < 1000:  # under a kilogram: left in the plant
        return None
    composition = {s: a // grams for s, a in sorted(amounts.items()) if a // grams}
    if not composition or sum(composition.values()) > 10000:
        return None
    return grams, composition


@dataclass
class Generated:
    master: Path
    events: Path
    n_master: int
    n_events: int
    seconds: float
    mix: dict[str, int]
    in_transit: int
    lots: int


def generate(out: Path, n_events: int, seed: int) -> Generated:
    started = time.perf_counter()
    economy = Economy(seed, n_events)
    master_path, events_path = out / "master.jsonl", out / "events.jsonl"
    master = economy.master_data()
    _write_lines(master_path, master)
    with events_path.open("w", encoding="utf-8") as stream:
        _write_lines_to(stream, economy.events())
    return Generated(
        master_path,
        events_path,
        len(master),
        n_events,
        time.perf_counter() - started,
        dict(economy.counter),
        len(economy.transit),
        len(economy.lots),
    )


def _write_lines(path: Path, records: list[Record]) -> None:
    with path.open("w", encoding="utf-8") as stream:
        _write_lines_to(stream, iter(records))


def _write_lines_to(stream: TextIO, records: Iterator[Record]) -> None:
    buffer: list[str] = []
    for record in records:
        buffer.append(json.dumps(record, ensure_ascii=False))
        if len(buffer) == BATCH:
            stream.write("\n".join(buffer) + "\n")
            buffer = []
    if buffer:
        stream.write("\n".join(buffer) + "\n")


# ======================================================================= measuring

SUMMARY = re.compile(r"accepted (\d+), duplicate (\d+), rejected (\d+)")


@dataclass
class Run:
    seconds: float
    accepted: int
    rejected: int
    findings: str


def rareledger_command() -> list[str]:
    script = Path(sys.executable).with_name("rareledger")
    return [str(script)] if script.exists() else [sys.executable, "-m", "rareledger"]


def cli(url: str, *args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    result = subprocess.run(
        [*rareledger_command(), "--db", url, *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    return time.perf_counter() - started, result


def load(url: str, path: Path, expected: int) -> Run:
    """``rareledger load`` one file; stop the benchmark if anything is rejected."""
    seconds, result = cli(url, "load", "--batch-size", str(BATCH), str(path))
    match = SUMMARY.search(result.stdout)
    if result.returncode != 0 or match is None or int(match.group(1)) != expected:
        print(result.stdout[-4000:], result.stderr[-4000:], sep="\n", file=sys.stderr)
        raise SystemExit(
            f"error: rareledger load {path.name} did not accept all {expected} "
            f"records (exit {result.returncode}); see above"
        )
    findings = next(
        (line for line in result.stdout.splitlines() if line.startswith("findings:")), "findings: ?"
    )
    return Run(seconds, int(match.group(1)), int(match.group(3)), findings)


def show_rejections(url: str, path: Path, limit: int = 10) -> None:
    """Reload with ``--json`` and print the first rejected receipts."""
    _, result = cli(url, "load", "--json", "--batch-size", str(BATCH), str(path))
    shown = 0
    for line in result.stdout.splitlines():
        if '"status": "rejected"' in line and shown < limit:
            print(line, file=sys.stderr)
            shown += 1


def bench_rareledger(url: str, generated: Generated, empty: Path) -> dict[str, Any]:
    init_s, result = cli(url, "init")
    if result.returncode != 0:
        raise SystemExit(f"error: rareledger init failed: {result.stderr}")
    startup_s, _ = cli(url, "load", str(empty))
    master = load(url, generated.master, generated.n_master)
    try:
        events = load(url, generated.events, generated.n_events)
    except SystemExit:
        print("first rejected receipts (load --json into a fresh database):", file=sys.stderr)
        raise
    if events.findings != "findings: none":
        print(f"  warning: the events raised {events.findings}", file=sys.stderr)
    return {
        "init_s": round(init_s, 3),
        "startup_s": round(startup_s, 3),
        "master_records": generated.n_master,
        "master_load_s": round(master.seconds, 3),
        "events_load_s": round(events.seconds, 3),
        "events_per_s": round(generated.n_events / events.seconds),
        "events_per_s_without_startup": round(
            generated.n_events / max(events.seconds - startup_s, 1e-9)
        ),
        "findings": events.findings,
    }


def ledger_rows(path: Path) -> Iterator[list[tuple[int, str, str, str, str, str, str]]]:
    """The event lines as rows of the plain table, 5000 at a time (JSON parsed for the
    text columns, nothing validated)."""
    rows: list[tuple[int, str, str, str, str, str, str]] = []
    with path.open(encoding="utf-8") as stream:
        for position, line in enumerate(stream, start=1):
            record = json.loads(line)
            rows.append(
                (
                    position,
                    record["type"],
                    record["event_id"],
                    record["reporter"],
                    record["occurred_at"],
                    record["recorded_at"],
                    line.rstrip("\n"),
                )
            )
            if len(rows) == BATCH:
                yield rows
                rows = []
    if rows:
        yield rows


PLAIN_COLUMNS = ("position", "type", "event_id", "reporter", "occurred_at", "recorded_at", "record")


def plain_sqlite(path: Path, events: Path, n_events: int) -> dict[str, Any]:
    """Best of PLAIN_REPEATS runs (each into a fresh file): the limit is the fastest."""
    runs = [_plain_sqlite_once(path, events, n_events) for _ in range(PLAIN_REPEATS)]
    best_total, best_insert = min(runs), min(insert for _, insert in runs)
    return {
        "method": "sqlite3 executemany",
        "seconds": round(best_total[0], 3),
        "rows_per_s": round(n_events / best_total[0]),
        "insert_only_s": round(best_insert, 3),
        "insert_only_rows_per_s": round(n_events / best_insert),
        "runs_rows_per_s": [round(n_events / total) for total, _ in runs],
    }


def _plain_sqlite_once(path: Path, events: Path, n_events: int) -> tuple[float, float]:
    """One run: (seconds in all, seconds in executemany and COMMIT only)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(
        "CREATE TABLE plain_entries (position INTEGER PRIMARY KEY, type TEXT, "
        "event_id TEXT, reporter TEXT, occurred_at TEXT, recorded_at TEXT, "
        "record TEXT NOT NULL)"
    )
    insert_s = 0.0
    started = time.perf_counter()
    for rows in ledger_rows(events):
        begun = time.perf_counter()
        connection.execute("BEGIN")
        connection.executemany("INSERT INTO plain_entries VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        connection.execute("COMMIT")
        insert_s += time.perf_counter() - begun
    seconds = time.perf_counter() - started
    count = connection.execute("SELECT count(*) FROM plain_entries").fetchone()[0]
    connection.close()
    assert count == n_events, count
    return seconds, insert_s


def bench_sqlite(out: Path, generated: Generated, empty: Path) -> dict[str, Any]:
    db = out / "ledger.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{db.resolve()}"
    try:
        ledger = bench_rareledger(url, generated, empty)
    except SystemExit:
        fresh = out / "rejections.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{fresh}{suffix}").unlink(missing_ok=True)
        fresh_url = f"sqlite:///{fresh.resolve()}"
        cli(fresh_url, "init")
        cli(fresh_url, "load", str(generated.master))
        show_rejections(fresh_url, generated.events)
        raise
    plain = plain_sqlite(out / "plain.sqlite", generated.events, generated.n_events)
    return {
        "rareledger": ledger,
        "plain": plain,
        "ratio": round(ledger["events_per_s"] / plain["rows_per_s"], 4),
        "ratio_to_insert_only": round(ledger["events_per_s"] / plain["insert_only_rows_per_s"], 4),
    }


# ---------------------------------------------------------------- PostgreSQL


def postgres_url(given: str | None) -> tuple[str | None, str]:
    """The server URL to use, and a note on where it came from (or why there is none)."""
    if given:
        return given, "given"
    was_running = _throwaway("status")[0] == 0
    note = ""
    for attempt in range(1, PG_START_ATTEMPTS + 1):
        code, url, note = _throwaway("start")
        if code == 0 and url:
            if was_running:
                return url, "scripts/pg-throwaway.sh start, server already running"
            print(
                "  note: this run started the throwaway server and leaves it running "
                "(it may be shared); stop it with `bash scripts/pg-throwaway.sh stop`"
            )
            return url, "scripts/pg-throwaway.sh start, server started by this run"
        if "timed out waiting for lock" not in note or attempt == PG_START_ATTEMPTS:
            break
        print(f"  {note}; retrying in {PG_RETRY_PAUSE_S} s", file=sys.stderr)
        time.sleep(PG_RETRY_PAUSE_S)
    return None, f"scripts/pg-throwaway.sh start failed: {note}"


def _throwaway(command: str) -> tuple[int, str, str]:
    """Run the helper script: exit status, stdout, last line of stderr."""
    try:
        result = subprocess.run(
            ["bash", str(PG_THROWAWAY), command],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
            cwd=ROOT,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return -1, "", str(error)
    last = (result.stderr.strip().splitlines() or ["(no message)"])[-1]
    return result.returncode, result.stdout.strip(), last


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def plain_postgres(url: str, events: Path, n_events: int) -> dict[str, Any]:
    """COPY (best of PLAIN_REPEATS runs, each into a fresh table), then one executemany run."""
    columns = sql.SQL(", ").join(map(sql.Identifier, PLAIN_COLUMNS))
    copy = sql.SQL("COPY plain_entries ({}) FROM STDIN").format(columns)
    insert = sql.SQL("INSERT INTO plain_entries ({}) VALUES ({})").format(
        columns, sql.SQL(", ").join(sql.Placeholder() * len(PLAIN_COLUMNS))
    )
    copy_runs: list[float] = []
    with psycopg.connect(url) as connection:
        for _ in range(PLAIN_REPEATS):
            copy_runs.append(_plain_postgres_once(connection, events, n_events, copy, True))
        executemany_s = _plain_postgres_once(connection, events, n_events, insert, False)
    best = min(copy_runs)
    return {
        "method": "psycopg COPY (limit); executemany for comparison",
        "seconds": round(best, 3),
        "rows_per_s": round(n_events / best),
        "runs_rows_per_s": [round(n_events / run) for run in copy_runs],
        "executemany_s": round(executemany_s, 3),
        "executemany_rows_per_s": round(n_events / executemany_s),
    }


def _plain_postgres_once(
    connection: psycopg.Connection[Any],
    events: Path,
    n_events: int,
    statement: sql.Composed,
    use_copy: bool,
) -> float:
    connection.execute("DROP TABLE IF EXISTS plain_entries")
    connection.execute(
        "CREATE TABLE plain_entries (position bigint PRIMARY KEY, type text, event_id text, "
        "reporter text, occurred_at text, recorded_at text, record text NOT NULL)"
    )
    connection.commit()
    started = time.perf_counter()
    for rows in ledger_rows(events):
        with connection.cursor() as cursor:
            if use_copy:
                with cursor.copy(statement) as stream:
                    for row in rows:
                        stream.write_row(row)
            else:
                cursor.executemany(statement, rows)
        connection.commit()
    seconds = time.perf_counter() - started
    count = connection.execute("SELECT count(*) FROM plain_entries").fetchone()
    assert count is not None and count[0] == n_events, count
    return seconds


def bench_postgres(server_url: str, generated: Generated, empty: Path) -> dict[str, Any]:
    name = f"rareledger_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        version = admin.execute("SHOW server_version").fetchone()
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = with_database(server_url, name)
    try:
        ledger = bench_rareledger(url, generated, empty)
        plain = plain_postgres(url, generated.events, generated.n_events)
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
    return {
        "server_version": version[0] if version else "?",
        "database": name,
        "rareledger": ledger,
        "plain": plain,
        "ratio": round(ledger["events_per_s"] / plain["rows_per_s"], 4),
    }


# ======================================================================= reporting


def code_version() -> dict[str, Any]:
    """The commit measured, and whether src/ differs from it (read-only git commands)."""

    def git(*args: str) -> str | None:
        try:
            result = subprocess.run(
                ["git", "--no-optional-locks", *args],
                capture_output=True,
                text=True,
                check=False,
                cwd=ROOT,
                timeout=30,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return result.stdout.strip() if result.returncode == 0 else None

    changed = git("status", "--porcelain", "--untracked-files=no", "--", "src")
    return {
        "commit": git("rev-parse", "HEAD"),
        "src_modified": bool(changed) if changed is not None else None,
    }


def print_table(results: dict[str, Any], n_events: int) -> None:
    print()
    print(f"ingest benchmark, N = {n_events:,} events, batch size {BATCH}")
    header = f"{'backend':<12} {'rareledger events/s':>20} {'plain rows/s':>14} {'ratio':>8}"
    print(header)
    print("-" * len(header))
    for backend, figures in results.items():
        if "skipped" in figures:
            print(f"{backend:<12} skipped: {figures['skipped']}")
            continue
        print(
            f"{backend:<12} {figures['rareledger']['events_per_s']:>20,} "
            f"{figures['plain']['rows_per_s']:>14,} {figures['ratio'] * 100:>7.1f} %"
        )
    print()
    for backend, figures in results.items():
        if "skipped" in figures:
            continue
        led, plain = figures["rareledger"], figures["plain"]
        print(
            f"{backend}: load {led['events_load_s']} s (process start-up {led['startup_s']} s"
            f", {led['events_per_s_without_startup']:,} events/s without it); master data "
            f"{led['master_records']} records in {led['master_load_s']} s; {led['findings']}"
        )
        extra = (
            f"insert only {plain['insert_only_rows_per_s']:,} rows/s, ratio "
            f"{figures['ratio_to_insert_only'] * 100:.1f} %"
            if "insert_only_rows_per_s" in plain
            else f"executemany {plain['executemany_rows_per_s']:,} rows/s"
        )
        print(f"{backend}: plain {plain['method']}: {plain['rows_per_s']:,} rows/s ({extra})")
    print()
    print(TARGET_TEXT)
    sqlite = results.get("sqlite", {})
    if "ratio" in sqlite:
        met = "met" if sqlite["ratio"] >= TARGET_RATIO else "NOT met"
        scope = "" if n_events == TARGET_N else f" (this run has N = {n_events:,}: indicative)"
        print(f"  SQLite ratio {sqlite['ratio'] * 100:.1f} %: {met}{scope}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--events", type=int, default=TARGET_N, help="events to generate")
    parser.add_argument("--out", type=Path, default=Path("bench/out"), help="output directory")
    parser.add_argument("--seed", type=int, default=2025, help="generator seed")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("RARELEDGER_BENCH_POSTGRES_URL"),
        help="PostgreSQL server URL (default: $RARELEDGER_BENCH_POSTGRES_URL, "
        "else scripts/pg-throwaway.sh start)",
    )
    parser.add_argument("--skip-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args(argv)
    if args.events < 1:
        parser.error("--events must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    print(f"generating {args.events:,} events (seed {args.seed}) into {out / 'events.jsonl'}")
    code = code_version()
    generated = generate(out, args.events, args.seed)
    print(
        f"  {generated.n_master} master records, {generated.n_events:,} events in "
        f"{generated.seconds:.1f} s; mix: "
        + ", ".join(
            f"{kind} {generated.mix.get(kind, 0) / generated.n_events:.1%}" for kind in EVENT_MIX
        )
    )
    empty = out / "empty.jsonl"
    empty.write_text("")
    results: dict[str, Any] = {}
    print("SQLite: rareledger load, then plain inserts")
    results["sqlite"] = bench_sqlite(out, generated, empty)
    if args.skip_postgres:
        results["postgresql"] = {"skipped": "--skip-postgres"}
    else:
        url, source = postgres_url(args.postgres_url)
        if url is None:
            print(f"  note: skipping PostgreSQL ({source})")
            results["postgresql"] = {"skipped": source}
        else:
            print(f"PostgreSQL ({source}): rareledger load, then plain COPY and executemany")
            try:
                results["postgresql"] = bench_postgres(url, generated, empty)
            except psycopg.Error as error:
                print(f"  note: skipping PostgreSQL ({error})")
                results["postgresql"] = {"skipped": f"PostgreSQL error: {error}"}
    print_table(results, generated.n_events)
    if code_version() != code:
        print("warning: the commit or src/ changed during the run; the figures may mix versions")
        code["changed_during_run"] = True
    report = {
        "n_events": generated.n_events,
        "seed": args.seed,
        "batch_size": BATCH,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        },
        "code": code,
        "generated": {
            "master_records": generated.n_master,
            "seconds": round(generated.seconds, 3),
            "mix": generated.mix,
            "lots": generated.lots,
            "shipments_in_transit_at_end": generated.in_transit,
            "events_bytes": generated.events.stat().st_size,
        },
        "results": results,
        "target": {
            "text": TARGET_TEXT,
            "ratio": TARGET_RATIO,
            "sqlite_ratio": results["sqlite"]["ratio"],
        },
    }
    (out / "ingest.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwrote {out / 'ingest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

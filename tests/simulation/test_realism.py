"""The simulated economy looks like China's, its honest noise is there, and its violations come
in both difficulties, every type in every demo year."""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from rareledger.simulation import VIOLATION_TYPES, SimulationResult, simulate
from tests.simulation.test_simulation import HONEST, RAISED, _load, _partner_imports, _records

CLUSTERS = {"Ningbo", "Baotou", "Ganzhou", "Beijing", "Tianjin", "Taiyuan", "Yuncheng"}
SOUTH = {"Jiangxi", "Guangdong", "Fujian", "Guangxi", "Hunan"}


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """An honest year at the default scale."""
    return _records(simulate(tmp_path_factory.mktemp("year"), seed=21, rates=HONEST))


@pytest.fixture(scope="module")
def hard(tmp_path_factory: pytest.TempPathFactory) -> SimulationResult:
    return simulate(
        tmp_path_factory.mktemp("hard"), seed=13, scale=0.003, rates=RAISED, difficulty="hard"
    )


def _by_type(records: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [r for r in records if r["type"] == kind]


def test_the_groups_mine_and_separate_where_they_do(year: list[dict[str, Any]]) -> None:
    facilities = {f["enterprise_id"]: f for f in _by_type(year, "facility")}
    mining = sorted(
        (q for q in _by_type(year, "quota") if q["kind"] == "mining"), key=lambda q: -q["reo_t"]
    )
    assert "(150206)" in facilities[mining[0]["enterprise_id"]]["region"]  # Bayan Obo
    ionic = set()
    for extraction in _by_type(year, "extraction"):
        if float(extraction["outputs"][0]["composition"].get("Y", 0)) > 0.1:
            ionic.add(extraction["reporter"])
    assert ionic and {facilities[m]["region"].split(",")[0] for m in ionic} <= SOUTH
    makers = [e["id"] for e in _by_type(year, "enterprise") if "magnet_maker" in e["roles"]]
    assert {facilities[m]["region"].split(", ")[1] for m in makers} <= CLUSTERS


def test_firms_have_chinese_names_and_facilities_coordinates(year: list[dict[str, Any]]) -> None:
    for firm in _by_type(year, "enterprise"):
        assert firm["name_local"].endswith("有限公司") and firm["name"].endswith("Co., Ltd.")
    for facility in _by_type(year, "facility"):
        assert 18 < facility["lat"] < 54 and 73 < facility["lon"] < 135, facility


def test_exports_every_month_to_destinations_in_the_published_shares(
    year: list[dict[str, Any]],
) -> None:
    exports = _by_type(year, "export")
    assert {e["occurred_at"][:7] for e in exports} == {f"2025-{m:02d}" for m in range(1, 13)}
    magnets = Counter[str]()
    for export in exports:
        if export["hs_code"].startswith("8505"):
            magnets[export["destination_country"]] += sum(
                Decimal(i["mass_kg"]) for i in export["items"]
            )
    total = sum(magnets.values())
    top = [country for country, _ in magnets.most_common(3)]
    assert set(top) == {"DE", "KR", "US"}
    assert abs(sum(magnets[c] for c in top) / total - Decimal("0.42")) < Decimal("0.03")


@pytest.mark.parametrize(("seed", "difficulty"), [(1, "standard"), (2, "standard"), (3, "hard")])
def test_every_violation_type_is_in_the_demo_year(
    tmp_path: Path, seed: int, difficulty: str
) -> None:
    result = simulate(tmp_path, seed=seed, difficulty=difficulty)  # the demo's defaults
    assert {kind for kind, n in result.violations_by_type.items() if n} == set(VIOLATION_TYPES)


def test_honest_noise(year: list[dict[str, Any]]) -> None:
    shipments = {s["event_id"]: s for s in _by_type(year, "shipment")}
    lots = {o["lot_id"]: o for r in year for o in r.get("outputs", [])}
    differences = defaultdict(list)
    late_after_holiday = 0
    for receipt in _by_type(year, "receipt"):
        shipment = shipments[receipt["shipment_event_id"]]
        sent = sum(Decimal(i["mass_kg"]) for i in shipment["items"])
        got = sum(Decimal(i["mass_kg"]) for i in receipt["items"])
        differences[lots[shipment["items"][0]["lot_id"]]["form"]].append(float(got / sent - 1))
        shipped = datetime.fromisoformat(shipment["occurred_at"])
        arrived = datetime.fromisoformat(receipt["occurred_at"])
        if shipped.date().isoformat() >= "2025-01-26" and arrived.date().isoformat() > "2025-02-04":
            late_after_holiday += arrived - shipped > timedelta(days=3)
    assert all(abs(d) < 0.005 for found in differences.values() for d in found)  # tolerance
    assert (
        statistics.mean(differences["concentrate"])
        < -0.0005
        < statistics.mean(differences["oxide"])
    )  # concentrate dries in transit
    assert late_after_holiday > 0  # held up by the Spring Festival
    assert any(r["process"] == "other" for r in _by_type(year, "processing"))  # rework
    sold = {
        (s["reporter"], s["buyer"], i["lot_id"]) for s in shipments.values() for i in s["items"]
    }
    assert any((b, a, lot) in sold for a, b, lot in sold)  # a return


def test_prices_follow_the_month(year: list[dict[str, Any]]) -> None:
    lots = {o["lot_id"]: o for r in year for o in r.get("outputs", [])}
    per_kg = defaultdict(list)
    for shipment in _by_type(year, "shipment"):
        [item] = shipment["items"][:1]
        lot = lots[item["lot_id"]]
        if lot["form"] == "oxide" and set(lot["composition"]) == {"Nd", "Pr"}:
            kg = sum(Decimal(i["mass_kg"]) for i in shipment["items"])
            per_kg[shipment["occurred_at"][5:7]].append(
                float(Decimal(shipment["value"]["amount"]) / kg)
            )
    march, september = statistics.median(per_kg["03"]), statistics.median(per_kg["09"])
    assert 1.25 < september / march < 1.45  # Pr-Nd oxide: 444k CNY/t in March, 596k in September


def test_recoveries_differ_by_plant(year: list[dict[str, Any]]) -> None:
    lots = {o["lot_id"]: o for r in year for o in r.get("outputs", [])}

    def content(items: list[dict[str, Any]]) -> float:
        return sum(
            float(i["mass_kg"]) * sum(float(f) for f in lots[i["lot_id"]]["composition"].values())
            for i in items
        )

    by_plant = defaultdict(list)
    for event in _by_type(year, "processing"):
        if event["process"] == "separation":
            by_plant[event["reporter"]].append(content(event["outputs"]) / content(event["inputs"]))
    levels = [statistics.median(found) for found in by_plant.values()]
    assert max(levels) - min(levels) > 0.002 and max(levels) < 1.0  # each plant its own level
    assert all(statistics.pstdev(found) > 0.001 for found in by_plant.values())  # and swings


def test_hard_cases_are_subtle_and_load_without_an_honest_finding(
    hard: SimulationResult, sqlite_url: str
) -> None:
    truth = [json.loads(line) for line in hard.paths[-1].read_text().splitlines()]
    assert {c["type"] for c in truth} == set(VIOLATION_TYPES)
    assert {c["difficulty"] for c in truth} == {"hard"}
    database, receipts = _load(sqlite_url, hard)
    database.dispose()
    assert [r.as_dict() for r in receipts if r.status != "accepted"] == []
    guilty = {e for case in truth for e in case["event_ids"]}
    assert {r.id for r in receipts if r.findings} <= guilty
    records = {r.get("event_id"): r for r in _records(hard)}
    shipping = {r["reporter"] for r in records.values() if r["type"] in ("shipment", "export")}
    for case in truth:
        events = [records[e] for e in case["event_ids"]]
        if case["type"] == "diverted_shipment":  # received, by a firm that never sells on
            assert [e["type"] for e in events] == ["shipment", "receipt"]
            assert events[1]["reporter"] not in shipping
        elif case["type"] == "circular_trading":  # relabelled on the way
            assert any(e["type"] == "processing" and e["process"] == "other" for e in events)
        elif case["type"] == "late_report":  # a day or three after the deadline
            recorded = datetime.fromisoformat(events[0]["recorded_at"])
            assert recorded.day <= 14
    for country, excess in _partner_imports(hard).items():
        if any(c.get("country") == country for c in truth):
            assert Decimal("0.11") <= excess <= Decimal("0.37"), country

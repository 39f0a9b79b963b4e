"""National figures: they agree with the sums of the year's records, corrections applied, and
they are kept up to date by folding only what is new."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from rareledger.cli import cli
from rareledger.domain.actors import Actor
from rareledger.domain.elements import ELEMENTS
from rareledger.services import figures
from rareledger.services.reporting import Recorder
from rareledger.simulation import simulate
from rareledger.store import figures as store
from rareledger.store.database import Database

CST = timezone(timedelta(hours=8))
YEAR = 2025


@pytest.fixture(scope="module")
def year_records(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    result = simulate(tmp_path_factory.mktemp("figures"), seed=7, scale=0.001)
    records: list[dict[str, Any]] = []
    for path in result.record_files:
        records.extend(json.loads(line) for line in path.read_text().splitlines() if line)
    return records


def _load(database: Database, records: list[dict[str, Any]]) -> None:
    recorder = Recorder(database, Actor("test:operator"), allow_recorded_at=True)
    for start in range(0, len(records), 2000):
        answers = recorder.submit(records[start : start + 2000])
        assert all(a.status != "rejected" for a in answers), [
            a.as_dict() for a in answers if a.status == "rejected"
        ][:3]


def _in_year(record: dict[str, Any]) -> bool:
    moment = datetime.fromisoformat(record["occurred_at"]).astimezone(CST)
    return moment.year == YEAR


def _reo_t(outputs: list[dict[str, Any]]) -> Decimal:
    total = Decimal(0)
    for output in outputs:
        for symbol, fraction in output["composition"].items():
            reo = Decimal(str(fraction)) * ELEMENTS[symbol].reo_factor
            total += reo * Decimal(str(output["mass_kg"]))
    return total / 1000


def expected_figures(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The national figures summed straight from the records, independently of the service."""
    live = _apply_corrections(records)
    compositions = {
        o["lot_id"]: o["composition"] for r in live for o in r.get("outputs", []) if "form" in o
    }
    events = [r for r in live if "occurred_at" in r and _in_year(r)]
    mined = sum((_reo_t(r["outputs"]) for r in events if r["type"] == "extraction"), Decimal(0))
    separated = sum(
        (
            _reo_t(r["outputs"])
            for r in events
            if r["type"] == "processing" and r["process"] == "separation"
        ),
        Decimal(0),
    )
    imports: dict[str, Decimal] = {}
    exports: dict[str, Decimal] = {}
    elements: dict[str, dict[str, Decimal]] = {}
    for r in events:
        if r["type"] == "import":
            for o in r["outputs"]:
                _add(imports, r["origin_country"], Decimal(str(o["mass_kg"])))
        if r["type"] == "export":
            for item in r["items"]:
                mass = Decimal(str(item["mass_kg"]))
                _add(exports, r["destination_country"], mass)
                for symbol, fraction in compositions[item["lot_id"]].items():
                    by_country = elements.setdefault(symbol, {})
                    _add(by_country, r["destination_country"], Decimal(str(fraction)) * mass)
    quotas = [r for r in live if r["type"] == "quota" and r["year"] == YEAR]
    return {
        "mining": (mined, sum(Decimal(str(q["reo_t"])) for q in quotas if q["kind"] == "mining")),
        "separation": (
            separated,
            sum(Decimal(str(q["reo_t"])) for q in quotas if q["kind"] == "separation"),
        ),
        "imports_kg": imports,
        "exports_kg": exports,
        "exports_element_kg": elements,
    }


def _add(totals: dict[str, Decimal], key: str, amount: Decimal) -> None:
    totals[key] = totals.get(key, Decimal(0)) + amount


def _apply_corrections(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    retracted = {r["corrects"] for r in records if r["type"] == "correction"}
    replacements = [r["replacement"] for r in records if r.get("replacement")]
    return [r for r in records if r.get("event_id") not in retracted] + replacements


def assert_agree(found: dict[str, Any], expected: dict[str, Any]) -> None:
    for kind in ("mining", "separation"):
        produced, quota = expected[kind]
        assert found[kind]["produced_t_reo"] == pytest.approx(float(produced), abs=0.0011)
        assert found[kind]["quota_t_reo"] == pytest.approx(float(quota), abs=0.0005)
    for name in ("imports_kg", "exports_kg"):
        assert set(found[name]) == set(expected[name]), name
        for country, amount in expected[name].items():
            assert found[name][country] == pytest.approx(float(amount), abs=0.0011)
    assert set(found["exports_element_kg"]) == set(expected["exports_element_kg"])
    for element, by_country in expected["exports_element_kg"].items():
        assert set(found["exports_element_kg"][element]) == set(by_country)
        for country, amount in by_country.items():
            assert found["exports_element_kg"][element][country] == pytest.approx(
                float(amount), abs=0.0011
            )


@pytest.fixture
def ledger(database: Database, year_records: list[dict[str, Any]]) -> Iterator[Database]:
    _load(database, year_records)
    yield database


def test_cli_figures_agree_with_the_sums_of_the_years_records(
    ledger: Database, year_records: list[dict[str, Any]]
) -> None:
    result = CliRunner().invoke(
        cli, ["--db", ledger.url, "figures", "national", "--json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert found["year"] == YEAR
    assert found["exports_kg"] and found["imports_kg"] and found["exports_element_kg"]
    assert all(isinstance(v, float) for v in found["exports_kg"].values())
    assert_agree(found, expected_figures(year_records))


def _export_of(records: list[dict[str, Any]]) -> dict[str, Any]:
    return next(r for r in records if r["type"] == "export" and _in_year(r))


def _extraction_of(records: list[dict[str, Any]]) -> dict[str, Any]:
    return next(r for r in records if r["type"] == "extraction" and _in_year(r))


def _correction(target: dict[str, Any], replacement: dict[str, Any] | None) -> dict[str, Any]:
    correction: dict[str, Any] = {
        "type": "correction",
        "event_id": f"corr-{target['event_id']}",
        "reporter": target["reporter"],
        "occurred_at": "2026-02-20T10:00:00+08:00",
        "corrects": target["event_id"],
        "reason": "wrong mass",
        "recorded_at": "2026-02-20T10:00:00+08:00",
    }
    if replacement is not None:
        correction["replacement"] = replacement
    return correction


def test_figures_follow_the_ledger_incrementally_with_corrections(
    ledger: Database, year_records: list[dict[str, Any]]
) -> None:
    before = figures.national(ledger, YEAR)
    with ledger.read() as connection:
        basis = store.fold_state(connection, figures.VERSION)
    assert basis is not None
    export = _export_of(year_records)
    smaller = {
        **export,
        "event_id": export["event_id"] + "-r",
        "items": [{**export["items"][0], "mass_kg": "1.5"}],
    }
    added = [_correction(export, smaller)]
    _load(ledger, added)
    after = figures.national(ledger, YEAR)
    assert_agree(after, expected_figures([*year_records, *added]))
    with ledger.read() as connection:
        state = store.fold_state(connection, figures.VERSION)
    assert state is not None and state.basis == basis.basis  # folded on, not from the start
    destination = export["destination_country"]
    assert after["exports_kg"][destination] < before["exports_kg"][destination]


def test_a_correction_of_a_lot_creating_event_refolds_and_still_agrees(
    ledger: Database, year_records: list[dict[str, Any]]
) -> None:
    figures.national(ledger, YEAR)
    extraction = _extraction_of(year_records)
    output = extraction["outputs"][0]
    restated = {
        **extraction,
        "event_id": extraction["event_id"] + "-r",
        "outputs": [{**output, "mass_kg": str(Decimal(str(output["mass_kg"])) + 10)}],
    }
    added = [_correction(extraction, restated)]
    _load(ledger, added)
    assert_agree(figures.national(ledger, YEAR), expected_figures([*year_records, *added]))


def test_refreshing_twice_adds_nothing_twice(ledger: Database) -> None:
    first = figures.national(ledger, YEAR)
    figures.refresh(ledger)
    assert figures.national(ledger, YEAR) == first
    assert figures.recount(ledger) > 0
    assert figures.national(ledger, YEAR) == first


def test_figures_api_is_the_cli_json(
    ledger: Database, year_records: list[dict[str, Any]], tmp_path: Path
) -> None:
    from tests.web.conftest import make_api

    api = make_api(ledger)
    response = api.get(f"/api/v1/figures/national?year={YEAR}")
    assert response.status_code == 200, response.text
    assert response.json() == figures.national(ledger, YEAR)
    assert api.get(f"/api/v1/figures/national?year={YEAR}", "miner").status_code == 403


def test_a_server_is_prepared_with_the_figures_folded_and_the_start_up_heap_frozen(
    ledger: Database,
) -> None:
    import gc

    from rareledger.store import log
    from rareledger.web.app import prepare_to_serve

    with ledger.read() as connection:
        head, _ = log.read_head(connection)
        assert store.fold_state(connection, figures.VERSION) is None  # nothing folded yet
    try:
        prepare_to_serve(ledger)
        with ledger.read() as connection:
            state = store.fold_state(connection, figures.VERSION)
        assert state is not None and state.position == head > 0
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_stocks_as_of_any_day_are_every_daily_change_up_to_it(ledger: Database) -> None:
    figures.refresh(ledger)
    days = ["2024-12-31", "2025-01-01", "2025-03-15", "2025-06-30", "2025-07-01", "2025-12-31"]
    with ledger.read() as connection:
        for day in [*days, "2026-02-28"]:
            daily = dict(store.sums(connection, "stock_reo", "0000-01-01", day, ("key1",)))
            monthly = dict(store.stocks(connection, day))
            # the same changes, rounded to the microgram per day or per month: a holder whose
            # month nets to nothing may have no cell at all
            for holder in daily.keys() | monthly.keys():
                difference = daily.get(holder, 0) - monthly.get(holder, 0)
                assert abs(difference) <= 1000, (day, holder, difference)
        held = dict(store.stocks(connection, "2025-12-31"))
    assert sum(1 for ug in held.values() if ug > 0) > 3  # holders with stock at the year's end

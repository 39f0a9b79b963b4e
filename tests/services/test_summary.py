"""The national summary the demo prints."""

from __future__ import annotations

from pathlib import Path

from rareledger.formats.jsonlines import iter_records
from rareledger.services import export_control
from rareledger.services.summary import national_summary
from rareledger.store.database import Database
from tests import factories as f

CHAIN = Path(__file__).resolve().parents[2] / "examples" / "chain.jsonl"


def test_production_against_quotas_trade_and_findings(database: Database) -> None:
    export_control.seed_regimes(database)
    with CHAIN.open("rb") as stream:
        f.Reporter(database).accept(*iter_records(stream))
    summary = national_summary(database)
    production = summary["production_reo_t"]
    # two concentrate lots, 20 t and 18 t at about 91.9 % and 91.4 % REO
    assert production["mining"] == "34.844" and production["mining_quota"] == "1200"
    assert 0 < float(production["separation"]) < float(production["mining"])
    assert set(summary["exports_element_kg_by_destination"]) == {"DE"}
    assert summary["exports_kg_by_element"] == {"Dy": "100.000", "Nd": "1450.000"}
    assert summary["findings_by_code"] == {}

"""The command line end to end: init, load, lot show, balance, findings, verify, rebuild."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from rareledger.cli import cli
from rareledger.store.database import latest_revision
from tests import factories as f

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", url, *args], catch_exceptions=False)


def _timely(record: Any) -> Any:
    """Events carry the recorded_at an operator's historical load may supply."""
    if isinstance(record, dict) and "event_id" in record:
        return {**record, "recorded_at": "2025-06-04T10:00:00+08:00"}
    return record


def write(path: Path, records: list[Any]) -> Path:
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(_timely(r))) + "\n" for r in records)
    )
    return path


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run(url, "init").exit_code == 0
    return url


def test_init_is_idempotent(url: str) -> None:
    result = run(url, "init")
    assert result.exit_code == 0 and latest_revision() in result.output


def test_commands_refuse_an_uninitialised_database(tmp_path: Path) -> None:
    result = run(f"sqlite:///{tmp_path / 'none.db'}", "findings")
    assert result.exit_code == 2 and "rareledger init" in result.output


def test_commands_refuse_projections_in_an_older_layout_until_init_rebuilds_them(
    url: str,
) -> None:
    import sqlalchemy

    assert run(url, "load", str(EXAMPLES / "chain.jsonl")).exit_code == 0
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as connection:  # as a database written by an older release would be
        connection.execute(sqlalchemy.text("UPDATE projection_meta SET version = version - 1"))
    engine.dispose()

    for command in ("rebuild", "findings"):
        refused = run(url, command)
        assert refused.exit_code == 2, refused.output
        assert "layout" in refused.output and "rareledger init" in refused.output

    assert run(url, "init").exit_code == 0
    assert run(url, "rebuild").exit_code == 0
    shown = run(url, "lot", "show", "LOT-JJ-2025-OX-TB-0001")
    assert shown.exit_code == 0 and "LOT-JJ-2025-OX-TB-0001" in shown.output


def test_database_url_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RARELEDGER_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    assert CliRunner().invoke(cli, ["init"]).exit_code == 0
    assert (tmp_path / "env.db").exists()


def test_load_receipts_as_json_lines_and_exit_status(url: str, tmp_path: Path) -> None:
    path = write(
        tmp_path / "in.jsonl",
        [
            *f.world(),
            f.extraction("LOT-A", "100", event_id="x1"),
            "{not json",
            f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "150")], event_id="s1"),
        ],
    )
    result = run(url, "load", "--json", str(path))
    assert result.exit_code == 1
    receipts = [json.loads(line) for line in result.output.splitlines()]
    assert [r["status"] for r in receipts][-3:] == ["accepted", "rejected", "accepted"]
    assert receipts[-2]["errors"][0]["code"] == "malformed_json"
    assert receipts[-1]["findings"][0]["code"] == "negative_balance"
    assert set(receipts[0]) == {"id", "status", "position", "hash", "findings", "errors"}
    again = run(url, "load", str(path))
    assert again.exit_code == 1
    assert "accepted 0, duplicate 11, rejected 1" in again.output


def test_load_reads_a_json_array(url: str, tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_text(json.dumps([*f.world(), f.extraction("LOT-A", "12.5")]))
    result = run(url, "load", str(path))
    assert result.exit_code == 0 and "accepted 10, duplicate 0, rejected 0" in result.output


def test_the_example_chain_through_every_view(url: str) -> None:
    result = run(url, "load", str(EXAMPLES / "chain.jsonl"))
    assert result.exit_code == 0, result.output
    assert "rejected 0" in result.output and "findings: none" in result.output
    balance = json.loads(run(url, "balance", "91330212MA2H7Q5C52", "--json").output)
    assert set(balance) == {"enterprise", "lots", "elements", "in_transit"}
    assert balance["elements"]["Nd"]["reo_kg"] > balance["elements"]["Nd"]["kg"]
    lot = json.loads(run(url, "lot", "show", "LOT-QL-2025-CC-0001", "--json").output)
    assert lot["form"] == "concentrate" and lot["accounts_kg"]["consumed"] == "20000.000"
    assert "holders" in run(url, "lot", "show", "LOT-QL-2025-CC-0001").output
    assert run(url, "verify").exit_code == 0
    assert run(url, "rebuild").exit_code == 0
    assert "ledger intact" in run(url, "verify").output


def test_balance_lists_what_is_in_transit(url: str, tmp_path: Path) -> None:
    run(
        url,
        "load",
        str(
            write(
                tmp_path / "a.jsonl",
                [
                    *f.world(),
                    f.extraction("LOT-A", "100", {"Nd": "0.5"}),
                    f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "40")], event_id="s1"),
                ],
            )
        ),
    )
    balance = json.loads(run(url, "balance", f.MINER, "--json").output)
    assert balance["lots"] == [{"lot_id": "LOT-A", "mass_kg": "60.000"}]
    assert balance["elements"]["Nd"] == {"kg": "30.000", "reo_kg": "34.991"}
    assert balance["in_transit"] == [
        {"shipment_event_id": "s1", "buyer": f.SEPARATOR, "lot_id": "LOT-A", "mass_kg": "40.000"}
    ]
    assert "shipped, not yet received" in run(url, "balance", f.MINER).output


def test_findings_filters(url: str, tmp_path: Path) -> None:
    run(
        url,
        "load",
        str(
            write(
                tmp_path / "a.jsonl",
                [
                    *f.world(),
                    f.extraction("LOT-A", "100"),
                    f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "150")], event_id="s1"),
                    f.receipt(f.SEPARATOR, "s1", [("LOT-A", "100")]),
                ],
            )
        ),
    )
    everything = json.loads(run(url, "findings", "--json").output)
    assert {x["code"] for x in everything} == {"negative_balance", "receipt_mismatch"}
    only = json.loads(run(url, "findings", "--code", "receipt_mismatch", "--json").output)
    assert [x["enterprise_id"] for x in only] == [f.SEPARATOR]
    by_firm = json.loads(run(url, "findings", "--enterprise", f.MINER, "--json").output)
    assert [x["code"] for x in by_firm] == ["negative_balance"]
    assert "negative_balance" in run(url, "findings").output


def test_unknown_lot_is_a_clear_error(url: str) -> None:
    result = run(url, "lot", "show", "LOT-NONE")
    assert result.exit_code == 2 and "no lot 'LOT-NONE'" in result.output


def test_verify_json_reports_a_break(url: str, tmp_path: Path) -> None:
    from sqlalchemy import text

    from rareledger.store.database import Database

    run(url, "load", str(write(tmp_path / "a.jsonl", f.world())))
    database = Database(url)
    with database.write() as connection:
        connection.execute(text("DROP TRIGGER ledger_entries_no_delete"))
        connection.execute(text("DELETE FROM ledger_entries WHERE position = 9"))
    database.dispose()
    result = run(url, "verify", "--json")
    assert result.exit_code == 1
    assert json.loads(result.output)["first_bad_position"] == 9
    assert "broken at position 9" in run(url, "verify").output

"""Lot passports: signed, verifiable offline and against the ledger, and discreet."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from rareledger.cli import cli
from rareledger.formats import passport_html
from rareledger.formats.jsonlines import iter_records
from rareledger.services import export_control, passports
from rareledger.store.database import Database
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "a long test passphrase"
MAGNETS = "LOT-HC-2025-MG-45SH-0001"


@pytest.fixture
def ledger(database: Database) -> Database:
    export_control.seed_regimes(database)
    with (ROOT / "examples" / "chain.jsonl").open("rb") as stream:
        f.Reporter(database).accept(*iter_records(stream))
    passports.create_key(database, PASSPHRASE)
    return database


def _keys(database: Database) -> dict[str, str]:
    return passports.public_key_map(passports.list_keys(database))


def test_a_passport_verifies_offline_and_against_the_ledger(ledger: Database) -> None:
    document = passports.issue(ledger, MAGNETS, passphrase=PASSPHRASE)
    body = document["passport"]
    assert body["export_control"]["codes"] == ["1C905"] and body["chain_intact"]
    assert body["origins"] == [{"country": "CN", "shares": {"Dy": "1.000000", "Nd": "1.000000"}}]
    assert len(body["evidence"]) == 5 and all(len(e["hash"]) == 64 for e in body["evidence"])
    assert passports.verify(document, _keys(ledger)).valid
    assert passports.verify(document, _keys(ledger), ledger).valid


def test_a_passport_tells_no_names_or_prices(ledger: Database) -> None:
    text_of = json.dumps(passports.issue(ledger, MAGNETS, passphrase=PASSPHRASE))
    for secret in (
        "91360727MA35K7R4XW",
        "91330212MA2H7Q5C52",
        "Nordhafen",
        "amount",
        "CNY",
        "FAC-QL-MINE-01",
    ):
        assert secret not in text_of
    disclosed = passports.issue(ledger, MAGNETS, passphrase=PASSPHRASE, disclose_mines=True)
    assert disclosed["passport"]["mines"][0]["mine"] == "FAC-QL-MINE-01"


def test_a_tampered_passport_fails(ledger: Database) -> None:
    document = passports.issue(ledger, MAGNETS, passphrase=PASSPHRASE)
    document["passport"]["origins"][0]["country"] = "AU"
    result = passports.verify(document, _keys(ledger))
    assert not result.valid and "signature" in result.reasons[0]


def test_a_tampered_ledger_entry_fails(ledger: Database) -> None:
    document = passports.issue(ledger, MAGNETS, passphrase=PASSPHRASE)
    position = document["passport"]["evidence"][0]["position"]
    with ledger.write() as connection:
        if ledger.dialect == "postgresql":
            connection.execute(text("ALTER TABLE ledger_entries DISABLE TRIGGER USER"))
        else:
            connection.execute(text("DROP TRIGGER ledger_entries_no_update"))
        connection.execute(
            text(f"UPDATE ledger_entries SET record = record || ' ' WHERE position = {position}")
        )
    result = passports.verify(document, _keys(ledger), ledger)
    assert not result.valid and f"ledger entry {position}" in result.reasons[0]


def test_rotation_keeps_old_passports_valid(ledger: Database) -> None:
    old = passports.issue(ledger, MAGNETS, passphrase=PASSPHRASE)
    new_key = passports.rotate_key(ledger, PASSPHRASE)
    new = passports.issue(ledger, MAGNETS, passphrase=PASSPHRASE)
    assert new["signature"]["key_id"] == new_key != old["signature"]["key_id"]
    assert passports.verify(old, _keys(ledger)).valid and passports.verify(new, _keys(ledger))
    assert [k["active"] for k in passports.list_keys(ledger)] == [False, True]


def test_keys_need_a_passphrase_and_the_right_one(ledger: Database) -> None:
    with pytest.raises(passports.SigningKeyError, match="RARELEDGER_KEY_PASSPHRASE"):
        passports.issue(ledger, MAGNETS, passphrase=None)
    with pytest.raises(passports.SigningKeyError, match="does not open"):
        passports.issue(ledger, MAGNETS, passphrase="a wrong but long passphrase")
    with ledger.read() as connection:
        stored = connection.execute(
            text("SELECT encrypted_private_key FROM signing_keys")
        ).scalar_one()
    assert "ENCRYPTED PRIVATE KEY" in stored


def test_html_view_with_a_qr_code(ledger: Database) -> None:
    document = passports.issue(
        ledger, MAGNETS, passphrase=PASSPHRASE, base_url="https://ledger.example"
    )
    page = passport_html.render(document)
    public_page = f"https://ledger.example/passports/{document['passport']['passport_id']}"
    assert "<svg" in page and public_page in page  # the QR code opens the public page
    assert MAGNETS in page and "1C905" in page


def test_command_line_issue_and_verify(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RARELEDGER_KEY_PASSPHRASE", PASSPHRASE)
    runner = CliRunner()

    def run(*args: str) -> object:
        return runner.invoke(cli, ["--db", sqlite_url, *args], catch_exceptions=False)

    run("init")
    run("load", str(ROOT / "examples" / "chain.jsonl"))
    assert run("keys", "create").exit_code == 0  # type: ignore[attr-defined]
    published = tmp_path / "keys.json"
    published.write_text(run("keys", "list", "--json").output)  # type: ignore[attr-defined]
    out = tmp_path / "passport.json"
    assert (
        run(
            "passport", "issue", MAGNETS, "--out", str(out), "--html", str(tmp_path / "p.html")
        ).exit_code
        == 0
    )  # type: ignore[attr-defined]
    ok = runner.invoke(cli, ["passport", "verify", str(out), "--keys", str(published)])
    assert ok.exit_code == 0 and ok.output.startswith("valid")
    with_ledger = runner.invoke(cli, ["passport", "verify", str(out), "--db", sqlite_url, "--json"])
    assert json.loads(with_ledger.output)["valid"] is True
    document = json.loads(out.read_text())
    document["passport"]["lot"]["mass_kg"] = "1.000"
    out.write_text(json.dumps(document))
    bad = runner.invoke(cli, ["passport", "verify", str(out), "--keys", str(published)])
    assert bad.exit_code == 1 and bad.output.startswith("NOT valid")
    assert runner.invoke(cli, ["passport", "verify", str(out)]).exit_code == 2

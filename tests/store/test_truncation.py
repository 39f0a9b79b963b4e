"""Truncation and rollback are detected (issue 12, item 7): signed checkpoints kept outside
the database, `verify --checkpoint` against them, `serve` taking them itself, and
`verify --projections` naming the first projection row that differs from the ledger."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from fastapi.testclient import TestClient
from sqlalchemy import text

from rareledger.cli import cli
from rareledger.config import Settings
from rareledger.services import checkpoints, passports, projection_check
from rareledger.services.passports import SigningKeyError
from rareledger.store.database import Database
from rareledger.web.app import create_app
from tests import factories as f
from tests.web.conftest import SECRET

PASSPHRASE = "a long test passphrase"


@pytest.fixture
def ledger(database: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("RARELEDGER_KEY_PASSPHRASE", PASSPHRASE)
    reporter = f.Reporter(database)
    reporter.accept(*f.world())  # positions 1-9
    reporter.accept(
        f.extraction("LOT-A", "100"),
        f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "60")], event_id="s1"),
        f.receipt(f.SEPARATOR, "s1", [("LOT-A", "60")], event_id="r1"),
    )  # 10-12
    passports.create_key(database, PASSPHRASE)
    return database


@pytest.fixture
def kept(tmp_path: Path) -> Path:
    """A directory for checkpoints (the SQLite ledger lives in tmp_path itself)."""
    directory = tmp_path / "checkpoints"
    directory.mkdir()
    return directory


def _run(database: Database, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", database.url, *args])


def _tamper(database: Database, *statements: str) -> None:
    """What an administrator of the database could do, the guarding triggers dropped first."""
    with database.write() as connection:
        if database.dialect == "postgresql":
            connection.execute(text("ALTER TABLE ledger_entries DISABLE TRIGGER USER"))
        else:
            connection.execute(text("DROP TRIGGER ledger_entries_no_update"))
            connection.execute(text("DROP TRIGGER ledger_entries_no_delete"))
        for statement in statements:
            connection.execute(text(statement))


def _truncate_to(database: Database, position: int) -> None:
    """Delete the newest entries and copy the earlier hash into the head."""
    _tamper(
        database,
        f"DELETE FROM ledger_entries WHERE position > {position}",
        "UPDATE ledger_head SET position = "
        f"{position}, hash = (SELECT hash FROM ledger_entries WHERE position = {position})",
    )


def test_a_checkpoint_is_written_and_the_ledger_extends_it(ledger: Database, kept: Path) -> None:
    written = _run(ledger, "checkpoint", "--out", str(kept))
    assert written.exit_code == 0, written.output
    [point] = list(kept.iterdir())
    assert point.name == "checkpoint-000000000012.json"
    body = json.loads(point.read_text())["checkpoint"]
    assert set(body) == {"version", "position", "head_hash", "taken_at", "key_id"}
    f.Reporter(ledger).accept(f.extraction("LOT-B", "5"))  # the ledger grows on
    checked = _run(ledger, "verify", "--checkpoint", str(point))
    assert checked.exit_code == 0, checked.output
    assert "the ledger extends the checkpoint at position 12" in checked.output
    keys = kept.parent / "keys.json"
    keys.write_text(_run(ledger, "keys", "list", "--json").output)
    with_keys = _run(ledger, "verify", "--checkpoint", str(kept), "--keys", str(keys))
    assert with_keys.exit_code == 0  # the newest checkpoint of the directory


def test_deleting_the_newest_entries_and_moving_the_head_back_is_caught(
    ledger: Database, kept: Path
) -> None:
    point = kept / "point.json"
    assert _run(ledger, "checkpoint", "--out", str(point)).exit_code == 0
    _truncate_to(ledger, 10)
    plain = _run(ledger, "verify")
    assert plain.exit_code == 0 and "ledger intact" in plain.output  # the chain alone is fine
    caught = _run(ledger, "verify", "--checkpoint", str(point), "--json")
    assert caught.exit_code == 1
    report = json.loads(caught.output)
    assert report["intact"] is True and report["checkpoint"]["extended"] is False
    assert report["checkpoint"]["reason"] == (
        "the ledger ends at position 10, before the checkpoint's position 12: entries were removed"
    )


def test_a_truncated_ledger_written_on_past_the_checkpoint_is_caught(
    ledger: Database, kept: Path
) -> None:
    point = kept / "point.json"
    assert _run(ledger, "checkpoint", "--out", str(point)).exit_code == 0
    _truncate_to(ledger, 10)
    f.Reporter(ledger).accept(*(f.extraction(f"LOT-N{n}", "1") for n in range(4)))  # to 14
    caught = _run(ledger, "verify", "--checkpoint", str(point))
    assert caught.exit_code == 1
    assert "the entry at position 12 is not the one the checkpoint saw" in caught.output


def test_emptying_the_ledger_is_caught(ledger: Database, kept: Path) -> None:
    point = kept / "point.json"
    assert _run(ledger, "checkpoint", "--out", str(point)).exit_code == 0
    _tamper(
        ledger,
        "DELETE FROM ledger_entries",
        f"UPDATE ledger_head SET position = 0, hash = '{'0' * 64}'",
    )
    assert _run(ledger, "verify").exit_code == 0  # an empty chain is a valid chain
    caught = _run(ledger, "verify", "--checkpoint", str(point))
    assert caught.exit_code == 1 and "the ledger ends at position 0" in caught.output


def test_an_altered_checkpoint_is_not_believed(ledger: Database, kept: Path) -> None:
    document = checkpoints.take(ledger, PASSPHRASE)
    document["checkpoint"]["position"] = 3
    point = checkpoints.write(document, kept / "point.json")
    caught = _run(ledger, "verify", "--checkpoint", str(point))
    assert caught.exit_code == 1 and "the checkpoint's signature fails" in caught.output
    junk = kept / "junk.json"
    junk.write_text("[1, 2]")
    assert (
        "the file is not a checkpoint" in _run(ledger, "verify", "--checkpoint", str(junk)).output
    )
    assert _run(ledger, "checkpoint").exit_code == 2  # nowhere to write it


def test_checkpoints_are_taken_every_n_entries(ledger: Database, kept: Path) -> None:
    assert checkpoints.take_if_due(ledger, kept, 3, PASSPHRASE) is not None  # the first
    assert checkpoints.take_if_due(ledger, kept, 3, PASSPHRASE) is None
    f.Reporter(ledger).accept(f.extraction("LOT-B", "5"), f.extraction("LOT-C", "5"))
    assert checkpoints.take_if_due(ledger, kept, 3, PASSPHRASE) is None  # 2 < 3
    f.Reporter(ledger).accept(f.extraction("LOT-D", "5"))
    taken = checkpoints.take_if_due(ledger, kept, 3, PASSPHRASE)
    assert taken is not None and taken.name == "checkpoint-000000000015.json"


def test_serve_takes_checkpoints_itself(ledger: Database, kept: Path) -> None:
    settings = Settings(
        database_url=ledger.url,
        secret_key=SECRET,
        key_passphrase=PASSPHRASE,
        checkpoint_dir=str(kept),
        checkpoint_every=2,
        checkpoint_interval_s=0.05,
    )
    with TestClient(create_app(settings, ledger)):
        deadline = time.monotonic() + 20
        while not list(kept.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.05)
        f.Reporter(ledger).accept(f.extraction("LOT-B", "5"), f.extraction("LOT-C", "5"))
        while len(list(kept.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert sorted(p.name for p in kept.iterdir()) == [
        "checkpoint-000000000012.json",
        "checkpoint-000000000014.json",
    ]
    without_key = replace(settings, key_passphrase="")
    with pytest.raises(SigningKeyError):
        create_app(without_key, ledger)


# ---------------------------------------------------------------- projections


def _balance(database: Database) -> int:
    with database.read() as connection:
        query = "SELECT mass_g FROM balances WHERE lot_id = 'LOT-A' AND holder = 'E-SEP'"
        return int(connection.execute(text(query)).scalar_one())


def test_verify_projections_names_an_edited_balance(ledger: Database) -> None:
    clean = _run(ledger, "verify", "--projections")
    assert clean.exit_code == 0 and "projections match the ledger" in clean.output
    with ledger.write() as connection:
        connection.execute(
            text("UPDATE balances SET mass_g = 999000 WHERE lot_id = 'LOT-A' AND holder = 'E-SEP'")
        )
    caught = _run(ledger, "verify", "--projections", "--json")
    assert caught.exit_code == 1
    found: dict[str, Any] = json.loads(caught.output)["projections"]
    assert found["match"] is False
    difference = found["first_difference"]
    assert difference["table"] == "balances"
    assert difference["key"] == {"lot_id": "LOT-A", "holder": "E-SEP"}
    assert (difference["stored"]["mass_g"], difference["rebuilt"]["mass_g"]) == (999000, 60000)
    text_answer = _run(ledger, "verify", "--projections").output
    assert "projection balances differs at lot_id='LOT-A', holder='E-SEP'" in text_answer
    assert _balance(ledger) == 999000  # the check repairs nothing: `rebuild` does


def test_a_missing_projection_row_is_named(ledger: Database) -> None:
    with ledger.write() as connection:
        connection.execute(text("DELETE FROM lot_movements WHERE event_id = 'r1'"))
    found = projection_check.check_projections(ledger)
    assert found.difference is not None and found.difference.table == "lot_movements"
    assert found.difference.stored is None and found.difference.rebuilt is not None
    assert found.entries == 12

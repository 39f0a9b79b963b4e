"""The ledger protects itself: triggers refuse changes, verify finds tampering, rebuild agrees."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from rareledger.domain.decode import decode_valid
from rareledger.services import epcis_index, epcis_reindex, integrity
from rareledger.store import queries
from rareledger.store.database import Database
from tests import factories as f


@pytest.fixture
def filled(database: Database) -> Database:
    r = f.Reporter(database)
    r.accept(*f.world())
    r.accept(
        f.extraction("LOT-A", "100"),
        f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "60")], event_id="s1"),
        f.receipt(f.SEPARATOR, "s1", [("LOT-A", "59")], event_id="r1"),
        f.adjustment(f.MINER, "LOT-A", "-1"),
    )
    return database


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entries SET submitted_by = 'mallory' WHERE position = 3",
        "DELETE FROM ledger_entries WHERE position = 3",
    ],
)
def test_database_refuses_to_change_entries(filled: Database, statement: str) -> None:
    with pytest.raises(DBAPIError, match="append-only"), filled.write() as connection:
        connection.execute(text(statement))
    assert integrity.verify(filled).intact


def _tamper(database: Database, *statements: str) -> None:
    """What an attacker with the database owner's rights could do: drop the guard first."""
    with database.write() as connection:
        if database.dialect == "postgresql":
            connection.execute(text("ALTER TABLE ledger_entries DISABLE TRIGGER USER"))
        else:
            connection.execute(text("DROP TRIGGER ledger_entries_no_update"))
            connection.execute(text("DROP TRIGGER ledger_entries_no_delete"))
        for statement in statements:
            connection.execute(text(statement))


LAST = 13  # 9 master records + 4 events


@pytest.mark.parametrize(
    ("statements", "bad_position"),
    [
        (
            [
                "UPDATE ledger_entries SET record = replace(record, '\"59\"', '\"60\"') "
                "WHERE position = 12"
            ],
            12,
        ),
        (["UPDATE ledger_entries SET submitted_by = 'mallory' WHERE position = 5"], 5),
        ([f"DELETE FROM ledger_entries WHERE position = {LAST}"], LAST),
        (["DELETE FROM ledger_entries WHERE position = 7"], 7),
        (
            [
                "UPDATE ledger_entries SET position = 100 WHERE position = 11",
                "UPDATE ledger_entries SET position = 11 WHERE position = 12",
                "UPDATE ledger_entries SET position = 12 WHERE position = 100",
            ],
            11,
        ),
    ],
    ids=["edited record", "edited column", "deleted newest", "deleted middle", "reordered"],
)
def test_verify_names_the_first_bad_position(
    filled: Database, statements: list[str], bad_position: int
) -> None:
    assert integrity.verify(filled).head_position == LAST
    _tamper(filled, *statements)
    result = integrity.verify(filled)
    assert not result.intact
    assert result.first_break is not None
    assert result.first_break.position == bad_position


def _dump(database: Database) -> dict[str, list[tuple[object, ...]]]:
    with database.read() as connection:
        return queries.dump(connection)


def test_rebuild_gives_exactly_the_incremental_state(filled: Database) -> None:
    r = f.Reporter(filled)
    r.accept(
        f.correction(
            f.SEPARATOR, "r1", f.receipt(f.SEPARATOR, "s1", [("LOT-A", "60")], event_id="r2")
        ),
        f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "90")]),
    )  # negative balance
    before = _dump(filled)
    assert before["findings"]
    assert integrity.rebuild(filled) == LAST + 2
    assert _dump(filled) == before


def test_a_rebuild_reads_and_replays_every_batch_with_the_cyclic_collector_paused(
    filled: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Switched on between batches (while the next was read), the collector's passes walked
    the engine's growing state again and again (15 % of a rebuild's time)."""
    monkeypatch.setattr(integrity, "REPLAY_BATCH", 2)  # seven batches
    collecting: list[bool] = []
    decode = decode_valid

    def decode_noting_the_collector(*args: Any) -> Any:
        collecting.append(gc.isenabled())
        return decode(*args)

    monkeypatch.setattr(integrity, "decode_valid", decode_noting_the_collector)
    assert integrity.rebuild(filled) == LAST == len(collecting)
    assert not any(collecting) and gc.isenabled()


def test_rebuild_after_projections_were_damaged(filled: Database) -> None:
    before = _dump(filled)
    with filled.write() as connection:
        connection.execute(text("UPDATE balances SET mass_g = 0"))
        connection.execute(text("DELETE FROM findings"))
    integrity.rebuild(filled)
    assert _dump(filled) == before


def test_verify_of_an_empty_ledger(database: Database) -> None:
    result = integrity.verify(database)
    assert result.intact and result.entries == 0 and result.head_position == 0


def test_migrations_create_the_ledger_tables_as_schema_py_defines_them(
    database: Database,
) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from rareledger.store import schema

    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), schema.metadata)
    # projections are created from schema.py directly; only the ledger tables are migrated
    migrated = (
        "ledger_entries",
        "ledger_head",
        "accounts",
        "api_keys",
        "signing_keys",
        "alerts",
        "alert_history",
        "detection_runs",
        "sign_in_failures",
    )
    relevant = [d for d in differences if any(name in repr(d) for name in migrated)]
    assert relevant == []


def test_the_newest_migration_is_alembics_head(database: Database) -> None:
    from alembic.script import ScriptDirectory

    from rareledger.store.database import latest_revision

    with database.engine.connect() as connection:
        config = database._alembic_config(connection)
        head = ScriptDirectory.from_config(config).get_current_head()
    assert latest_revision() == head == database.revision()


def test_sqlite_readers_map_the_file_and_bulk_writers_do_not(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'mapped.db'}"
    mapped, unmapped = Database(url), Database(url, map_file=False)
    try:
        mapped.initialise()
        with mapped.read() as reading:
            assert reading.execute(text("PRAGMA mmap_size")).scalar() > 2**30  # SQLite caps it
        with unmapped.write() as writing:
            assert writing.execute(text("PRAGMA mmap_size")).scalar() == 0
            assert writing.execute(text("PRAGMA cache_size")).scalar() == -262144
    finally:
        mapped.dispose()
        unmapped.dispose()


def test_scans_and_lean_writes_use_a_smaller_sqlite_cache_and_give_the_large_one_back(
    tmp_path: Path,
) -> None:
    database = Database(f"sqlite:///{tmp_path / 'scanned.db'}", map_file=False)
    try:
        database.initialise()
        with database.scan() as scanning:
            assert scanning.execute(text("PRAGMA cache_size")).scalar() == -8192
        with database.read() as reading:  # the pool hands back the same connection
            assert reading.execute(text("PRAGMA cache_size")).scalar() == -262144
        with database.write(lean=True) as writing:
            assert writing.execute(text("PRAGMA cache_size")).scalar() == -65536
        with database.write() as writing:
            assert writing.execute(text("PRAGMA cache_size")).scalar() == -262144
    finally:
        database.dispose()


@pytest.mark.parametrize("parallel", [True, False], ids=["worker", "in place"])
def test_rebuild_indexes_epcis_as_a_catch_up_does(filled: Database, parallel: bool) -> None:
    """Corrections (which repeat the corrected event as it stands) and a receipt of a shipment
    that a correction put in place need the rebuilt projections; the rest the worker indexes."""
    r = f.Reporter(filled)
    replacement = f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "30")], event_id="s2b")
    r.accept(
        f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "20")], event_id="s2"),
        f.correction(f.MINER, "s2", replacement),
    )
    r.accept(
        f.receipt(f.SEPARATOR, "s2b", [("LOT-A", "30")], event_id="r2"),
        f.correction(f.SEPARATOR, "r2", event_id="c-retract"),
    )
    assert epcis_index.catch_up(filled) == LAST + 4
    caught_up = _dump(filled)
    assert caught_up["epcis_events"] and caught_up["epcis_keys"]
    with filled.write() as connection:
        connection.execute(text("DELETE FROM epcis_keys"))
        connection.execute(text("DELETE FROM epcis_events"))
    assert integrity.rebuild(filled, index_epcis=True, parallel=parallel) == LAST + 4
    assert _dump(filled) == caught_up
    assert epcis_index.catch_up(filled) == 0  # the high-water mark moved with it


def test_a_failing_index_worker_fails_the_rebuild_and_changes_nothing(
    filled: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert epcis_index.catch_up(filled) == LAST
    before = _dump(filled)

    def broken(*_args: object) -> list[object]:
        raise ValueError("no index today")

    monkeypatch.setattr(epcis_reindex, "index_record", broken)  # the forked worker has it too
    with pytest.raises(RuntimeError, match="no index today"):
        integrity.rebuild(filled, index_epcis=True, parallel=True)
    assert _dump(filled) == before

"""Two processes loading into one database at once: no fork, no loss, no disagreement."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from rareledger.services import holdings, integrity
from rareledger.store import queries, schema
from rareledger.store.database import Database
from tests import factories as f

LOTS = [f"LOT-{i}" for i in range(10)]
PER_PROCESS = 150


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def _load(url: str, path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "RARELEDGER_DATABASE_URL": url}
    return subprocess.Popen(
        [sys.executable, "-m", "rareledger", "load", "--batch-size", "7", str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_two_loaders_at_once(database: Database, database_url: str, tmp_path: Path) -> None:
    reporter = f.Reporter(database)
    reporter.accept(*f.world(), *[f.extraction(lot, "1000") for lot in LOTS])
    shipments = [
        f.shipment(f.MINER, f.SEPARATOR, [(LOTS[i % 10], "1")], event_id=f"a-{i}")
        for i in range(PER_PROCESS)
    ]
    adjustments = [
        f.adjustment(f.MINER, LOTS[i % 10], "-0.5", event_id=f"b-{i}") for i in range(PER_PROCESS)
    ]
    first = _load(database_url, _write(tmp_path / "a.jsonl", shipments))
    second = _load(database_url, _write(tmp_path / "b.jsonl", adjustments))
    for process in (first, second):
        _out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err.decode()
    check = integrity.verify(database)
    assert check.intact and check.entries == len(f.world()) + len(LOTS) + 2 * PER_PROCESS
    with database.read() as connection:
        events = connection.execute(select(func.count()).select_from(schema.events)).scalar()
        before = queries.dump(connection)
    assert events == len(LOTS) + 2 * PER_PROCESS
    miner = {
        row["lot_id"]: row["mass_kg"]
        for row in holdings.enterprise_balance(database, f.MINER)["lots"]
    }
    assert miner == dict.fromkeys(LOTS, "977.500")  # 1000 - 15 x 1 - 15 x 0.5
    integrity.rebuild(database)
    with database.read() as connection:
        assert queries.dump(connection) == before

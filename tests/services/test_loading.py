"""A bulk load validated in a second process answers exactly as one validated in place."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import orjson

from rareledger.domain.actors import Actor
from rareledger.services import loading
from rareledger.services.reporting import Recorder
from rareledger.store.database import Database
from tests import factories as f


def _lines() -> bytes:
    records: list[Any] = [*f.world()]
    for n in range(40):
        lot = f"LOT-L{n}"
        records.append(f.extraction(lot, mass=f"{100 + n}.5", facility_id=f.MINE))
        records.append(f.shipment(f.MINER, f.TRADER, [(lot, "10")]))
        if n % 7 == 0:
            records.append(f.shipment(f.MINER, f.TRADER, [(lot, "-1")]))  # rejected
    stamped = [
        {**r, "recorded_at": "2025-06-04T10:00:00Z"} if "event_id" in r else r for r in records
    ]
    lines = [orjson.dumps(r) for r in stamped]
    lines.insert(5, b"{not json")
    lines.append(b"[" * 50_000)
    return b"\n".join(lines) + b"\n"


def _answers(
    template: Path, tmp_path: Path, name: str, data: bytes, parallel: bool
) -> list[dict[str, Any]]:
    path = tmp_path / f"{name}.db"
    path.write_bytes(template.read_bytes())
    database = Database(f"sqlite:///{path}")
    recorder = Recorder(database, Actor("cli:operator"), allow_recorded_at=True)
    stream = io.BufferedReader(io.BytesIO(data))
    answers = list(loading.load_stream(recorder, stream, 17, parallel=parallel))
    database.dispose()
    return [{**a.as_dict(), "hash": None} for a in answers]


def test_parallel_validation_answers_like_validation_in_place(
    sqlite_template: Path, tmp_path: Path
) -> None:
    data = _lines()
    in_place = _answers(sqlite_template, tmp_path, "serial", data, parallel=False)
    parallel = _answers(sqlite_template, tmp_path, "parallel", data, parallel=True)
    assert parallel == in_place
    statuses = [a["status"] for a in in_place]
    assert statuses.count("rejected") == 8  # 6 negative masses, a bad line, a deep one
    assert json.dumps(in_place).count("malformed_json") == 2

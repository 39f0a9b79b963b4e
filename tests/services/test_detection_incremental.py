"""Incremental detection over a year recorded month by month agrees with folding from the start.

The ledger is loaded in steps; after each, an incremental run (resuming from the fold rows the
previous run saved) must find exactly the alerts that folding every entry from the start finds
as of the same moment, and leave the same fold rows behind as a full run does.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import orjson
import pytest

from rareledger.domain.actors import Actor
from rareledger.domain.detection import Alert, Facts, run_rules
from rareledger.domain.detection.fold_rows import KINDS
from rareledger.formats.jsonlines import iter_records
from rareledger.services import detection, export_control
from rareledger.services.reporting import Recorder
from rareledger.simulation import simulate
from rareledger.store import detection_state
from rareledger.store.database import Database
from rareledger.store.log import read_head
from tests import factories as f

RATES = {"circular_trading": 0.05, "split_consignments": 0.2, "diverted_shipment": 0.005}
# (record files loaded before the run, the day judged): 00-master, then 2024-12 to 2026-02.
STEPS = ((slice(0, 4), date(2025, 2, 28)), (slice(4, 8), date(2025, 6, 30)),
         (slice(8, 12), date(2025, 10, 31)), (slice(12, None), date(2026, 2, 28)))  # fmt: skip


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("year")
    simulate(out, seed=11, scale=0.01, rates=RATES)
    return out


def _load(database: Database, year: Path, files: slice) -> None:
    recorder = Recorder(database, Actor("test"), allow_recorded_at=True)
    for path in sorted((year / "records").glob("*.jsonl"))[files]:
        with path.open("rb") as stream:
            receipts = recorder.submit(list(iter_records(stream)))
        assert not [r for r in receipts if r.status == "rejected"]


def _from_the_start(
    database: Database, as_of: datetime, rulebook: detection.Rulebook
) -> list[Alert]:
    """The alerts of every entry recorded by ``as_of`` folded in ledger order, no saved fold."""
    facts = Facts(as_of=as_of)
    with database.read() as connection:
        head = read_head(connection)[0]
        entries = detection_state.entries(connection, detection.FOLDED_TYPES, [], 0, head)
        for position, recorded_at, record, found in entries:
            if datetime.fromisoformat(recorded_at) <= as_of:
                facts.apply(orjson.loads(record), found, position)
    return run_rules(facts, rulebook.settings, rulebook.reference)


def _fold_rows(database: Database) -> set[tuple[str, str, int, str]]:
    """The saved fold's rows, each lot naming its composition rather than the number the
    composition was given when first seen (which depends on the order entries were folded)."""
    with database.read() as connection:
        rows = list(detection_state.fold_rows(connection, KINDS))
    compositions = {int(key): text for kind, key, _p, text in rows if kind == "compositions"}
    named = set()
    for kind, key, position, text in rows:
        if kind == "lots":  # the lots one entry made: [lot, form, composition number]...
            made = orjson.loads(text)
            text = ";".join(f"{lot}:{form}:{compositions[number]}" for lot, form, number in made)
        if kind != "compositions":
            named.add((kind, key, position, text))
    return named


def test_monthly_incremental_runs_agree_with_folding_from_the_start(
    database: Database, year: Path
) -> None:
    export_control.seed_regimes(database)
    rulebook = detection.Rulebook(reference=detection.load_reference(year / "partner_imports.csv"))
    runs = []
    for files, day in STEPS:
        _load(database, year, files)
        run = detection.detect(database, detection.end_of(day), rulebook=rulebook)
        assert run.alerts == _from_the_start(database, run.as_of, rulebook), day
        runs.append(run)
    assert not runs[0].incremental and all(r.incremental for r in runs[1:])
    assert {"circular_trading", "split_consignments", "under_invoicing"} <= {
        a.code for a in runs[-1].alerts
    }
    chained = _fold_rows(database)
    full = detection.detect(database, runs[-1].as_of, rulebook=rulebook, full=True)
    assert full.alerts == runs[-1].alerts and full.new_alerts == 0 and full.resolved == 0
    assert _fold_rows(database) == chained


def test_a_rebuild_forgets_the_fold_rows(sqlite_database: Database, year: Path) -> None:
    from rareledger.services import integrity

    _load(sqlite_database, year, slice(0, 3))
    detection.detect(sqlite_database, detection.end_of(date(2025, 2, 28)))
    assert _fold_rows(sqlite_database)
    integrity.rebuild(sqlite_database)
    assert not _fold_rows(sqlite_database)
    again = detection.detect(sqlite_database, detection.end_of(date(2025, 2, 28)))
    assert not again.incremental and _fold_rows(sqlite_database)


def test_corrections_take_their_events_rows_out_of_the_saved_fold(database: Database) -> None:
    reporter = f.Reporter(database)
    reporter.accept(*f.world())
    reporter.accept(
        f.extraction("LOT-A", "1000", event_id="x1"),
        f.shipment(f.MINER, f.SEPARATOR, [("LOT-A", "100")], event_id="s1"),
        f.receipt(f.SEPARATOR, "s1", [("LOT-A", "90")], event_id="r1"),
        f.processing(
            f.SEPARATOR,
            [("LOT-A", "90")],
            [("LOT-B", "concentrate", "90", dict(f.ORE))],
            event_id="p1",
            facility_id=f.PLANT,
        ),
    )
    as_of, rulebook = (
        detection.end_of(date(2025, 6, 30)),
        detection.Rulebook(reference=detection.load_reference()),
    )
    first = detection.detect(database, as_of, rulebook=rulebook)
    assert {"LOT-B"} <= {key for kind, key, _p, _t in _fold_rows(database) if kind == "relabelled"}
    reporter.accept(
        f.correction(
            f.SEPARATOR, "r1", f.receipt(f.SEPARATOR, "s1", [("LOT-A", "100")], event_id="r1b")
        ),
        f.correction(f.SEPARATOR, "p1"),
    )
    again = detection.detect(database, as_of, rulebook=rulebook)
    assert again.incremental and again.entries_read == 2
    assert again.alerts == _from_the_start(database, as_of, rulebook)
    rows = _fold_rows(database)
    assert not {key for kind, key, _p, _t in rows if kind == "relabelled"}
    assert {"p1", "r1"} <= {key for kind, key, _p, _t in rows if kind == "retracted"}
    assert "r1" not in {key for kind, key, _p, _t in rows if kind == "acquired"}
    mismatch = ("receipt_mismatch", ("r1",))  # the corrected receipt's finding goes with it
    assert mismatch in {(a.code, a.event_ids) for a in first.alerts}
    assert mismatch not in {(a.code, a.event_ids) for a in again.alerts}
    full = detection.detect(database, as_of, rulebook=rulebook, full=True)
    assert full.alerts == again.alerts and _fold_rows(database) == rows


def test_a_fold_saved_meanwhile_by_another_run_is_dropped_not_mixed(
    sqlite_database: Database, year: Path
) -> None:
    database, as_of = sqlite_database, detection.end_of(date(2026, 2, 28))
    _load(database, year, slice(0, 4))
    detection.detect(database, detection.end_of(date(2025, 2, 28)))
    _load(database, year, slice(4, None))
    other: list[int] = []

    def another_run_saves_meanwhile(done: int, _total: int) -> None:
        if not other:  # while this fold reads, another run folds the same entries and saves
            other.append(detection.fold(database, as_of)[1])

    _facts, read, incremental = detection.fold(
        database, as_of, progress=another_run_saves_meanwhile
    )
    assert incremental and other == [read]
    assert not _fold_rows(database)  # dropped: neither run's rows are left half-written
    again = detection.detect(database, as_of)
    assert not again.incremental and again.alerts == _from_the_start(
        database, as_of, detection.Rulebook(reference=detection.load_reference())
    )

"""Run the detection rules over the ledger as it stood at a moment, and keep the alerts.

Only what was recorded by ``as_of`` counts, corrections included, and elapsed time is measured
to then, so that a past period can be examined as it stood. The ledger is folded into
:class:`Facts`; the fold is saved as one row per fact with the position it reached, so the next
run (at the same moment or later) reads only the entries after it and rewrites only the rows they
touched: detection is incremental after the first run.
Alerts are deduplicated by a stable id; a rerun refreshes them and keeps their case work, and
resolves those it no longer finds (``services/detection_runs.py``, which records every run).
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path

import orjson

from rareledger.domain.detection import (
    Alert,
    Facts,
    PartnerImport,
    Reference,
    Rulebook,
)
from rareledger.domain.detection.fold_rows import KINDS as FOLD_KINDS
from rareledger.domain.detection.fold_rows import changed_rows, facts_from_rows
from rareledger.domain.findings import regulator_zone
from rareledger.errors import Invalid
from rareledger.services import collector, detection_runs, rule_workers
from rareledger.store import detection_state
from rareledger.store.database import Database
from rareledger.store.log import read_head

# 3: one row per fact; 4: receipts not in "acquired"; 5: receipts share their shipment's items;
# 6: lots saved in one row per entry that made them
FOLD_VERSION = 6
FOLDED_TYPES = (
    "quota",
    "correction",
    "extraction",
    "processing",
    "import",
    "shipment",
    "receipt",
    "export",
)
Progress = Callable[[int, int], None]


class ReferenceDataError(Invalid):
    """Reference data (prices, partner statistics) that cannot be read."""

    code: str = "invalid_reference_data"


@dataclass(frozen=True, slots=True)
class Run:
    alerts: list[Alert]
    as_of: datetime
    entries_read: int
    incremental: bool
    new_alerts: int
    run_id: int = 0
    resolved: int = 0
    reopened: int = 0


def end_of(day: date) -> datetime:
    """The end of a day in the regulator's time zone."""
    return datetime.combine(day + timedelta(days=1), clock_time(), regulator_zone())


EARLIEST_AS_OF, LATEST_AS_OF = date(1900, 1, 1), date(9998, 12, 31)


def moment_of(day: date | None, name: str = "as_of") -> datetime:
    """The moment a run judges the ledger at: the end of ``day`` (now when None). The day is
    refused (naming ``name``) outside the years the rules can count back and forth in."""
    if day is None:
        return datetime.now(UTC)
    if not EARLIEST_AS_OF <= day <= LATEST_AS_OF:
        raise Invalid(
            f"{name}: must be a day from {EARLIEST_AS_OF} to {LATEST_AS_OF}",
            code="day_out_of_range",
            details=[{"field": name, "code": "day_out_of_range", "value": day.isoformat()}],
        )
    return end_of(day)


# -- reference data --------------------------------------------------------------------------


def load_reference(partner_imports: Path | None = None) -> Reference:
    """The shipped benchmark prices, and partner import statistics when a file is given."""
    data = json.loads(
        resources.files("rareledger.data").joinpath("benchmark_prices.json").read_text()
    )
    prices = {
        (row["element"], row["form"]): Decimal(row["usd_per_kg_reo"]) for row in data["prices"]
    }
    rates = {unit: Decimal(rate) for unit, rate in data["usd_per_unit"].items()}
    partners = read_partner_imports(partner_imports) if partner_imports else ()
    return Reference(prices, rates, partners)


def read_partner_imports(path: Path) -> tuple[PartnerImport, ...]:
    """CSV with the columns country, period (YYYY or YYYY-MM), mass_kg and optional source."""
    rows = []
    with path.open(newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            try:
                country, period = row["country"].strip().upper(), row["period"].strip()
                mass = Decimal(row["mass_kg"])
            except (KeyError, AttributeError, InvalidOperation) as error:
                raise ReferenceDataError(
                    f"{path}:{line}: needs country, period and a decimal mass_kg ({error})"
                ) from None
            if len(country) != 2 or len(period) not in (4, 7) or mass < 0:
                raise ReferenceDataError(
                    f"{path}:{line}: country must be ISO alpha-2, period YYYY or YYYY-MM, "
                    f"mass_kg not negative; got {country!r}, {period!r}, {mass}"
                )
            rows.append(PartnerImport(country, period, mass, (row.get("source") or "").strip()))
    return tuple(rows)


# -- folding the ledger ----------------------------------------------------------------------


def fold(
    database: Database, as_of: datetime, *, full: bool = False, progress: Progress | None = None
) -> tuple[Facts, int, bool]:
    """The facts as of ``as_of``, resumed from the saved fold when it allows; saves what the
    new entries changed.

    Returns the facts, how many entries were read, and whether the run was incremental.
    """
    folded = _fold(database, as_of, full=full, progress=progress)
    folded.save()
    return folded.facts, folded.read, folded.incremental


@dataclass(frozen=True, slots=True)
class _Folded:
    facts: Facts
    read: int
    incremental: bool
    save: Callable[[], None]  # saves what the new entries changed (nothing when it need not)


def _fold(database: Database, as_of: datetime, *, full: bool, progress: Progress | None) -> _Folded:
    """The facts as of ``as_of`` (see :func:`fold`), not saved yet."""
    with collector.paused():  # millions of small objects, no cycles
        saved = None if full else _load_state(database, as_of)
        facts = saved.facts if saved else Facts(as_of=as_of)
        facts.as_of = as_of
        start, pending = (saved.position, saved.pending) if saved else (0, [])
        read = 0
        waiting: list[int] = []
        later = _recorded_after(as_of)
        with database.scan() as connection:
            head = read_head(connection)[0]
            entries = detection_state.entries(connection, FOLDED_TYPES, pending, start, head)
            for position, recorded_at, record, found in entries:
                read += 1
                if later(recorded_at):
                    waiting.append(position)
                else:
                    facts.apply(orjson.loads(record), found, position)
                if progress and read % 5000 == 0:
                    progress(read, head - start + len(pending))

    def save() -> None:
        if saved is None or read:  # nothing read: the saved fold still holds
            with collector.paused():
                _save_state(database, facts, head, waiting, resumed=saved)

    return _Folded(facts, read, saved is not None, save)


def _recorded_after(as_of: datetime) -> Callable[[str], bool]:
    """Whether an ISO time of recording is after ``as_of``. A time whose date (in its own
    offset) is two days or more before the moment's date in UTC is earlier whatever its offset,
    and needs no parsing: nearly every entry of a run over a long ledger."""
    surely_before = (as_of.astimezone(UTC).date() - timedelta(days=1)).isoformat()

    def after(recorded_at: str) -> bool:
        return recorded_at[:10] >= surely_before and datetime.fromisoformat(recorded_at) > as_of

    return after


@dataclass(frozen=True, slots=True)
class _Resumed:
    facts: Facts
    position: int
    pending: list[int]
    as_of: datetime  # the moment the saved fold judged


def _load_state(database: Database, as_of: datetime) -> _Resumed | None:
    with database.scan() as connection:
        saved = detection_state.load(connection)
        if saved is None or saved.version != FOLD_VERSION:
            return None
        if as_of < saved.as_of:
            return None  # an earlier moment than the saved fold: fold from the start
        facts = facts_from_rows(as_of, detection_state.fold_rows(connection, FOLD_KINDS))
    return _Resumed(facts, saved.state["position"], saved.state["pending"], saved.as_of)


def _save_state(
    database: Database, facts: Facts, position: int, pending: list[int], *, resumed: _Resumed | None
) -> None:
    """Write the rows the new entries touched (all of them after a fold from the start). If
    another run saved the fold since this one read it, the rows would mix two folds: the saved
    fold is dropped instead (the next run folds from the start)."""
    state = {"position": position, "pending": pending}
    with database.write(lean=True) as connection:
        where = (resumed.position, resumed.as_of) if resumed else None
        if where and detection_state.saved_where(connection) != where:
            detection_state.forget(connection)
        else:
            detection_state.write_fold_rows(connection, changed_rows(facts), fresh=not resumed)
            detection_state.save(
                connection, version=FOLD_VERSION, position=position, as_of=facts.as_of, state=state
            )
    facts.settle()


def forget_state(database: Database) -> None:
    """Drop the saved fold (after a rebuild, say): the next run reads the whole ledger."""
    with database.write() as connection:
        detection_state.forget(connection)


# -- running the rules -----------------------------------------------------------------------


def detect(  # noqa: PLR0913 (keyword options of one run)
    database: Database,
    as_of: datetime | None = None,
    *,
    only: str | None = None,
    rulebook: Rulebook | None = None,
    full: bool = False,
    progress: Progress | None = None,
    actor: str = "system",
    workers: int | None = None,
) -> Run:
    """Run the rules (or one) as of a moment (default: now), store what they find and resolve
    what they no longer find, and record the run. The rules run in ``workers`` processes
    (default: two where the machine allows), beside the saving of the fold."""
    started_at, started = datetime.now(UTC), time.perf_counter()
    as_of = as_of or started_at
    rulebook = rulebook or Rulebook(reference=load_reference())
    # Millions of small objects and no cycles: the collector stays paused until the facts are
    # gone (switched on between the fold and the rules, its first pass walked them all).
    with collector.paused():
        folded = _fold(database, as_of, full=full, progress=progress)
        alerts = rule_workers.run_rules_beside(
            folded.facts,
            rulebook.settings,
            rulebook.reference,
            only,
            meanwhile=folded.save,
            workers=rule_workers.default_workers() if workers is None else workers,
        )
        read, incremental = folded.read, folded.incremental
        del folded
    how = detection_runs.RunFacts(
        as_of, started_at, started, actor, only, rulebook, read, incremental
    )
    done = detection_runs.record(database, how, alerts)
    return Run(
        alerts, as_of, read, incremental, done.new_alerts, done.run_id, done.resolved, done.reopened
    )

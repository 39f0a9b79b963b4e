"""Recording a detection run with its alerts, and listing the runs.

A run is recorded with the moment it judged, the rules and parameters it used, how long it took
and what it found, in the same transaction as its alerts. Alerts follow their cause: an open or
under-review alert that a later run (judging as of its latest finding or after) no longer finds
is resolved, naming the run and why; a resolved alert that a run finds again reopens. Confirmed
and dismissed alerts keep the human decision. Each change goes to the alert's history.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from rareledger.domain.detection import RULES, Alert, DetectionSettings, Rulebook
from rareledger.errors import Invalid
from rareledger.store import alerts as stored_alerts
from rareledger.store import detection_runs as stored_runs
from rareledger.store.database import Database

MAX_LIMIT = 1000
MAX_RUN_ID = 2**31 - 1  # run ids are 32-bit integers
# Rules that judge nothing without reference data given to the run: their alerts are not
# resolved by a run that lacked it.
NEEDS_PARTNER_IMPORTS = ("mirror_gap",)


@dataclass(frozen=True, slots=True)
class Recorded:
    run_id: int
    new_alerts: int
    resolved: int
    reopened: int


@dataclass(frozen=True, slots=True)
class RunFacts:
    """How one run went, before it is recorded."""

    as_of: datetime
    started_at: datetime
    started: float  # time.perf_counter() at the start
    actor: str
    only: str | None
    rulebook: Rulebook
    entries_read: int
    incremental: bool


def record(database: Database, run: RunFacts, found: list[Alert]) -> Recorded:
    """Store a run and its alerts (new, refreshed, reopened, resolved) in one transaction."""
    rules = [run.only] if run.only else sorted(RULES)
    with database.write() as connection:
        run_id = stored_runs.start(
            connection,
            as_of=run.as_of.isoformat(),
            started_at=run.started_at.isoformat(),
            actor=run.actor,
            rules=rules,
            parameters=parameters(run.rulebook),
        )
        scope = stored_alerts.RunScope(
            run_id, run.as_of, _judged_codes(rules, run.rulebook), _reason(run_id, run.as_of)
        )
        saved = stored_alerts.save(connection, found, scope)
        stored_alerts.add_histories(connection, _history(scope, saved))
        counts = {
            "alerts": len(found),
            "new": saved.new,
            "resolved": len(saved.resolved),
            "reopened": len(saved.reopened),
            "by_code": dict(sorted(Counter(a.code for a in found).items())),
        }
        stored_runs.finish(
            connection,
            run_id,
            duration_ms=round((time.perf_counter() - run.started) * 1000),
            incremental=run.incremental,
            entries_read=run.entries_read,
            counts=counts,
        )
    return Recorded(run_id, saved.new, len(saved.resolved), len(saved.reopened))


def _judged_codes(rules: list[str], rulebook: Rulebook) -> frozenset[str]:
    """The alert codes a run judges: those its rules emit, less those of rules that had no
    reference data to judge with."""
    skipped = () if rulebook.reference.partner_imports else NEEDS_PARTNER_IMPORTS
    return frozenset(code for name in rules if name not in skipped for code in RULES[name].emits)


def _reason(run_id: int, as_of: datetime) -> str:
    return (
        f"run {run_id} as of {as_of.isoformat()} no longer finds it: its condition no longer holds"
    )


def _history(scope: stored_alerts.RunScope, saved: stored_alerts.Saved) -> list[dict[str, Any]]:
    at = datetime.now(UTC).isoformat()
    actor = f"detection run {scope.run_id}"
    moment = {"run_id": scope.run_id, "as_of": scope.as_of.isoformat()}
    details = (
        ("resolved", saved.resolved, {**moment, "reason": scope.reason}),
        ("reopened", saved.reopened, {**moment, "reason": "its condition holds again"}),
    )
    return [
        {"alert_id": alert_id, "at": at, "actor": actor, "action": action, "detail": detail}
        for action, chosen, detail in details
        for alert_id in chosen
    ]


def parameters(rulebook: Rulebook) -> dict[str, Any]:
    """The run's settings as plain JSON values, with a summary of its reference data."""
    settings: DetectionSettings = rulebook.settings
    values: dict[str, Any] = {}
    for item in fields(settings):
        value = getattr(settings, item.name)
        if isinstance(value, Mapping):
            values[item.name] = {k: str(v) for k, v in sorted(value.items())}
        else:
            values[item.name] = None if value is None else str(value)
    reference = rulebook.reference
    values["reference"] = {
        "benchmark_prices": len(reference.prices_usd_per_kg_reo),
        "partner_imports": len(reference.partner_imports),
    }
    return values


def list_runs(
    database: Database, *, limit: int = 50, before: int | None = None
) -> list[dict[str, Any]]:
    """The latest detection runs first; ``before`` a run id to page back from."""
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit: must be from 1 to {MAX_LIMIT}; got {limit}")
    if before is not None and not 1 <= before <= MAX_RUN_ID:
        raise Invalid(f"before: a run id must be from 1 to {MAX_RUN_ID}; got {before}")
    with database.read() as connection:
        return stored_runs.runs(connection, limit=limit, before=before)

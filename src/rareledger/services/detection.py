"""Run the detection rules over the ledger as it stood at a date, and keep the alerts.

Only what was recorded by the end of ``as_of`` (in the regulator's time zone) counts, corrections
included, and elapsed time is measured to then, so a past period can be examined as it stood.
Alerts are deduplicated by a stable id; a rerun refreshes them and keeps their case work.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from rareledger.domain.elements import ELEMENTS
from rareledger.domain.findings import regulator_zone
from rareledger.domain.rules import (
    Alert,
    DetectionSettings,
    Exported,
    Facts,
    Shipped,
    period_of,
    run_rules,
)
from rareledger.store import schema
from rareledger.store.database import Database
from rareledger.store.log import iter_entries

STATUSES = ("open", "under_review", "confirmed", "dismissed")
TRANSITIONS = {
    ("open", "under_review"),
    ("open", "dismissed"),
    ("open", "confirmed"),
    ("under_review", "confirmed"),
    ("under_review", "dismissed"),
}


class CaseError(ValueError):
    """An alert that does not exist, or a status change that is not allowed."""


def end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(), regulator_zone())


def _records_as_of(database: Database, as_of: datetime) -> Iterator[dict[str, Any]]:
    """Records recorded by ``as_of``, corrections applied (retracted events left out)."""
    kept: dict[str, dict[str, Any]] = {}
    masters: list[dict[str, Any]] = []
    with database.read() as connection:
        for entry, _hash in iter_entries(connection):
            if datetime.fromisoformat(entry.recorded_at) > as_of:
                continue
            record = json.loads(entry.record)
            if entry.kind == "master":
                masters.append(record)
            elif record["type"] == "correction":
                kept.pop(record["corrects"], None)
                if record.get("replacement"):
                    kept[record["replacement"]["event_id"]] = record["replacement"]
            else:
                kept[record["event_id"]] = record
    yield from masters
    yield from kept.values()


def _reo_t(outputs: list[dict[str, Any]]) -> Decimal:
    total = Decimal(0)
    for lot in outputs:
        oxide = sum(
            (Decimal(f) * ELEMENTS[e].reo_factor for e, f in lot["composition"].items()), Decimal(0)
        )
        total += oxide * Decimal(lot["mass_kg"]) / 1000
    return total


def load_facts(database: Database, as_of: datetime) -> Facts:
    facts = Facts(as_of=as_of)
    received: set[str] = set()
    shipments: list[dict[str, Any]] = []
    kept_events: set[str] = set()
    for record in _records_as_of(database, as_of):
        kind = record["type"]
        if kind == "quota":
            facts.quotas_t[(record["enterprise_id"], record["year"], record["kind"])] = Decimal(
                record["reo_t"]
            )
            continue
        if "event_id" not in record:
            continue
        kept_events.add(record["event_id"])
        _add_event(facts, record, received, shipments)
    for s in shipments:
        facts.shipments.append(
            Shipped(
                s["event_id"],
                s["reporter"],
                s["buyer"],
                datetime.fromisoformat(s["occurred_at"]),
                _grams(s["items"]),
                s["event_id"] in received,
                tuple(i["lot_id"] for i in s["items"]),
            )
        )
    _add_findings(database, facts, kept_events)
    unlicensed = {event for code, _f, event, _p in facts.findings if code == "unlicensed_export"}
    facts.exports = [replace(e, unlicensed=e.event_id in unlicensed) for e in facts.exports]
    return facts


def _add_event(
    facts: Facts, record: dict[str, Any], received: set[str], shipments: list[dict[str, Any]]
) -> None:
    kind, firm = record["type"], record["reporter"]
    occurred = datetime.fromisoformat(record["occurred_at"])
    if kind == "extraction":
        key = (firm, occurred.year)
        facts.mined_reo_t[key] = facts.mined_reo_t.get(key, Decimal(0)) + _reo_t(record["outputs"])
        facts.mining_events.setdefault(key, []).append(record["event_id"])
    if kind in ("extraction", "processing", "import"):
        facts.acquired_g[firm] = facts.acquired_g.get(firm, 0) + _grams(record["outputs"])
    elif kind == "receipt":
        received.add(record["shipment_event_id"])
        facts.acquired_g[firm] = facts.acquired_g.get(firm, 0) + _grams(record["items"])
    elif kind == "shipment":
        shipments.append(record)
    elif kind == "export":
        facts.exports.append(
            Exported(
                record["event_id"],
                firm,
                record["consignee"]["name"],
                record["destination_country"],
                occurred,
                _grams(record["items"]),
                record.get("licence_no"),
            )
        )


def _grams(items: list[dict[str, Any]]) -> int:
    return sum(int(Decimal(i["mass_kg"]) * 1000) for i in items)


def _add_findings(database: Database, facts: Facts, kept: set[str]) -> None:
    f, e = schema.findings, schema.ledger_entries
    query = select(
        f.c.code, f.c.enterprise_id, f.c.event_id, e.c.occurred_at, e.c.recorded_at
    ).join(e, e.c.position == f.c.position)
    with database.read() as connection:
        for code, firm, event_id, occurred, recorded in connection.execute(query):
            if event_id in kept and datetime.fromisoformat(recorded) <= facts.as_of:
                facts.findings.append((code, firm, event_id, (occurred or "")[:7]))


def detect(
    database: Database,
    as_of: datetime | None = None,
    *,
    only: str | None = None,
    settings: DetectionSettings | None = None,
) -> list[Alert]:
    """Run the rules as of a moment (default: now) and store what they find."""
    as_of = as_of or datetime.now(UTC)
    alerts = run_rules(load_facts(database, as_of), settings, only)
    _store(database, alerts, as_of)
    return alerts


def _store(database: Database, alerts: list[Alert], as_of: datetime) -> None:
    t = schema.alerts
    stamp = as_of.isoformat()
    with database.write() as connection:
        known = {r.alert_id for r in connection.execute(select(t.c.alert_id))}
        for alert in alerts:
            row = {
                "code": alert.code,
                "severity": alert.severity,
                "enterprise_ids": json.dumps(alert.enterprise_ids),
                "event_ids": json.dumps(alert.event_ids),
                "period": alert.period,
                "message": alert.message,
                "evidence": json.dumps(alert.evidence),
                "last_as_of": stamp,
            }
            if alert.alert_id in known:
                connection.execute(update(t).where(t.c.alert_id == alert.alert_id).values(**row))
            else:
                connection.execute(
                    t.insert().values(
                        alert_id=alert.alert_id,
                        status="open",
                        assignee=None,
                        first_as_of=stamp,
                        **row,
                    )
                )


def list_alerts(
    database: Database,
    *,
    code: str | None = None,
    status: str | None = None,
    enterprise_id: str | None = None,
) -> list[dict[str, Any]]:
    t = schema.alerts
    query = select(t).order_by(t.c.period, t.c.code, t.c.alert_id)
    if code:
        query = query.where(t.c.code == code)
    if status:
        query = query.where(t.c.status == status)
    with database.read() as connection:
        rows = [_alert_row(r) for r in connection.execute(query)]
    return [r for r in rows if enterprise_id is None or enterprise_id in r["enterprise_ids"]]


def _alert_row(row: Any) -> dict[str, Any]:
    values = dict(row._mapping)
    for name in ("enterprise_ids", "event_ids", "evidence"):
        values[name] = json.loads(values[name])
    return values


def show_alert(database: Database, alert_id: str) -> dict[str, Any]:
    t, h = schema.alerts, schema.alert_history
    with database.read() as connection:
        row = connection.execute(select(t).where(t.c.alert_id == alert_id)).first()
        if row is None:
            raise CaseError(f"no alert {alert_id!r}")
        history = [
            dict(r._mapping)
            for r in connection.execute(select(h).where(h.c.alert_id == alert_id).order_by(h.c.id))
        ]
    return {**_alert_row(row), "history": history}


def change(
    database: Database,
    alert_id: str,
    actor: str,
    *,
    status: str | None = None,
    assignee: str | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """Assign, annotate or move an alert along open -> under_review -> confirmed/dismissed."""
    current = show_alert(database, alert_id)
    values: dict[str, Any] = {}
    if status is not None and status != current["status"]:
        if (current["status"], status) not in TRANSITIONS:
            raise CaseError(f"alert {alert_id} is {current['status']}; it cannot become {status}")
        values["status"] = status
    if assignee is not None:
        values["assignee"] = assignee
    t, h = schema.alerts, schema.alert_history
    with database.write() as connection:
        if values:
            connection.execute(update(t).where(t.c.alert_id == alert_id).values(**values))
        connection.execute(
            h.insert().values(
                alert_id=alert_id,
                at=datetime.now(UTC).isoformat(),
                actor=actor,
                action="change",
                detail=json.dumps({**values, "note": note}),
            )
        )
    return show_alert(database, alert_id)


def settings_dict(settings: DetectionSettings) -> dict[str, str]:
    return {k: str(v) for k, v in asdict(settings).items()}


__all__ = [
    "STATUSES",
    "CaseError",
    "change",
    "detect",
    "end_of",
    "list_alerts",
    "period_of",
    "show_alert",
]

"""Case work on alerts: list, show, assign, annotate, move along their lifecycle; risk scores.

An alert is open, then under review, then confirmed or dismissed (it may also be confirmed or
dismissed straight from open). Every change, with its actor and note, goes to the alert's
history.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update

from rareledger.domain.detection import risk_scores
from rareledger.store import schema
from rareledger.store.database import Database

STATUSES = ("open", "under_review", "confirmed", "dismissed")
TRANSITIONS = {
    ("open", "under_review"),
    ("open", "dismissed"),
    ("open", "confirmed"),
    ("under_review", "confirmed"),
    ("under_review", "dismissed"),
}
CLOSED = ("confirmed", "dismissed")


class CaseError(ValueError):
    """An alert that does not exist, or a status change that is not allowed."""


class NoSuchAlert(CaseError):
    """No alert has that id."""


def list_alerts(
    database: Database,
    *,
    code: str | None = None,
    status: str | None = None,
    enterprise_id: str | None = None,
    severity: str | None = None,
) -> list[dict[str, Any]]:
    t = schema.alerts
    query = select(t).order_by(t.c.period, t.c.code, t.c.alert_id)
    for column, wanted in ((t.c.code, code), (t.c.status, status), (t.c.severity, severity)):
        if wanted:
            query = query.where(column == wanted)
    if enterprise_id:
        query = query.where(t.c.enterprise_ids.contains(json.dumps(enterprise_id)))
    with database.read() as connection:
        rows = [_alert_row(r) for r in connection.execute(query)]
    return [r for r in rows if enterprise_id is None or enterprise_id in r["enterprise_ids"]]


def _alert_row(row: Any) -> dict[str, Any]:
    values = dict(row._mapping)
    for name in ("enterprise_ids", "event_ids", "evidence"):
        values[name] = json.loads(values[name])
    return values


def show_alert(database: Database, alert_id: str) -> dict[str, Any]:
    """An alert with its evidence and its history of case work."""
    t, h = schema.alerts, schema.alert_history
    with database.read() as connection:
        row = connection.execute(select(t).where(t.c.alert_id == alert_id)).first()
        if row is None:
            raise NoSuchAlert(f"no alert {alert_id!r}")
        history = [
            {**dict(r._mapping), "detail": json.loads(r.detail)}
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
    if status is not None and status not in STATUSES:
        raise CaseError(f"status must be one of {', '.join(STATUSES)}; got {status!r}")
    t, h = schema.alerts, schema.alert_history
    with database.write() as connection:
        row = connection.execute(select(t.c.status).where(t.c.alert_id == alert_id)).first()
        if row is None:
            raise NoSuchAlert(f"no alert {alert_id!r}")
        values: dict[str, Any] = {}
        if status is not None and status != row.status:
            if (row.status, status) not in TRANSITIONS:
                raise CaseError(f"alert {alert_id} is {row.status}; it cannot become {status}")
            values["status"] = status
        if assignee is not None:
            values["assignee"] = assignee
        if values:
            connection.execute(update(t).where(t.c.alert_id == alert_id).values(**values))
        action = "status" if "status" in values else "assign" if assignee else "note"
        connection.execute(
            h.insert().values(
                alert_id=alert_id,
                at=datetime.now(UTC).isoformat(),
                actor=actor,
                action=action,
                detail=json.dumps({**values, "note": note}),
            )
        )
    return show_alert(database, alert_id)


def assign(
    database: Database, alert_id: str, actor: str, assignee: str, note: str | None = None
) -> dict[str, Any]:
    """Give an alert to someone; an open alert goes under review."""
    current = show_alert(database, alert_id)
    status = "under_review" if current["status"] == "open" else None
    return change(database, alert_id, actor, status=status, assignee=assignee, note=note)


def risk(database: Database, enterprise_id: str | None = None) -> list[dict[str, Any]]:
    """The risk score of every enterprise named by an alert (or of one), highest first."""
    rows = list_alerts(database, enterprise_id=enterprise_id)
    scores = [r.as_dict() for r in risk_scores(rows)]
    return [s for s in scores if enterprise_id is None or s["enterprise_id"] == enterprise_id]

"""Alerts and their case work as stored: the regulator's own records, not projections.

An alert's lists and evidence are stored as JSON text; these functions hand back plain
dictionaries with them decoded.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from rareledger.domain.detection import Alert
from rareledger.store import schema
from rareledger.store.database import insert_rows

_JSON_COLUMNS = ("enterprise_ids", "event_ids", "evidence")


def _alert(row: Any) -> dict[str, Any]:
    values = dict(row._mapping)
    for name in _JSON_COLUMNS:
        values[name] = json.loads(values[name])
    return values


def alerts(
    connection: Connection,
    *,
    code: str | None = None,
    status: str | None = None,
    severity: str | None = None,
    enterprise_id: str | None = None,
) -> list[dict[str, Any]]:
    """Alerts by period, code and id; each filter given narrows the list."""
    t = schema.alerts
    query = select(t).order_by(t.c.period, t.c.code, t.c.alert_id)
    for column, wanted in ((t.c.code, code), (t.c.status, status), (t.c.severity, severity)):
        if wanted:
            query = query.where(column == wanted)
    if enterprise_id:  # a text match first, then the exact one on the decoded list
        query = query.where(t.c.enterprise_ids.contains(json.dumps(enterprise_id)))
    rows = [_alert(r) for r in connection.execute(query)]
    return [r for r in rows if enterprise_id is None or enterprise_id in r["enterprise_ids"]]


def alert(connection: Connection, alert_id: str) -> dict[str, Any] | None:
    t = schema.alerts
    row = connection.execute(select(t).where(t.c.alert_id == alert_id)).first()
    return _alert(row) if row else None


def history(connection: Connection, alert_id: str) -> list[dict[str, Any]]:
    """The case work on one alert, oldest first."""
    h = schema.alert_history
    query = select(h).where(h.c.alert_id == alert_id).order_by(h.c.id)
    return [{**dict(r._mapping), "detail": json.loads(r.detail)} for r in connection.execute(query)]


def status(connection: Connection, alert_id: str) -> str | None:
    t = schema.alerts
    row = connection.execute(select(t.c.status).where(t.c.alert_id == alert_id)).first()
    return str(row.status) if row else None


def set_case(connection: Connection, alert_id: str, values: dict[str, Any]) -> None:
    """Change an alert's case columns (``status``, ``assignee``)."""
    t = schema.alerts
    connection.execute(update(t).where(t.c.alert_id == alert_id).values(**values))


def add_history(
    connection: Connection, alert_id: str, *, at: str, actor: str, action: str, detail: Any
) -> None:
    connection.execute(
        schema.alert_history.insert().values(
            alert_id=alert_id, at=at, actor=actor, action=action, detail=json.dumps(detail)
        )
    )


def save(connection: Connection, found: list[Alert], stamp: str) -> int:
    """Insert new alerts, refresh known ones (their case work stays); the number of new ones."""
    t = schema.alerts
    known = {r.alert_id for r in connection.execute(select(t.c.alert_id))}
    rows = [_row(item, stamp) for item in found]
    fresh = [r for r in rows if r["alert_id"] not in known]
    insert_rows(
        connection,
        t,
        [{**r, "status": "open", "assignee": None, "first_as_of": stamp} for r in fresh],
    )
    # Known alerts: their substance refreshed in one executemany; their case work is kept.
    again = [{f"new_{k}": v for k, v in r.items()} for r in rows if r["alert_id"] in known]
    if again:
        names = [k for k in rows[0] if k != "alert_id"]
        refresh = (
            update(t)
            .where(t.c.alert_id == bindparam("new_alert_id"))
            .values({name: bindparam(f"new_{name}") for name in names})
        )
        connection.execute(refresh, again)
    return len(fresh)


def _row(found: Alert, stamp: str) -> dict[str, Any]:
    return {
        "alert_id": found.alert_id,
        "code": found.code,
        "severity": found.severity,
        "enterprise_ids": json.dumps(found.enterprise_ids),
        "event_ids": json.dumps(found.event_ids),
        "period": found.period,
        "message": found.message,
        "evidence": json.dumps(found.evidence),
        "last_as_of": stamp,
    }

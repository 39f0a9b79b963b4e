"""Alerts and their case work as stored: the regulator's own records, not projections.

An alert's lists and evidence are stored as JSON text; these functions hand back plain
dictionaries with them decoded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, bindparam, func, select, update

from rareledger.domain.detection import Alert
from rareledger.store import schema
from rareledger.store.database import insert_rows

_JSON_COLUMNS = ("enterprise_ids", "event_ids", "evidence")
RESOLVED = "resolved"
FOLLOWED = ("open", "under_review")  # statuses that follow their cause; human decisions stay


def _alert(row: Any) -> dict[str, Any]:
    values = dict(row._mapping)
    for name in _JSON_COLUMNS:
        values[name] = json.loads(values[name])
    return values


@dataclass(frozen=True, slots=True)
class AlertQuery:
    """The alert queue's filters: each one given narrows it."""

    code: str | None = None
    status: str | None = None
    severity: str | None = None
    enterprise_id: str | None = None


@dataclass(frozen=True, slots=True)
class AlertPage:
    total: int  # alerts that match the filters
    codes: list[str]  # the codes among them
    items: list[dict[str, Any]]  # the page's alerts, decoded


def alerts(
    connection: Connection,
    *,
    code: str | None = None,
    status: str | None = None,
    severity: str | None = None,
    enterprise_id: str | None = None,
) -> list[dict[str, Any]]:
    """Alerts by period, code and id; each filter given narrows the list."""
    wanted = AlertQuery(code, status, severity, enterprise_id)
    query = _filtered(select(schema.alerts), wanted).order_by(*_QUEUE_ORDER)
    return [_alert(r) for r in connection.execute(query)]


def alert_page(connection: Connection, query: AlertQuery, offset: int, limit: int) -> AlertPage:
    """One page of :func:`alerts` (same filters, same order): only the page is read whole and
    decoded; the total and the codes are counted in the database."""
    t = schema.alerts
    total = connection.execute(_filtered(select(func.count()).select_from(t), query)).scalar()
    codes = connection.execute(_filtered(select(t.c.code).distinct(), query).order_by(t.c.code))
    page = _filtered(select(t), query).order_by(*_QUEUE_ORDER).offset(offset).limit(limit)
    items = [_alert(r) for r in connection.execute(page)]
    return AlertPage(int(total or 0), [str(c) for c in codes.scalars()], items)


_QUEUE_ORDER = (schema.alerts.c.period, schema.alerts.c.code, schema.alerts.c.alert_id)


def _filtered(statement: Select[Any], query: AlertQuery) -> Select[Any]:
    t = schema.alerts
    for column, wanted in (
        (t.c.code, query.code),
        (t.c.status, query.status),
        (t.c.severity, query.severity),
    ):
        if wanted:
            statement = statement.where(column == wanted)
    if query.enterprise_id:  # an exact match: the list holds each id quoted, the JSON escape of
        # any text holds no bare quote, and LIKE's wildcards (ids may hold "_") are escaped
        quoted = json.dumps(query.enterprise_id)
        statement = statement.where(t.c.enterprise_ids.contains(quoted, autoescape=True))
    return statement


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


@dataclass(frozen=True, slots=True)
class Saved:
    """What storing one run's alerts changed."""

    new: int
    reopened: list[str]
    resolved: list[str]


@dataclass(frozen=True, slots=True)
class RunScope:
    """One run: its id, the moment it judged, and the codes its rules can emit (alerts of other
    codes are not judged by it)."""

    run_id: int
    as_of: datetime
    codes: frozenset[str]
    reason: str  # why an alert it no longer finds is resolved


def save(connection: Connection, found: list[Alert], run: RunScope) -> Saved:
    """Insert new alerts and refresh known ones (their case work stays); a resolved alert found
    again reopens; an open or under-review alert of the run's codes that the run no longer finds
    (judged as of its latest finding or later) is resolved, with the run and the reason."""
    t = schema.alerts
    stamp = run.as_of.isoformat()
    known = _known(connection)
    rows = [{**_row(item, stamp), "last_run": run.run_id} for item in found]
    fresh = [r for r in rows if r["alert_id"] not in known]
    insert_rows(
        connection,
        t,
        [{**r, "status": "open", "assignee": None, "first_as_of": stamp} for r in fresh],
    )
    _refresh(connection, [r for r in rows if r["alert_id"] in known])
    reopened = [
        r["alert_id"]
        for r in rows
        if r["alert_id"] in known and known[r["alert_id"]].reopens(run.as_of)
    ]
    reopening = {"status": "open", "resolved_run": None, "resolved_reason": None}
    _set_status(connection, reopened, reopening)
    seen = {r["alert_id"] for r in rows}
    gone = [
        alert_id
        for alert_id, was in known.items()
        if alert_id not in seen and was.code in run.codes and was.resolves(run.as_of)
    ]
    resolution = {"status": RESOLVED, "resolved_run": run.run_id, "resolved_reason": run.reason}
    _set_status(connection, gone, resolution)
    return Saved(len(fresh), sorted(reopened), sorted(gone))


@dataclass(frozen=True, slots=True)
class _Known:
    """A stored alert's status and the moments it was last judged."""

    status: str
    code: str
    last_as_of: datetime  # the latest moment a run found it
    resolved_as_of: datetime | None  # the moment judged by the run that resolved it

    def resolves(self, as_of: datetime) -> bool:
        """Not found by a run judging this moment: is it resolved? (A run judging an earlier
        moment than the one it was last found at says nothing about it.)"""
        return self.status in FOLLOWED and self.last_as_of <= as_of

    def reopens(self, as_of: datetime) -> bool:
        return self.resolved_as_of is not None and self.resolved_as_of <= as_of


def _known(connection: Connection) -> dict[str, _Known]:
    t, r = schema.alerts, schema.detection_runs
    query = select(t.c.alert_id, t.c.status, t.c.code, t.c.last_as_of, r.c.as_of).outerjoin(
        r, r.c.run_id == t.c.resolved_run
    )
    return {
        alert_id: _Known(
            status,
            code,
            datetime.fromisoformat(last_as_of),
            datetime.fromisoformat(resolved_as_of)
            if status == RESOLVED and resolved_as_of
            else None,
        )
        for alert_id, status, code, last_as_of, resolved_as_of in connection.execute(query)
    }


def _refresh(connection: Connection, again: list[dict[str, Any]]) -> None:
    """Known alerts: their substance refreshed in one executemany; their case work is kept."""
    if not again:
        return
    t = schema.alerts
    names = [k for k in again[0] if k != "alert_id"]
    refresh = (
        update(t)
        .where(t.c.alert_id == bindparam("new_alert_id"))
        .values({name: bindparam(f"new_{name}") for name in names})
    )
    connection.execute(refresh, [{f"new_{k}": v for k, v in r.items()} for r in again])


def _set_status(connection: Connection, alert_ids: list[str], values: dict[str, Any]) -> None:
    t = schema.alerts
    for i in range(0, len(alert_ids), 500):
        chosen = alert_ids[i : i + 500]
        connection.execute(update(t).where(t.c.alert_id.in_(chosen)).values(**values))


def add_histories(connection: Connection, entries: list[dict[str, Any]]) -> None:
    """Many history entries at once (alert_id, at, actor, action, detail)."""
    rows = [{**e, "detail": json.dumps(e["detail"])} for e in entries]
    insert_rows(connection, schema.alert_history, rows)


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

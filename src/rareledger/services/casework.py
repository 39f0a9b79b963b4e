"""Case work on alerts: list, show, assign, annotate, move along their lifecycle; risk scores.

An alert is open, then under review, then confirmed or dismissed (it may also be confirmed or
dismissed straight from open). A detection run resolves an open or under-review alert whose
condition no longer holds, and reopens it if the condition holds again
(``services/detection_runs.py``); a person may still take up or decide a resolved alert. Every
change, with its actor and note, goes to the alert's history.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rareledger.domain.detection import risk_scores
from rareledger.errors import Conflict, Invalid, NotFound
from rareledger.store import alerts as stored
from rareledger.store.database import Database

STATUSES = ("open", "under_review", "confirmed", "dismissed", "resolved")
TRANSITIONS = {
    ("open", "under_review"),
    ("open", "dismissed"),
    ("open", "confirmed"),
    ("under_review", "confirmed"),
    ("under_review", "dismissed"),
    # Resolved by a run (its cause gone): a person may still take it up or decide it.
    ("resolved", "under_review"),
    ("resolved", "confirmed"),
    ("resolved", "dismissed"),
}
CLOSED = ("confirmed", "dismissed")


class NoSuchAlert(NotFound):
    """No alert has that id."""


class CaseError(Conflict):
    """A status change that the alert's lifecycle does not allow."""


def list_alerts(
    database: Database,
    *,
    code: str | None = None,
    status: str | None = None,
    enterprise_id: str | None = None,
    severity: str | None = None,
) -> list[dict[str, Any]]:
    with database.read() as connection:
        return stored.alerts(
            connection, code=code, status=status, severity=severity, enterprise_id=enterprise_id
        )


AlertQuery = stored.AlertQuery


def alert_page(database: Database, query: AlertQuery, offset: int, limit: int) -> stored.AlertPage:
    """``limit`` alerts of :func:`list_alerts` after the first ``offset``, with the total and
    the codes the whole list holds."""
    with database.read() as connection:
        return stored.alert_page(connection, query, offset, limit)


def show_alert(database: Database, alert_id: str) -> dict[str, Any]:
    """An alert with its evidence and its history of case work."""
    with database.read() as connection:
        found = stored.alert(connection, alert_id)
        if found is None:
            raise NoSuchAlert(f"no alert {alert_id!r}")
        return {**found, "history": stored.history(connection, alert_id)}


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
        raise Invalid(f"status: must be one of {', '.join(STATUSES)}; got {status!r}")
    with database.write() as connection:
        current = stored.status(connection, alert_id)
        if current is None:
            raise NoSuchAlert(f"no alert {alert_id!r}")
        values: dict[str, Any] = {}
        if status is not None and status != current:
            if (current, status) not in TRANSITIONS:
                raise CaseError(f"alert {alert_id} is {current}; it cannot become {status}")
            values["status"] = status
        if assignee is not None:
            values["assignee"] = assignee
        if values:
            stored.set_case(connection, alert_id, values)
        action = "status" if "status" in values else "assign" if assignee else "note"
        stored.add_history(
            connection,
            alert_id,
            at=datetime.now(UTC).isoformat(),
            actor=actor,
            action=action,
            detail={**values, "note": note},
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

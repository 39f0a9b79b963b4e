"""Licence applications and licences as people see them: the regulator's queue with its
working-day clocks, an exporter's own applications, and look-ups by number or exporter."""

from __future__ import annotations

from datetime import date
from typing import Any

from rareledger.domain.access import CUSTOMS, ENTERPRISE, Principal
from rareledger.domain.licences import REVIEW_LIMIT_WORKING_DAYS
from rareledger.errors import NotFound
from rareledger.services import export_control
from rareledger.store import queries
from rareledger.store.database import Database

PENDING = ("submitted", "info_requested")


def _own(principal: Principal) -> str | None:
    return principal.enterprise_id if principal.role == ENTERPRISE else None


def applications(
    database: Database,
    principal: Principal,
    *,
    status: str | None = None,
    overdue_only: bool = False,
    today: date | None = None,
    application_id: str | None = None,
) -> list[dict[str, Any]]:
    """Applications with the working days used and left of the 45-day limit; pending and
    overdue first."""
    rows = export_control.applications(
        database,
        applicant=_own(principal),
        overdue_only=overdue_only,
        today=today,
        application_id=application_id,
    )
    for row in rows:
        pending = row["status"] == "submitted"
        row["days_left"] = (
            REVIEW_LIMIT_WORKING_DAYS - row["review_working_days"] if pending else None
        )
    if status:
        rows = [r for r in rows if r["status"] == status]
    return sorted(
        rows,
        key=lambda r: (r["status"] not in PENDING, not r["overdue"], r["submitted_at"]),
    )


def application(
    database: Database, principal: Principal, application_id: str, today: date | None = None
) -> dict[str, Any]:
    """One application with its record, status and clock (an exporter sees only its own)."""
    found = applications(database, principal, today=today, application_id=application_id)
    if not found:
        raise NotFound(f"no licence application {application_id!r}")
    with database.read() as connection:
        state = queries.registry_entry(connection, "application", application_id)
    return {**found[0], "record": state.record if state is not None else None}


def licences(
    database: Database,
    principal: Principal,
    *,
    number: str | None = None,
    exporter: str | None = None,
    on: date | None = None,
) -> list[dict[str, Any]]:
    """Licences with what is used and left, found by number (exactly or in part) or exporter."""
    rows = export_control.licences(database, exporter=_own(principal), on=on)
    if number:
        wanted = number.strip().lower()
        rows = [r for r in rows if wanted in r["licence_no"].lower()]
    if exporter:
        rows = [r for r in rows if r["exporter"] == exporter.strip()]
    if principal.role == CUSTOMS and not (number or exporter):
        return [r for r in rows if r["status"] == "valid"]
    return rows

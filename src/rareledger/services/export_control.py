"""Export-control use cases: seed and list regimes, classify, customs checks, licences, figures."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib import resources
from statistics import median, quantiles
from typing import Any

from rareledger.domain.actors import Actor
from rareledger.domain.calendar import WorkCalendar, calendar_from
from rareledger.domain.control import Classification, classify, regime_from_record
from rareledger.domain.licences import REVIEW_LIMIT_WORKING_DAYS
from rareledger.domain.quantities import format_kg
from rareledger.services.reporting import Acknowledgement, Recorder
from rareledger.store import queries
from rareledger.store.database import Database

PACKAGE_ACTOR = Actor("system:package-data")
QUANTITY_COLUMNS = ("element", "destination_country", "licence_kg", "exported_kg")


def shipped_regimes() -> list[dict[str, Any]]:
    """The control regimes shipped with the package (``data/control_regimes.json``)."""
    text = resources.files("rareledger.data").joinpath("control_regimes.json").read_text()
    records: list[dict[str, Any]] = json.loads(text)
    return records


def work_calendar() -> WorkCalendar:
    """Mainland China's working days, from ``data/holidays.json``."""
    text = resources.files("rareledger.data").joinpath("holidays.json").read_text()
    years = json.loads(text)["years"].values()
    return calendar_from(
        [d for y in years for d in y["holidays"]], [d for y in years for d in y["workdays"]]
    )


def seed_regimes(database: Database) -> list[Acknowledgement]:
    """Record each shipped regime the ledger does not hold yet (never overriding one)."""
    with database.read() as connection:
        known = set(queries.registry_keys(connection, "regime"))
    missing = [r for r in shipped_regimes() if r["id"] not in known]
    receipts = Recorder(database, PACKAGE_ACTOR).submit(missing) if missing else []
    refused = [r.as_dict() for r in receipts if r.status == "rejected"]
    if refused:
        raise ValueError(f"the shipped control regimes do not load: {refused}")
    return receipts


def regimes(database: Database) -> list[dict[str, Any]]:
    with database.read() as connection:
        states = queries.registry_items(connection, "regime")
    return [{**state.record, "version": f"ledger:{state.position}"} for state in states]


def classify_item(
    database: Database, form: str, composition: Mapping[str, Decimal], on: date
) -> Classification:
    found = [regime_from_record(r, r["version"]) for r in regimes(database)]
    return classify(form, composition, on, found)


def customs_check(
    database: Database, actor: Actor, proposed: dict[str, Any], clock: Any = None
) -> tuple[Acknowledgement, dict[str, Any] | None]:
    """Record a customs check of one proposed export; the answer and the decision document
    (None when the check itself is rejected), the same for the API and the command line."""
    record = {k: v for k, v in proposed.items() if k not in ("type", "recorded_at")}
    record["type"] = "customs_check"
    record.setdefault("event_id", f"check:{record.get('customs_declaration_no', '')}")
    recorder = Recorder(database, actor, clock=clock or (lambda: datetime.now(UTC)))
    receipt = recorder.submit([record])[0]
    if receipt.status == "duplicate":  # the same check sent again: the same decision
        with database.read() as connection:
            stored = queries.registry_entry(
                connection, "check", str(record.get("customs_declaration_no"))
            )
        receipt.outcome = stored
    if receipt.outcome is None:
        return receipt, None
    document = {"check_id": receipt.id, "position": receipt.position}
    fields = ("decision", "licence_no", "remaining_kg", "reasons", "classification")
    document.update({k: receipt.outcome[k] for k in fields if k in receipt.outcome})
    return receipt, document


def _review_days(calendar: WorkCalendar, application: Any, today: date) -> int:
    start = datetime.fromisoformat(application.first_submitted_at.replace("Z", "+00:00"))
    end = (
        datetime.fromisoformat(application.decided_at.replace("Z", "+00:00")).date()
        if application.decided_at and application.status != "submitted"
        else today
    )
    return calendar.working_days_between(start.date(), end)


def applications(
    database: Database,
    *,
    applicant: str | None = None,
    overdue_only: bool = False,
    today: date | None = None,
) -> list[dict[str, Any]]:
    """Applications with their status and review time in working days (45 is the limit)."""
    today = today or datetime.now(UTC).date()
    calendar = work_calendar()
    with database.read() as connection:
        states = queries.registry_items(connection, "application")
    rows = []
    for a in states:
        if applicant and a.applicant != applicant:
            continue
        days = _review_days(calendar, a, today)
        pending = a.status == "submitted"
        overdue = pending and days > REVIEW_LIMIT_WORKING_DAYS
        if overdue_only and not overdue:
            continue
        rows.append(
            {
                "application_id": a.application_id,
                "applicant": a.applicant,
                "licence_type": a.licence_type,
                "status": a.status,
                "submitted_at": a.submitted_at,
                "decided_at": a.decided_at,
                "licence_no": a.licence_no,
                "review_working_days": days,
                "overdue": overdue,
            }
        )
    return rows


def licences(
    database: Database, *, exporter: str | None = None, on: date | None = None
) -> list[dict[str, Any]]:
    on = on or datetime.now(UTC).date()
    with database.read() as connection:
        states = queries.registry_items(connection, "licence")
    return [
        {
            "licence_no": lic.licence_no,
            "application_id": lic.application_id,
            "exporter": lic.exporter,
            "licence_type": lic.licence_type,
            "valid_from": lic.valid_from.isoformat(),
            "valid_to": lic.valid_to.isoformat(),
            "destination_country": lic.destination_country,
            "end_user": lic.end_user,
            "elements": sorted(lic.elements),
            "quantity_kg": format_kg(lic.quantity_g),
            "used_kg": format_kg(lic.used_g),
            "remaining_kg": format_kg(max(lic.remaining_g, 0)),
            "status": lic.status_on(on),
        }
        for lic in states
        if exporter is None or lic.exporter == exporter
    ]


def figures(database: Database, today: date | None = None) -> dict[str, Any]:
    """Applications and decisions by month, review times, quantities under licence and exported."""
    apps = applications(database, today=today)
    by_month: dict[str, dict[str, int]] = {}
    for a in apps:
        month = a["submitted_at"][:7]
        row = by_month.setdefault(month, {"applications": 0, "approved": 0, "denied": 0})
        row["applications"] += 1
        if a["status"] in ("approved", "denied"):
            row[a["status"]] += 1
    decided = [a["review_working_days"] for a in apps if a["status"] in ("approved", "denied")]
    review = {
        "decided": len(decided),
        "median_working_days": median(decided) if decided else None,
        "p90_working_days": (
            quantiles(decided, n=10)[-1] if len(decided) > 1 else (decided[0] if decided else None)
        ),
        "overdue": sum(1 for a in apps if a["overdue"]),
    }
    with database.read() as connection:
        exported = queries.exported_by_element_and_destination(connection)
    granted: dict[tuple[str, str], int] = {}
    for lic in licences(database):
        for element in lic["elements"]:
            key = (element, lic["destination_country"])
            granted[key] = granted.get(key, 0) + int(Decimal(lic["quantity_kg"]) * 1000)
    keys = sorted(set(granted) | set(exported))
    quantities = [
        {
            "element": e,
            "destination_country": c,
            "licence_kg": format_kg(granted.get((e, c), 0)),
            "exported_kg": str(exported.get((e, c), Decimal(0)).quantize(Decimal("0.001"))),
        }
        for e, c in keys
    ]
    return {
        "by_month": [{"month": m, **v} for m, v in sorted(by_month.items())],
        "review": review,
        "quantities": quantities,
    }

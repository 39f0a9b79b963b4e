"""Export-control use cases: seed and list regimes, classify, customs checks, licences, figures."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from statistics import median, quantiles
from typing import Any

from rareledger.domain.actors import Actor
from rareledger.domain.calendar import WorkCalendar, calendar_from
from rareledger.domain.control import Classification, classify, regime_from_record
from rareledger.domain.licences import REVIEW_LIMIT_WORKING_DAYS
from rareledger.domain.quantities import format_kg
from rareledger.services.reporting import Acknowledgement, Recorder
from rareledger.store import export_figures, queries
from rareledger.store.database import Database

PACKAGE_ACTOR = Actor("system:package-data")
QUANTITY_COLUMNS = (
    "basis",
    "licence_no",
    "elements",
    "destination_country",
    "licensed_kg",
    "exported_kg",
    "exported_under_licence_kg",
)
KG = Decimal("0.001")


def shipped_regimes() -> list[dict[str, Any]]:
    """The control regimes shipped with the package (``data/control_regimes.json``)."""
    text = resources.files("rareledger.data").joinpath("control_regimes.json").read_text()
    records: list[dict[str, Any]] = json.loads(text)
    return records


@lru_cache(maxsize=1)
def work_calendar() -> WorkCalendar:
    """Mainland China's working days, from ``data/holidays.json`` (read once)."""
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


def _review_days(calendar: WorkCalendar, application: dict[str, Any], today: date) -> int:
    start = datetime.fromisoformat(application["first_submitted_at"].replace("Z", "+00:00"))
    decided_at = application["decided_at"]
    end = (
        datetime.fromisoformat(decided_at.replace("Z", "+00:00")).date()
        if decided_at and application["status"] != "submitted"
        else today
    )
    return calendar.working_days_between(start.date(), end)


def applications(
    database: Database,
    *,
    applicant: str | None = None,
    overdue_only: bool = False,
    today: date | None = None,
    application_id: str | None = None,
) -> list[dict[str, Any]]:
    """Applications with their status and review time in working days (45 is the limit);
    only the one named when ``application_id`` is given."""
    today = today or datetime.now(UTC).date()
    calendar = work_calendar()
    with database.read() as connection:
        states = queries.registry_summaries(connection, "application", application_id)
    rows = []
    for a in states:
        if applicant and a["applicant"] != applicant:
            continue
        row = _application_row(a, _review_days(calendar, a, today))
        if overdue_only and not row["overdue"]:
            continue
        rows.append(row)
    return rows


def _application_row(a: dict[str, Any], days: int) -> dict[str, Any]:
    keys = ("application_id", "applicant", "licence_type", "status", "submitted_at")
    return {
        **{k: a[k] for k in keys},
        "decided_at": a["decided_at"],
        "licence_no": a["licence_no"],
        "review_working_days": days,
        "overdue": a["status"] == "submitted" and days > REVIEW_LIMIT_WORKING_DAYS,
    }


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
    """Applications and decisions by month, review times, and quantities compared like with
    like: each licence's goods mass against the goods exported under it (``basis``
    ``goods_mass``), and each element's exported mass against the part of it exported under a
    licence covering that element (``element_mass``)."""
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
        items = export_figures.exported_items(connection)
    granted = licences(database)
    return {
        "by_month": [{"month": m, **v} for m, v in sorted(by_month.items())],
        "review": review,
        "quantities": [*_goods_mass_rows(granted, items), *_element_mass_rows(granted, items)],
    }


def _goods_mass_rows(
    granted: list[dict[str, Any]], items: list[export_figures.ExportedItem]
) -> list[dict[str, Any]]:
    """Each licence's goods mass against the goods mass of the exports declared under it."""
    exported: dict[str, Decimal] = {}
    for item in items:
        if item.licence_no is not None:
            exported[item.licence_no] = exported.get(item.licence_no, Decimal(0)) + item.mass_kg
    return [
        {
            "basis": "goods_mass",
            "licence_no": lic["licence_no"],
            "elements": " ".join(lic["elements"]),
            "destination_country": lic["destination_country"],
            "licensed_kg": lic["quantity_kg"],
            "exported_kg": str(exported.get(lic["licence_no"], Decimal(0)).quantize(KG)),
            "exported_under_licence_kg": None,
        }
        for lic in sorted(granted, key=lambda lic: lic["licence_no"])
    ]


def _element_mass_rows(
    granted: list[dict[str, Any]], items: list[export_figures.ExportedItem]
) -> list[dict[str, Any]]:
    """The mass of each element exported to each country, and how much of it left under a
    licence that covers that element (licences state goods, not element, masses)."""
    covers = {lic["licence_no"]: set(lic["elements"]) for lic in granted}
    exported: dict[tuple[str, str], Decimal] = {}
    licensed: dict[tuple[str, str], Decimal] = {}
    for item in items:
        for symbol, fraction in item.composition.items():
            key = (symbol, item.destination_country)
            mass = fraction * item.mass_kg
            exported[key] = exported.get(key, Decimal(0)) + mass
            if symbol in covers.get(item.licence_no or "", ()):
                licensed[key] = licensed.get(key, Decimal(0)) + mass
    return [
        {
            "basis": "element_mass",
            "licence_no": None,
            "elements": symbol,
            "destination_country": country,
            "licensed_kg": None,
            "exported_kg": str(exported[(symbol, country)].quantize(KG)),
            "exported_under_licence_kg": str(
                licensed.get((symbol, country), Decimal(0)).quantize(KG)
            ),
        }
        for symbol, country in sorted(exported)
    ]

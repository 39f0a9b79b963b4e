"""Readers of the export-control records: regimes, licence applications and decisions, and
watch-list entries (all written as master data, recorded in the ledger like everything else).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from rareledger.domain import vocabulary as vocab
from rareledger.domain.control import Regime, RegimeEntry, Suspension
from rareledger.domain.elements import ELEMENT_SYMBOLS
from rareledger.domain.fields import Fields, all_read
from rareledger.domain.licences import (
    DECISIONS,
    LICENCE_TYPES,
    MAX_VALIDITY_DAYS,
    LicenceApplication,
    LicenceDecision,
    LicenceItem,
)
from rareledger.domain.problems import Problem

WATCH_STATUSES = ("active", "removed")


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchlistEntry:
    """A foreign party the regulator watches (names, aliases, country)."""

    id: str
    name: str
    aliases: tuple[str, ...]
    country: str
    status: str
    reason: str | None = None


def read_regime(f: Fields) -> Regime | None:
    ends_on = f.day("ends_on", required=False)
    args = all_read(
        {
            "id": f.identifier("id"),
            "title": f.text("title"),
            "source": f.text("source"),
            "effective_on": f.day("effective_on"),
            "suspensions": _suspensions(f),
            "entries": _entries(f),
        }
    )
    return Regime(**args, ends_on=ends_on) if args else None


def _suspensions(f: Fields) -> tuple[Suspension, ...] | None:
    if not f.obj.get("suspensions"):
        if "suspensions" in f.obj and f.obj["suspensions"] not in ([], None):
            f.fail("type", "suspensions", "must be a list", f.obj["suspensions"])
            return None
        return ()
    readers = f.each_object("suspensions", ("from_on", "until_on", "source"))
    if readers is None:
        return None
    found = []
    for reader in readers:
        start, until = reader.day("from_on"), reader.day("until_on")
        source = reader.text("source", required=False) or ""
        if start is None or until is None:
            return None
        if until < start:
            reader.fail("date_order", "until_on", "must not be before from_on", until.isoformat())
            return None
        found.append(Suspension(start, until, source))
    return tuple(found)


def _entries(f: Fields) -> tuple[RegimeEntry, ...] | None:
    readers = f.each_object("entries", ("code", "element", "forms", "min_fraction", "hs_prefixes"))
    if readers is None:
        return None
    found = []
    for reader in readers:
        fraction = reader.decimal("min_fraction", required=False)
        args = all_read(
            {
                "code": reader.identifier("code"),
                "element": reader.choice("element", ELEMENT_SYMBOLS, "unknown_element"),
                "forms": reader.strings("forms", vocab.FORMS, "unknown_form"),
                "hs_prefixes": reader.strings("hs_prefixes", required=False),
            }
        )
        if args is None:
            return None
        found.append(
            RegimeEntry(
                args["code"],
                args["element"],
                frozenset(args["forms"]),
                fraction or Decimal(0),
                args["hs_prefixes"],
            )
        )
    return tuple(found)


def read_application(f: Fields) -> LicenceApplication | None:
    values: dict[str, Any] = {
        "application_id": f.identifier("application_id"),
        "applicant": f.identifier("applicant"),
        "licence_type": f.choice("licence_type", LICENCE_TYPES, "unknown_licence_type"),
        "items": _items(f),
        "consignee": f.party("consignee"),
        "end_user": f.party("end_user", with_address=False),
        "end_use": f.text("end_use"),
        "destination_country": f.country("destination_country"),
        "contract_no": f.text("contract_no"),
        "submitted_at": f.time("submitted_at"),
    }
    args = all_read(values)
    return LicenceApplication(**args) if args else None


def _items(f: Fields) -> tuple[LicenceItem, ...] | None:
    readers = f.each_object("items", ("form", "elements", "description", "hs_code", "quantity_kg"))
    if readers is None:
        return None
    found = []
    for reader in readers:
        form = reader.choice("form", vocab.FORMS, "unknown_form")
        elements = reader.strings("elements", ELEMENT_SYMBOLS, "unknown_element")
        description, hs_code = reader.text("description"), reader.text("hs_code")
        quantity = reader.mass_g("quantity_kg")
        if None in (form, elements, description, hs_code, quantity):
            return None
        found.append(LicenceItem(form, elements, description, hs_code, quantity))  # type: ignore[arg-type]
    return tuple(found)


def read_decision(f: Fields) -> LicenceDecision | None:
    args = all_read(
        {
            "application_id": f.identifier("application_id"),
            "decision": f.choice("decision", DECISIONS, "unknown_decision"),
            "decided_at": f.time("decided_at"),
        }
    )
    if args is None:
        return None
    if args["decision"] != "approved":
        reason = f.text("reason")
        _forbid(f, ("licence_no", "valid_from", "valid_to", "items"), args["decision"])
        return None if reason is None else LicenceDecision(**args, reason=reason)
    return _approval(f, args["application_id"], args["decided_at"])


def _approval(f: Fields, application_id: str, decided_at: Any) -> LicenceDecision | None:
    licence_no = f.identifier("licence_no")
    valid_from, valid_to = f.day("valid_from"), f.day("valid_to")
    readers = f.each_object("items", ("form", "elements", "description", "hs_code", "quantity_kg"))
    quantities = [r.mass_g("quantity_kg") for r in readers] if readers else None
    reason = f.text("reason", required=False)
    if valid_from and valid_to and valid_to < valid_from:
        f.fail("date_order", "valid_to", "must not be before valid_from", valid_to.isoformat())
        return None
    if (
        licence_no is None
        or valid_from is None
        or valid_to is None
        or quantities is None
        or None in quantities
    ):
        return None
    return LicenceDecision(
        application_id=application_id,
        decision="approved",
        decided_at=decided_at,
        licence_no=licence_no,
        valid_from=valid_from,
        valid_to=valid_to,
        approved_g=tuple(quantities),  # type: ignore[arg-type]
        reason=reason,
    )


def _forbid(f: Fields, names: tuple[str, ...], decision: str) -> None:
    for name in names:
        if f.obj.get(name) is not None:
            f.fail(
                "not_for_decision",
                name,
                f"only an approval has {name}, not {decision}",
                f.obj[name],
            )


def read_watchlist_entry(f: Fields) -> WatchlistEntry | None:
    values: dict[str, Any] = {
        "id": f.identifier("id"),
        "name": f.text("name"),
        "aliases": f.strings("aliases", required=False),
        "country": f.country("country"),
        "status": f.choice("status", WATCH_STATUSES, "unknown_status"),
    }
    reason = f.text("reason", required=False)
    args = all_read(values)
    return WatchlistEntry(**args, reason=reason) if args else None


def check_validity(application_type: str, decision: LicenceDecision) -> Problem | None:
    """An approval's validity must not exceed the licence type's maximum."""
    if decision.valid_from is None or decision.valid_to is None:
        return None
    days = (decision.valid_to - decision.valid_from).days + 1
    if days > MAX_VALIDITY_DAYS[application_type]:
        limit = "1 year" if application_type == "single" else "3 years"
        return Problem(
            "validity_too_long",
            "valid_to",
            f"a {application_type} licence is valid for at most {limit}",
            decision.valid_to.isoformat(),
        )
    return None


MASTER_PARSERS = {
    "control_regime": (
        ("type", "id", "title", "source", "effective_on", "ends_on", "suspensions", "entries"),
        read_regime,
    ),
    "licence_application": (
        (
            "type",
            "application_id",
            "applicant",
            "licence_type",
            "items",
            "consignee",
            "end_user",
            "end_use",
            "destination_country",
            "contract_no",
            "submitted_at",
        ),
        read_application,
    ),
    "licence_decision": (
        (
            "type",
            "application_id",
            "decision",
            "decided_at",
            "licence_no",
            "valid_from",
            "valid_to",
            "items",
            "reason",
        ),
        read_decision,
    ),
    "watchlist_entry": (
        ("type", "id", "name", "aliases", "country", "status", "reason"),
        read_watchlist_entry,
    ),
}

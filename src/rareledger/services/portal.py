"""An enterprise's own page: what it holds, what awaits its receipt, what it may report."""

from __future__ import annotations

from typing import Any

from rareledger.domain.access import Principal
from rareledger.domain.quantities import format_kg
from rareledger.domain.vocabulary import REPORTING_ROLES
from rareledger.services import directory, holdings, reads
from rareledger.store import directory as store
from rareledger.store.database import Database

FORM_TYPES = (
    "extraction",
    "processing",
    "shipment",
    "receipt",
    "export",
    "import",
    "adjustment",
    "correction",
)


def reportable(roles: tuple[str, ...]) -> list[str]:
    """The event types an enterprise with these roles may report."""
    return [
        t
        for t in FORM_TYPES
        if REPORTING_ROLES[t] is None or set(roles) & set(REPORTING_ROLES[t] or ())
    ]


def home(database: Database, principal: Principal) -> dict[str, Any]:
    enterprise_id = str(principal.enterprise_id)
    known = directory.directory(database)
    found = known.get(enterprise_id)
    with database.read() as connection:
        waiting = store.awaiting_receipt(connection, enterprise_id)
    findings = reads.findings(
        database, principal, code=None, enterprise_id=None, cursor=None, limit=10
    )
    return {
        "enterprise": found.summary() if found else {"id": enterprise_id, "roles": []},
        "reportable": reportable(found.roles if found else ()),
        "balance": holdings.enterprise_balance(database, enterprise_id),
        "awaiting_receipt": [
            {
                "shipment_event_id": w["shipment_event_id"],
                "seller": w["seller"],
                "seller_name": known.name(w["seller"]),
                "lot_id": w["lot_id"],
                "mass_kg": format_kg(w["grams"]),
            }
            for w in waiting
        ],
        "recent_findings": findings.items,
    }

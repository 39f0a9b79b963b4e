"""Issued passports as people meet them: the public page that checks one, issuing from the
portal and the API, and a passport's origins in plain numbers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rareledger.domain.access import Principal
from rareledger.services import passports, reads
from rareledger.services.passports import PassportCheck
from rareledger.store import issued_passports
from rareledger.store.database import Database


def check_issued(
    database: Database, passport_id: str
) -> tuple[dict[str, Any], PassportCheck] | None:
    """An issued passport and its verification now (signature, evidence), or None."""
    with database.read() as connection:
        document = issued_passports.find(connection, passport_id)
    if document is None:
        return None
    keys = passports.public_key_map(passports.list_keys(database))
    return document, passports.verify(document, keys, database)


def issued_by(database: Database, issuer: str | None = None) -> list[dict[str, Any]]:
    """Passports issued (by one enterprise or operator), newest first."""
    with database.read() as connection:
        return issued_passports.issued(connection, issuer)


def issue_for(
    database: Database,
    principal: Principal,
    lot_id: str,
    *,
    passphrase: str | None,
    base_url: str,
) -> dict[str, Any]:
    """A passport issued by a signed-in principal: an enterprise only for a lot it created,
    held or traded (else NotFound, as if the lot did not exist)."""
    reads.lot(database, principal, lot_id)
    issuer = principal.enterprise_id or principal.name
    return passports.issue(
        database, lot_id, passphrase=passphrase, base_url=base_url, issued_by=issuer
    )


def origin_summary(passport: dict[str, Any]) -> list[dict[str, Any]]:
    """Each origin country's share of the lot's rare earths (weighted by the composition),
    and its share of each element, highest first."""
    composition = {k: Decimal(str(v)) for k, v in passport["lot"]["composition"].items()}
    total = sum(composition.values(), Decimal(0))
    rows = []
    for origin in passport.get("origins", []):
        shares = {e: Decimal(str(v)) for e, v in origin["shares"].items()}
        weighted = sum((composition.get(e, Decimal(0)) * v for e, v in shares.items()), Decimal(0))
        overall = weighted / total if total else Decimal(0)
        rows.append(
            {
                "country": origin["country"],
                "share": float(overall.quantize(Decimal("0.0001"))),
                "elements": {
                    e: float(v.quantize(Decimal("0.0001"))) for e, v in sorted(shares.items())
                },
            }
        )
    return sorted(rows, key=lambda r: -r["share"])

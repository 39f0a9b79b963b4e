"""Issued passports, kept so that the link in a passport's QR code can be opened."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, select

from rareledger.store import web_tables


def save(connection: Connection, document: dict[str, Any], issued_by: str) -> None:
    passport = document["passport"]
    connection.execute(
        web_tables.passports.insert().values(
            passport_id=passport["passport_id"],
            lot_id=passport["lot"]["lot_id"],
            issued_at=passport["issued_at"],
            issued_by=issued_by,
            document=json.dumps(document, ensure_ascii=False),
        )
    )


def find(connection: Connection, passport_id: str) -> dict[str, Any] | None:
    t = web_tables.passports
    row = connection.execute(select(t.c.document).where(t.c.passport_id == passport_id)).first()
    found: dict[str, Any] | None = json.loads(row.document) if row else None
    return found


def issued(
    connection: Connection, issued_by: str | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    """(passport, lot, issued at, by) of issued passports (by one issuer), newest first."""
    t = web_tables.passports
    query = select(t.c.passport_id, t.c.lot_id, t.c.issued_at, t.c.issued_by).order_by(
        t.c.issued_at.desc()
    )
    if issued_by is not None:
        query = query.where(t.c.issued_by == issued_by)
    return [dict(row._mapping) for row in connection.execute(query.limit(limit))]
